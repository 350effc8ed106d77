package cors

import (
	"net/http"
	"strings"
)

// The header names this package reads and writes, in canonical form so
// that they index an http.Header directly.
const (
	hOrigin = "Origin"
	hVary   = "Vary"

	hRequestMethod         = "Access-Control-Request-Method"
	hRequestHeaders        = "Access-Control-Request-Headers"
	hRequestPrivateNetwork = "Access-Control-Request-Private-Network"

	hAllowOrigin         = "Access-Control-Allow-Origin"
	hAllowCredentials    = "Access-Control-Allow-Credentials"
	hAllowMethods        = "Access-Control-Allow-Methods"
	hAllowHeaders        = "Access-Control-Allow-Headers"
	hExposeHeaders       = "Access-Control-Expose-Headers"
	hMaxAge              = "Access-Control-Max-Age"
	hAllowPrivateNetwork = "Access-Control-Allow-Private-Network"
)

// isToken reports whether s is an RFC 9110 token: the syntax of methods
// and header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}

func isTokenByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// trimOWS removes the optional white space (spaces and tabs) HTTP allows
// around a field value or list element.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// maxLowerBuf bounds the stack buffer a requested header name is
// lower-cased into; longer names fall back to a scan of the allowed list.
const maxLowerBuf = 128

// requestHeadersAllowed reports whether every name in the
// Access-Control-Request-Headers field values vs is allowed, and whether any
// name was requested at all. Names are matched case-insensitively; empty
// list elements and white space around them are ignored, as RFC 9110's list
// syntax requires; a value that is not a list of tokens is refused.
func (c *CORS) requestHeadersAllowed(vs []string) (ok, asked bool) {
	for _, v := range vs {
		for v != "" {
			var name string
			name, v, _ = strings.Cut(v, ",")
			name = trimOWS(name)
			if name == "" {
				continue
			}
			if !isToken(name) {
				return false, asked
			}
			asked = true
			if !c.anyHeader && !c.headerAllowed(name) {
				return false, asked
			}
		}
	}
	return true, asked
}

// headerAllowed reports whether the token name is in AllowHeaders, ignoring
// case, without allocating.
func (c *CORS) headerAllowed(name string) bool {
	if len(name) > c.maxHeaderLen {
		return false
	}
	if len(name) > maxLowerBuf {
		for h := range c.headers {
			if strings.EqualFold(h, name) {
				return true
			}
		}
		return false
	}
	var buf [maxLowerBuf]byte
	for i := 0; i < len(name); i++ {
		b := name[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		buf[i] = b
	}
	_, ok := c.headers[string(buf[:len(name)])] // no allocation: the compiler reuses buf
	return ok
}

// addVary adds the names of tokens to h's Vary field: line (their
// precomputed one-line form) when h has no Vary yet, else each name it does
// not already list.
func addVary(h http.Header, line, tokens []string) {
	old := h[hVary]
	if len(old) == 0 {
		h[hVary] = line
		return
	}
	old = old[:len(old):len(old)] // never write into another handler's array
	for _, t := range tokens {
		if !varyHas(old, t) {
			old = append(old, t)
		}
	}
	h[hVary] = old
}

// varyHas reports whether the Vary field values vs list name or "*".
func varyHas(vs []string, name string) bool {
	for _, v := range vs {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			t = trimOWS(t)
			if t == "*" || strings.EqualFold(t, name) {
				return true
			}
		}
	}
	return false
}
