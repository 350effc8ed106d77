package mapping

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/apigw/apigw"
)

// RequestSpec is what a gateway.Method's request mapping holds: a
// [RequestConfig], a compiled [*RequestMapping], or a [*Template] alone,
// which is shorthand for RequestConfig{Templates: {"application/json": t}}.
// The gateway calls RequestMapping once, at build time.
type RequestSpec interface {
	RequestMapping() (*RequestMapping, error)
}

// ResponseSpec is what a gateway.Method's Response field holds: a
// [ResponseConfig], a compiled [*ResponseMapping], or a [*Template]
// alone, which is shorthand for one default integration response: status
// 200, the template as application/json. The gateway calls
// ResponseMapping once, at build time.
type ResponseSpec interface {
	ResponseMapping() (*ResponseMapping, error)
}

var (
	_ RequestSpec  = RequestConfig{}
	_ RequestSpec  = (*RequestMapping)(nil)
	_ RequestSpec  = (*Template)(nil)
	_ ResponseSpec = ResponseConfig{}
	_ ResponseSpec = (*ResponseMapping)(nil)
	_ ResponseSpec = (*Template)(nil)
)

// RequestMapping compiles cfg: [NewRequestMapping].
func (cfg RequestConfig) RequestMapping() (*RequestMapping, error) { return NewRequestMapping(cfg) }

// ResponseMapping compiles cfg: [NewResponseMapping].
func (cfg ResponseConfig) ResponseMapping() (*ResponseMapping, error) {
	return NewResponseMapping(cfg)
}

// RequestMapping makes t the application/json request template, with
// AWS's default passthrough (WHEN_NO_MATCH).
func (t *Template) RequestMapping() (*RequestMapping, error) {
	if t == nil {
		return nil, errors.New("mapping: nil template")
	}
	return NewRequestMapping(RequestConfig{Templates: map[string]*Template{DefaultContentType: t}})
}

// ResponseMapping makes t the response template of a single default
// integration response: status 200, t as application/json.
func (t *Template) ResponseMapping() (*ResponseMapping, error) {
	if t == nil {
		return nil, errors.New("mapping: nil template")
	}
	return NewResponseMapping(ResponseConfig{IntegrationResponses: []IntegrationResponse{{
		Templates: map[string]*Template{DefaultContentType: t},
	}}})
}

// Config is the mapping of one method used as middleware, outside
// package gateway. The zero value maps nothing.
type Config struct {
	// Request maps the request before the next handler sees it; nil
	// passes it unchanged.
	Request RequestSpec
	// Response maps what the next handler writes; nil passes it through
	// unchanged.
	Response ResponseSpec
}

// Mapping is net/http middleware that applies a method's request mapping
// before the next handler and its response mapping to what the next
// handler writes, as a non-proxy integration in front of that handler
// would. It is safe for simultaneous use by multiple goroutines.
type Mapping struct {
	req  *RequestMapping
	resp *ResponseMapping
}

// New checks and compiles cfg.
func New(cfg Config) (*Mapping, error) {
	m := &Mapping{}
	var errs []error
	if cfg.Request != nil {
		req, err := cfg.Request.RequestMapping()
		if err != nil {
			errs = append(errs, fmt.Errorf("Request: %w", err))
		}
		m.req = req
	}
	if cfg.Response != nil {
		resp, err := cfg.Response.ResponseMapping()
		if err != nil {
			errs = append(errs, fmt.Errorf("Response: %w", err))
		}
		m.resp = resp
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// Middleware is [New] returning the middleware itself.
func Middleware(cfg Config) (func(http.Handler) http.Handler, error) {
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return m.Handler, nil
}

// Handler wraps next. The request next receives is the integration
// request: only mapped headers and query string parameters, the mapped
// path values (r.PathValue) and the template's body. What next writes is
// buffered (up to 10 MB) and answered through the response mapping.
// Refusals are written with [apigw.WriteError]. When the request carries
// no [apigw.Context] one is created; its PathParameters default to the
// wildcards of the http.ServeMux pattern that matched.
func (m *Mapping) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, c := apigw.EnsureContext(r)
		fillPathParameters(r, c)
		ir := r
		if m.req != nil {
			out, err := m.req.Map(r, c)
			if err != nil {
				apigw.WriteError(w, r, err)
				return
			}
			ir = out.NewHTTPRequest(r)
			if out.overrides != nil {
				// the response mapping sees the request template's overrides
				r = r.WithContext(ir.Context())
			}
		}
		if m.resp == nil {
			next.ServeHTTP(w, ir)
			return
		}
		rec := recorders.Get().(*recorder)
		defer rec.release()
		next.ServeHTTP(rec, ir)
		if rec.overflow {
			apigw.WriteError(w, r, &apigw.Error{Type: apigw.IntegrationFailure, Status: http.StatusBadGateway,
				Err: fmt.Errorf("mapping: integration response over %d bytes", maxOutputBytes)})
			return
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		_ = m.resp.Write(w, r, c, Result{Status: status, Header: rec.header, Body: rec.body})
	})
}

