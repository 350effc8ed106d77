package cors

import (
	"errors"
	"net/http"
	"strings"
)

// CORS is a compiled CORS policy: [Config] checked once by [New], with
// every header value the policy decides computed in advance. It is
// immutable and safe for simultaneous use by multiple goroutines.
//
// A nil *CORS is a policy that is switched off: its Handler returns the next
// handler unchanged.
type CORS struct {
	// Origin matching.
	allowAll   bool                // "*": every origin but "null"
	allowNull  bool                // "null" is listed
	origins    map[string]struct{} // exact origins, normalised
	wildcards  []wildcard
	originFunc func(origin string) bool

	// Preflight checks.
	anyMethod      bool
	methods        []string
	anyHeader      bool
	headers        map[string]struct{} // lowercase names
	maxHeaderLen   int
	privateNetwork bool

	// Precomputed response header values: read-only one-element slices,
	// shared by every response (nil: the header is not sent).
	acaoStar          []string // "*" when every origin is allowed without credentials
	acac              []string // "true" with AllowCredentials
	acam              []string
	acah              []string
	aceh              []string
	acma              []string
	acapn             []string // "true"
	varyActual        []string // "Origin"
	varyPreflight     []string // "Origin, Access-Control-Request-Method, ..."
	varyPreflightList []string // the same names one by one
}

// New checks opts and compiles them into a CORS. The error lists every
// mistake, each an [*ConfigError] naming its field: a malformed origin, a
// wildcard in a bad place, credentials with "*", and every other
// configuration a browser would reject or that would be unsafe. New never
// fails for the zero Config.
func New(opts Config) (*CORS, error) {
	c := &CORS{
		originFunc:     opts.AllowOriginFunc,
		privateNetwork: opts.AllowPrivateNetwork,
	}
	var cp compiler
	cp.compileOrigins(c, opts)
	cp.compileMethods(c, opts.AllowMethods)
	cp.compileHeaders(c, opts.AllowHeaders)
	cp.compileExpose(c, opts.ExposeHeaders, opts.AllowCredentials)
	cp.compileMaxAge(c, opts.MaxAge)
	if err := errors.Join(cp.errs...); err != nil {
		return nil, err
	}
	if c.allowAll && !opts.AllowCredentials {
		c.acaoStar = value("*")
	}
	if opts.AllowCredentials {
		c.acac = value("true")
	}
	if opts.AllowPrivateNetwork {
		c.acapn = value("true")
	}
	c.varyActual = value(hOrigin)
	c.varyPreflightList = []string{hOrigin, hRequestMethod, hRequestHeaders}
	if opts.AllowPrivateNetwork {
		c.varyPreflightList = append(c.varyPreflightList, hRequestPrivateNetwork)
	}
	c.varyPreflightList = c.varyPreflightList[:len(c.varyPreflightList):len(c.varyPreflightList)]
	c.varyPreflight = value(strings.Join(c.varyPreflightList, ", "))
	return c, nil
}

// MustNew is like [New] but panics on an error. It is meant for
// configurations fixed in the source, checked at program start.
func MustNew(opts Config) *CORS {
	c, err := New(opts)
	if err != nil {
		panic(err)
	}
	return c
}

// ForRoute returns the policy of one route: a policy compiled from the
// route's own options when it has them (the route wins over the API-wide
// policy, as REST APIs set CORS per method), else c itself, which may be
// nil for an API without CORS. The route's options replace the API-wide
// ones as a whole; they are not merged field by field. A gateway calls it
// once per route when it builds its routes:
//
//	rc, err := apiCORS.ForRoute(method.CORS) // method.CORS is a *cors.Config
//	chain = rc.Handler(chain)               // nil rc: chain unchanged
func (c *CORS) ForRoute(route *Config) (*CORS, error) {
	if route == nil {
		return c, nil
	}
	return New(*route)
}

// Handler returns next behind the CORS policy. A preflight (see
// [IsPreflight]) is answered by [CORS.ServePreflight] and never reaches
// next. Any other request gets, before next runs, Vary: Origin and, when its
// origin is allowed, Access-Control-Allow-Origin, -Allow-Credentials and
// -Expose-Headers: every response next writes afterwards carries them,
// errors rendered by apigw.WriteError included, since it keeps the headers
// already set. The methods and headers lists do not restrict such requests.
//
// The header values are shared, read-only slices: a handler may replace
// them (Header.Set, Header.Add, Header.Del) but must not write into them.
// A handler that calls Header.Set("Vary", ...) drops the Vary: Origin this
// policy relies on; use Header.Add.
//
// For a nil c, Handler returns next.
func (c *CORS) Handler(next http.Handler) http.Handler {
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.serve(w, r, next) })
}

// serve is the middleware: the one place that tells a preflight from an
// actual request.
func (c *CORS) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if IsPreflight(r) {
		c.ServePreflight(w, r)
		return
	}
	if _, sent := r.Header[hOrigin]; !sent {
		// No browser asks: there is nothing for a backend's CORS headers to
		// grant, and Vary: Origin keeps HTTP caches from replaying this
		// answer to one that does.
		c.setHeaders(w.Header(), nil)
		next.ServeHTTP(w, r)
		return
	}
	acao, _ := c.allowedOrigin(r.Header)
	c.setHeaders(w.Header(), acao)
	next.ServeHTTP(&policyWriter{ResponseWriter: w, c: c, acao: acao}, r)
}

// setHeaders sets the policy's headers of an actual request on h: Vary:
// Origin and, for an allowed origin (acao non-nil), the allow headers.
func (c *CORS) setHeaders(h http.Header, acao []string) {
	addVary(h, c.varyActual, c.varyActual)
	if acao == nil {
		return
	}
	h[hAllowOrigin] = acao
	if c.acac != nil {
		h[hAllowCredentials] = c.acac
	}
	if c.aceh != nil {
		h[hExposeHeaders] = c.aceh
	}
}

// policyWriter keeps the policy's word final: when the answer starts, the
// CORS headers whatever ran behind the policy set (an integration that
// echoes Origin, a proxied backend's own, a cached answer's) are dropped
// and the policy's are set again, as AWS HTTP APIs ignore a backend's CORS
// headers.
type policyWriter struct {
	http.ResponseWriter
	c       *CORS
	acao    []string // the policy's Access-Control-Allow-Origin; nil: not allowed
	started bool
}

func (pw *policyWriter) enforce() {
	if pw.started {
		return
	}
	pw.started = true
	h := pw.ResponseWriter.Header()
	removeHeaders(h)
	pw.c.setHeaders(h, pw.acao)
}

func (pw *policyWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		pw.enforce()
	}
	pw.ResponseWriter.WriteHeader(code)
}

func (pw *policyWriter) Write(p []byte) (int, error) {
	pw.enforce()
	return pw.ResponseWriter.Write(p)
}

// Flush passes a flush on, the answer's headers enforced first.
func (pw *policyWriter) Flush() {
	pw.enforce()
	_ = http.NewResponseController(pw.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the writer's other features.
func (pw *policyWriter) Unwrap() http.ResponseWriter { return pw.ResponseWriter }

// removeHeaders deletes the CORS response headers (Access-Control-Allow-*,
// -Expose-Headers, -Max-Age) from h.
func removeHeaders(h http.Header) {
	for _, name := range [...]string{
		hAllowOrigin, hAllowCredentials, hAllowMethods, hAllowHeaders,
		hExposeHeaders, hMaxAge, hAllowPrivateNetwork,
	} {
		delete(h, name)
	}
}
