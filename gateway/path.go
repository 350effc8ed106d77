package gateway

import (
	"net/http"
	"net/url"
	"strings"
)

// The gateway serves, judges and logs one spelling of each request path,
// its canonical form, so that an authorizer's policy, a cache key, a
// throttle and the backend all see the same resource: a Deny of
// /pets/secret cannot be passed by asking for /pets/secret/,
// /pets//secret, /pets/./secret, /pets/x/../secret or /pets/%73ecret.
//
// The canonical form of an escaped path:
//   - empty segments are dropped: repeated slashes collapse, a trailing
//     slash goes (AWS routes /pets/ to the /pets resource too);
//   - an escape of a character that needs none (%73 for "s", %2E for ".")
//     is decoded; the others get upper-case hex digits;
//   - "." segments are dropped and ".." removes the segment before it, as
//     RFC 3986 resolves dot segments;
//   - an escaped slash (%2F) or NUL (%00) makes the path unservable: a
//     segment that holds a slash would name a resource the method ARN
//     cannot tell from the path with a real slash. Such requests get AWS's
//     403 Missing Authentication Token, as a path no resource matches does.
//
// The request line's method is upper-cased when it is a standard method in
// another case ("get"), for the same reason: routes, the method ARN and
// the backend see GET.

// canonicalPath returns the canonical form of the escaped path p and its
// decoded form; ok is false for a path that cannot be served. A path that
// is already canonical is returned as it is, without allocating.
func canonicalPath(p string) (escaped, decoded string, ok bool) {
	if p == "" || p[0] != '/' {
		return "", "", false
	}
	if isCanonical(p) {
		return p, p, true
	}
	segs := make([]string, 0, 8)
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "" {
			continue
		}
		seg, ok = normalizeEscapes(seg)
		if !ok {
			return "", "", false
		}
		switch seg {
		case ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, seg)
		}
	}
	escaped = "/" + strings.Join(segs, "/")
	decoded, err := url.PathUnescape(escaped)
	if err != nil {
		return "", "", false
	}
	return escaped, decoded, true
}

// isCanonical reports whether p needs no work: no empty, "." or ".."
// segment and no escape.
func isCanonical(p string) bool {
	if len(p) > 1 && p[len(p)-1] == '/' {
		return false
	}
	for i := 1; i < len(p); i++ {
		switch p[i] {
		case '%':
			return false
		case '/':
			if p[i-1] == '/' {
				return false
			}
		case '.':
			if p[i-1] == '/' && (i+1 == len(p) || p[i+1] == '/' || p[i+1] == '.' && (i+2 == len(p) || p[i+2] == '/')) {
				return false
			}
		}
	}
	return true
}

// normalizeEscapes decodes the escapes of seg that stand for characters a
// path segment may hold as they are, and upper-cases the others' hex
// digits. An escaped slash or NUL, or a malformed escape, is not ok.
func normalizeEscapes(seg string) (string, bool) {
	if strings.IndexByte(seg, '%') < 0 {
		return seg, true
	}
	var b strings.Builder
	b.Grow(len(seg))
	for i := 0; i < len(seg); i++ {
		if seg[i] != '%' {
			b.WriteByte(seg[i])
			continue
		}
		if i+2 >= len(seg) || !isHex(seg[i+1]) || !isHex(seg[i+2]) {
			return "", false
		}
		c := unhex(seg[i+1])<<4 | unhex(seg[i+2])
		switch {
		case c == '/' || c == 0:
			return "", false
		case isPathChar(c):
			b.WriteByte(c)
		default:
			const upper = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(upper[c>>4])
			b.WriteByte(upper[c&15])
		}
		i += 2
	}
	return b.String(), true
}

// isPathChar reports whether c may stand unescaped in a path segment:
// RFC 3986's pchar without pct-encoded.
func isPathChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// canonicalMethod upper-cases a standard method sent in another case.
func canonicalMethod(m string) string {
	for i := 0; i < len(m); i++ {
		if 'a' <= m[i] && m[i] <= 'z' {
			if u := strings.ToUpper(m); knownMethods[u] && u != methodANY {
				return u
			}
			return m
		}
	}
	return m
}

// canonicalRequest returns r in canonical form (see above): r itself when
// it already is, else a shallow copy with the canonical method and path.
// ok is false when the request cannot be served: a path that cannot (see
// canonicalPath), or a method other than API Gateway's seven (DELETE, GET,
// HEAD, OPTIONS, PATCH, POST, PUT; the ones ANY stands for), which no
// route serves and no policy names.
func canonicalRequest(r *http.Request) (_ *http.Request, ok bool) {
	esc := r.URL.EscapedPath()
	cesc, dec, ok := canonicalPath(esc)
	if !ok {
		return r, false
	}
	method := canonicalMethod(r.Method)
	if !knownMethods[method] || method == methodANY {
		return r, false
	}
	if cesc == esc && dec == r.URL.Path && method == r.Method {
		return r, true
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = dec, ""
	if cesc != dec {
		u.RawPath = cesc
	}
	r2.URL = &u
	r2.RequestURI = u.RequestURI()
	r2.Method = method
	return r2, true
}