// fillPathParameters gives a Context without path parameters those of the
// ServeMux pattern that matched r.
func fillPathParameters(r *http.Request, c *apigw.Context) {
	if c.PathParameters != nil || !strings.Contains(r.Pattern, "{") {
		return
	}
	params := map[string]string{}
	rest := r.Pattern
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		name := strings.TrimSuffix(rest[i+1:i+j], "...")
		if name != "$" && name != "" {
			params[name] = r.PathValue(name)
		}
		rest = rest[i+j+1:]
	}
	c.PathParameters = params
}

// recorder buffers what the next handler writes.
type recorder struct {
	header   http.Header
	status   int
	body     []byte
	overflow bool
}

var recorders = sync.Pool{New: func() any { return &recorder{header: http.Header{}} }}

func (rec *recorder) release() {
	clear(rec.header)
	rec.status, rec.overflow = 0, false
	if cap(rec.body) > 64<<10 {
		rec.body = nil
	}
	rec.body = rec.body[:0]
	recorders.Put(rec)
}

// Header implements http.ResponseWriter.
func (rec *recorder) Header() http.Header { return rec.header }

// WriteHeader implements http.ResponseWriter; informational statuses are
// ignored.
func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 && code >= 200 {
		rec.status = code
	}
}

// Write implements http.ResponseWriter.
func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if len(rec.body)+len(p) > maxOutputBytes {
		rec.overflow = true
		return 0, errTooLarge
	}
	rec.body = append(rec.body, p...)
	return len(p), nil
}

// Expr is the source of a JSON template ([Compile]) that is compiled when
// the gateway builds the route, so that a mistake fails gateway.New with
// the route named instead of panicking at init as [MustCompile] does:
//
//	Response: mapping.Expr(`{"genre": input.json.genres}`),
type Expr string

// Text is the source of a text template ([CompileText]) compiled when the
// gateway builds the route, as [Expr].
type Text string

var (
	_ RequestSpec  = Expr("")
	_ ResponseSpec = Expr("")
	_ RequestSpec  = Text("")
	_ ResponseSpec = Text("")
)

// RequestMapping compiles e as the application/json request template.
func (e Expr) RequestMapping() (*RequestMapping, error) {
	t, err := Compile(string(e))
	if err != nil {
		return nil, err
	}
	return t.RequestMapping()
}

// ResponseMapping compiles e as the template of a single default
// integration response (status 200, application/json).
func (e Expr) ResponseMapping() (*ResponseMapping, error) {
	t, err := Compile(string(e))
	if err != nil {
		return nil, err
	}
	return t.ResponseMapping()
}

// RequestMapping compiles s as the application/json request template.
func (s Text) RequestMapping() (*RequestMapping, error) {
	t, err := CompileText(string(s))
	if err != nil {
		return nil, err
	}
	return t.RequestMapping()
}

// ResponseMapping compiles s as the template of a single default
// integration response (status 200, application/json).
func (s Text) ResponseMapping() (*ResponseMapping, error) {
	t, err := CompileText(string(s))
	if err != nil {
		return nil, err
	}
	return t.ResponseMapping()
}
