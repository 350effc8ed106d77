package iam

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/apigw/apigw/internal/ctxkey"
)

// queryParam is one decoded query parameter.
type queryParam struct{ key, value string }

// target returns the request's path and query as the client sent them: the
// request line's target when the request came from a server (so that no
// rewriting of r.URL, the gateway's canonical path included, changes what
// is verified), else r.URL's.
func target(r *http.Request) (path, rawQuery string) {
	t := r.RequestURI
	if sent, ok := r.Context().Value(ctxkey.RequestTarget).(string); ok {
		t = sent // the gateway's request: r.RequestURI is its canonical form
	}
	if t == "" || t == "*" {
		return r.URL.EscapedPath(), r.URL.RawQuery
	}
	if !strings.HasPrefix(t, "/") { // absolute form: http://host/path?query
		u, err := url.Parse(t)
		if err != nil {
			return r.URL.EscapedPath(), r.URL.RawQuery
		}
		return u.EscapedPath(), u.RawQuery
	}
	path, rawQuery, _ = strings.Cut(t, "?")
	return path, rawQuery
}

// normalizePath is the path as AWS's servers canonicalise it for every
// service but S3: empty and "." segments dropped, ".." removing the one
// before, a single leading '/', and a trailing '/' kept.
func normalizePath(p string) string {
	if p == "/" {
		return p
	}
	segs := make([]string, 0, strings.Count(p, "/")+1)
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, seg)
		}
	}
	var b strings.Builder
	b.Grow(len(p) + 1)
	b.WriteByte('/')
	for i, s := range segs {
		b.WriteString(s)
		if i+1 < len(segs) || strings.HasSuffix(p, "/") {
			b.WriteByte('/')
		}
	}
	return b.String()
}

// normalPath reports whether p is its own normal form, which is cheap to
// tell for the common path with no empty or dot segments.
func normalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if p == "/" {
		return true
	}
	if strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") {
		return false
	}
	return true
}

var errBadQuery = errors.New("iam: the query string has a bad percent-encoding")

// parseQuery splits a raw query on '&' and each part on its first '=', and
// decodes names and values ('+' is a space). Empty parts are dropped.
func parseQuery(raw string) ([]queryParam, error) {
	if raw == "" {
		return nil, nil
	}
	params := make([]queryParam, 0, strings.Count(raw, "&")+1)
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			return nil, errBadQuery
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			return nil, errBadQuery
		}
		params = append(params, queryParam{dk, dv})
	}
	return params, nil
}

// canonicalQuery is SigV4's canonical query string of params: each name
// and value URI-encoded (every byte but A-Z a-z 0-9 - _ . ~ as %XX), the
// pairs sorted by encoded name, then encoded value. Parameters named in
// skip are left out (X-Amz-Signature of a presigned request).
func canonicalQuery(params []queryParam, skip ...string) string {
	enc := make([]queryParam, 0, len(params))
	for _, p := range params {
		if slices.Contains(skip, p.key) {
			continue
		}
		enc = append(enc, queryParam{uriEncode(p.key), uriEncode(p.value)})
	}
	slices.SortFunc(enc, func(a, b queryParam) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// uriEncode percent-encodes every byte of s but the unreserved ones, with
// upper-case hex, as SigV4 does.
func uriEncode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}
