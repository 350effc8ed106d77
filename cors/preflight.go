package cors

import (
	"net/http"

	"github.com/apigw/apigw"
)

// IsPreflight reports whether r is a CORS preflight request: an OPTIONS
// request with an Origin and an Access-Control-Request-Method header. A
// gateway uses it to answer preflights for paths that have no OPTIONS
// route, before any authorizer, API key check or throttle: browsers send
// preflights without credentials.
func IsPreflight(r *http.Request) bool {
	if r.Method != http.MethodOptions {
		return false
	}
	_, asks := r.Header[hRequestMethod]
	return asks && len(r.Header[hOrigin]) > 0
}

// ServePreflight answers the preflight r with 204 No Content. When r's
// origin, requested method and every requested header are allowed, the
// answer carries Access-Control-Allow-Origin, -Allow-Methods,
// -Allow-Headers, -Allow-Credentials, -Max-Age and, when asked for and
// allowed, -Allow-Private-Network; otherwise it carries none of them, and
// the browser refuses the actual request. Either way it carries
// Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
// (and Access-Control-Request-Private-Network with AllowPrivateNetwork), and
// it records the status in r's apigw.Context, if any.
//
// [CORS.Handler] calls it for every preflight; a gateway calls it directly
// for a preflight to a path without an OPTIONS route, with the policy of the
// route the preflight asks about. Call it only when [IsPreflight](r) holds.
// A nil c answers every preflight without allow headers.
func (c *CORS) ServePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if c == nil {
		for _, name := range []string{hOrigin, hRequestMethod, hRequestHeaders} {
			if !varyHas(h[hVary], name) {
				h.Add(hVary, name)
			}
		}
	} else {
		addVary(h, c.varyPreflight, c.varyPreflightList)
		c.allowPreflight(h, r.Header)
	}
	if ac := apigw.FromContext(r.Context()); ac != nil {
		ac.Status = http.StatusNoContent
	}
	w.WriteHeader(http.StatusNoContent)
}

// allowPreflight sets the allow headers on h when the preflight with
// request headers rh is allowed, and nothing otherwise.
func (c *CORS) allowPreflight(h http.Header, rh http.Header) {
	acao, ok := c.allowedOrigin(rh)
	if !ok {
		return
	}
	method, ok := c.requestedMethod(rh[hRequestMethod])
	if !ok {
		return
	}
	requested := rh[hRequestHeaders]
	ok, asked := c.requestHeadersAllowed(requested)
	if !ok {
		return
	}
	h[hAllowOrigin] = acao
	if c.acac != nil {
		h[hAllowCredentials] = c.acac
	}
	if c.anyMethod {
		h[hAllowMethods] = method
	} else {
		h[hAllowMethods] = c.acam
	}
	switch {
	case !c.anyHeader:
		if c.acah != nil {
			h[hAllowHeaders] = c.acah
		}
	case asked:
		h[hAllowHeaders] = requested // "*" echoes the names: it must cover Authorization and credentials too
	}
	if c.acma != nil {
		h[hMaxAge] = c.acma
	}
	if c.privateNetwork {
		if pn := rh[hRequestPrivateNetwork]; len(pn) == 1 && trimOWS(pn[0]) == "true" {
			h[hAllowPrivateNetwork] = c.acapn
		}
	}
}

// requestedMethod checks the Access-Control-Request-Method field values vs:
// exactly one method token, allowed case-sensitively. It returns the value
// to echo in Access-Control-Allow-Methods when every method is allowed.
func (c *CORS) requestedMethod(vs []string) ([]string, bool) {
	if len(vs) != 1 {
		return nil, false
	}
	m := vs[0]
	if t := trimOWS(m); len(t) != len(m) {
		m, vs = t, nil
	}
	if !isToken(m) {
		return nil, false
	}
	if !c.anyMethod {
		return nil, contains(c.methods, m)
	}
	if vs == nil {
		vs = []string{m}
	}
	return vs, true
}
