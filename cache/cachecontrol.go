package cache

import (
	"net/http"
	"strings"
)

// wantsRefresh reports whether the request's Cache-Control asks for a fresh
// answer: a max-age directive of 0 (max-age=0, max-age="0", max-age=000),
// as AWS honours. Directive names are case-insensitive; anything else,
// including a malformed header, asks for nothing.
func wantsRefresh(h http.Header) bool {
	for _, v := range h["Cache-Control"] {
		for v != "" {
			var d string
			d, v, _ = strings.Cut(v, ",")
			name, val, ok := strings.Cut(d, "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "max-age") {
				continue
			}
			val = strings.TrimSpace(val)
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if val != "" && strings.Trim(val, "0") == "" {
				return true
			}
		}
	}
	return false
}

// forbidsStoring reports whether a response must not be stored for other
// callers: it sets a cookie, announces trailers (which are not captured),
// or says Cache-Control: no-store or private. AWS stores such responses
// anyway; apigw does not, so one caller's session never reaches another.
func forbidsStoring(h http.Header) bool {
	if len(headerValues(h, "Set-Cookie")) > 0 || len(headerValues(h, "Trailer")) > 0 {
		return true
	}
	for _, v := range headerValues(h, "Cache-Control") {
		for v != "" {
			var d string
			d, v, _ = strings.Cut(v, ",")
			name, _, _ := strings.Cut(d, "=")
			name = strings.TrimSpace(name)
			if strings.EqualFold(name, "no-store") || strings.EqualFold(name, "private") {
				return true
			}
		}
	}
	return false
}

// headerValues is h's values of a header under its canonical name and
// under any other spelling of it: a handler may write the map directly
// (h["set-cookie"]), and net/http sends every spelling on the wire.
func headerValues(h http.Header, canonical string) []string {
	vs := h[canonical]
	for k, v := range h {
		if k != canonical && strings.EqualFold(k, canonical) {
			vs = append(vs[:len(vs):len(vs)], v...)
		}
	}
	return vs
}
