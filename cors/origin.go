package cors

import (
	"net/http"
	"strings"
)

// allowedOrigin returns the Access-Control-Allow-Origin value for the
// request headers rh, and whether their origin is allowed. The value is a
// read-only slice: the precomputed "*", or the request's own Origin header
// slice, so that an allowed request costs no allocation.
func (c *CORS) allowedOrigin(rh http.Header) ([]string, bool) {
	vs := rh[hOrigin]
	if len(vs) != 1 {
		return nil, false // absent, or several Origin fields: not a browser
	}
	origin := vs[0]
	if t := trimOWS(origin); len(t) != len(origin) {
		origin, vs = t, nil
	}
	switch {
	case origin == "":
		return nil, false
	case origin == "null":
		if !c.allowNull {
			return nil, false
		}
	case c.allowAll:
	case !c.matchOrigin(origin):
		return nil, false
	}
	if c.acaoStar != nil {
		return c.acaoStar, true
	}
	if vs == nil {
		vs = []string{origin}
	}
	return vs, true
}

// matchOrigin reports whether origin (neither "" nor "null") is listed
// exactly, matches a wildcard, or is accepted by AllowOriginFunc.
func (c *CORS) matchOrigin(origin string) bool {
	if _, ok := c.origins[origin]; ok {
		return true
	}
	for _, w := range c.wildcards {
		if w.match(origin) {
			return true
		}
	}
	return c.originFunc != nil && wellFormedOrigin(origin) && c.callOriginFunc(origin)
}

// callOriginFunc runs the user's AllowOriginFunc; a panic denies the origin.
func (c *CORS) callOriginFunc(origin string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return c.originFunc(origin)
}

// wildcard is a compiled "scheme://*.domain[:port]" or "scheme://*" pattern.
type wildcard struct {
	prefix string // "https://"
	suffix string // ".pet.com" or ".pet.com:8443"; "" for any host and port
}

func (w wildcard) match(origin string) bool {
	rest, ok := strings.CutPrefix(origin, w.prefix)
	if !ok {
		return false
	}
	if w.suffix == "" {
		return wellFormedHostPort(rest)
	}
	sub, ok := strings.CutSuffix(rest, w.suffix)
	return ok && validSubdomain(sub)
}

// validSubdomain reports whether s is one or more non-empty DNS labels
// separated by single dots, in the lowercase form browsers send.
func validSubdomain(s string) bool {
	if s == "" {
		return false
	}
	prev := byte('.')
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b == '.' {
			if prev == '.' {
				return false
			}
		} else if !isHostByte(b) {
			return false
		}
		prev = b
	}
	return prev != '.'
}

// isHostByte reports whether b may appear in a host name as browsers
// serialise it: lowercase letters, digits, '-' and '_' (punycode for IDNs).
func isHostByte(b byte) bool {
	return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '_'
}

// wellFormedOrigin reports whether s is a tuple origin serialised as
// browsers do: a lowercase scheme, "://", a lowercase host or bracketed
// IPv6 address, and an optional port. It guards AllowOriginFunc and the
// scheme-wide wildcards against values no browser sends.
func wellFormedOrigin(s string) bool {
	i := strings.Index(s, "://")
	return i > 0 && validScheme(s[:i]) && wellFormedHostPort(s[i+3:])
}

// validScheme reports whether s is an RFC 3986 scheme in lowercase.
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case 'a' <= b && b <= 'z':
		case i > 0 && ('0' <= b && b <= '9' || b == '+' || b == '-' || b == '.'):
		default:
			return false
		}
	}
	return true
}

// wellFormedHostPort reports whether s is host[:port] as in a serialised
// origin: a host (labels, optionally ending in a dot) or an IPv6 address in
// brackets, and a port of 1 to 65535 without leading zeros.
func wellFormedHostPort(s string) bool {
	host, port := splitHostPort(s)
	if port != "" || len(host) != len(s) {
		if !validPort(port) {
			return false
		}
	}
	if strings.HasPrefix(host, "[") {
		return validIPv6(host)
	}
	return validSubdomain(strings.TrimSuffix(host, "."))
}

// splitHostPort splits s at the port's colon; port is "" when there is
// none. A bracketed IPv6 host keeps its brackets.
func splitHostPort(s string) (host, port string) {
	end := 0
	if strings.HasPrefix(s, "[") {
		end = strings.IndexByte(s, ']')
		if end < 0 {
			return s, ""
		}
	}
	if i := strings.IndexByte(s[end:], ':'); i >= 0 {
		return s[:end+i], s[end+i+1:]
	}
	return s, ""
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

// validIPv6 reports whether s is "[...]" holding hex digits, colons and dots
// (an embedded IPv4 address), lowercase, as browsers serialise it.
func validIPv6(s string) bool {
	if len(s) < 4 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	colons := 0
	for i := 1; i < len(s)-1; i++ {
		b := s[i]
		switch {
		case b == ':':
			colons++
		case '0' <= b && b <= '9', 'a' <= b && b <= 'f', b == '.':
		default:
			return false
		}
	}
	return colons >= 2
}

// defaultPort is the port an origin of the scheme leaves out.
func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	case "ftp":
		return "21"
	}
	return ""
}
