package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/apigw/apigw"
)

// HandlerOption configures a [Handler] integration.
type HandlerOption func(*handlerIntegration)

// Path makes the backend see a request for this path instead of the
// client's: {param} is replaced by the route's path parameter, and
// ${stageVariables.name} by the stage variable. The query string is kept.
func Path(template string) HandlerOption {
	return func(h *handlerIntegration) { h.path = template }
}

type handlerIntegration struct {
	h    http.Handler
	path string
}

// Handler integrates an in-process http.Handler, the user's own backend, as
// a proxy integration: the handler sees the client's request (the stage
// prefix removed from its path) with the [apigw.Context] in its context,
// and its answer goes to the client as it is.
func Handler(h http.Handler, opts ...HandlerOption) Integration {
	hi := &handlerIntegration{h: h}
	for _, o := range opts {
		o(hi)
	}
	return hi
}

func (hi *handlerIntegration) build(env *buildEnv) (http.Handler, error) {
	if hi.h == nil {
		return nil, fmt.Errorf("Handler: nil http.Handler")
	}
	if hi.path == "" {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := apigw.FromContext(r.Context())
			if c != nil && c.StagePath != r.URL.Path {
				r = withPath(r, c.StagePath)
			}
			hi.h.ServeHTTP(w, r)
		}), nil
	}
	if !strings.HasPrefix(hi.path, "/") {
		return nil, fmt.Errorf("Path %q: must start with /", hi.path)
	}
	tmpl, err := compileURLTemplate(hi.path, env.params, env.greedy)
	if err != nil {
		return nil, fmt.Errorf("Path: %w", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hi.h.ServeHTTP(w, withPath(r, tmpl.expandMapped(apigw.FromContext(r.Context()), mappedPathParams(r))))
	}), nil
}

// withPath returns a shallow copy of r for another path.
func withPath(r *http.Request, path string) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = path, ""
	if p, err := url.PathUnescape(path); err == nil && p != path {
		u.Path, u.RawPath = p, path
	}
	r2.URL = &u
	r2.RequestURI = u.RequestURI()
	return r2
}

// serviceIntegration is implemented by AWS service integrations (package
// awsintegration), which API Gateway never runs as proxies.
type serviceIntegration interface{ AWSServiceIntegration() }

// isServiceIntegration reports whether in is Handler(h) of an AWS service
// integration.
func isServiceIntegration(in Integration) bool {
	hi, ok := in.(*handlerIntegration)
	if !ok {
		return false
	}
	_, ok = hi.h.(serviceIntegration)
	return ok
}
