package apigw

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"

	"github.com/apigw/apigw/internal/accept"
	"github.com/apigw/apigw/internal/paramexpr"
)

// GatewayResponse customises the response of one [ResponseType], as AWS's
// PutGatewayResponse does.
type GatewayResponse struct {
	// StatusCode replaces the type's default status; 0 keeps it.
	StatusCode int
	// Headers maps a response header to its value: a 'quoted literal',
	// method.request.header.<name>, method.request.querystring.<name>,
	// method.request.path.<name>, context.<var> or stageVariables.<name>
	// (a header or query parameter sent twice gives its last value).
	Headers map[string]string
	// Templates maps a content type to a body template. A template is text
	// with $context.<var>, $stageVariables.<name> and
	// $method.request.(header|querystring|path).<name> substituted (also
	// written ${context.<var>}); $context.error.messageString is the message
	// as a JSON string or null. Without templates the body is AWS's
	// {"message":$context.error.messageString}.
	Templates map[string]string
}

// GatewayResponses is a compiled set of customised gateway responses,
// checked once by [NewGatewayResponses] and then safe for simultaneous use
// by multiple goroutines. The nil value renders AWS's defaults.
type GatewayResponses struct {
	byType map[ResponseType]*compiledResponse
	// httpAPI: the answers of an HTTP API (see [HTTPAPIResponses]).
	httpAPI bool
}

type compiledResponse struct {
	status    int
	headers   []headerMapping
	templates []bodyTemplate // sorted by content type
}

type headerMapping struct {
	name string
	src  paramexpr.Expr
}

type bodyTemplate struct {
	contentType string
	tmpl        *paramexpr.Template
}

// NewGatewayResponses checks and compiles the customisations, keyed by type.
// The error names every bad type, header and template.
func NewGatewayResponses(m map[ResponseType]GatewayResponse) (*GatewayResponses, error) {
	g := &GatewayResponses{byType: make(map[ResponseType]*compiledResponse, len(m))}
	var errs []error
	for _, t := range sortedKeys(m) {
		gr := m[t]
		if !t.Valid() {
			errs = append(errs, fmt.Errorf("gateway response %q: unknown response type", t))
			continue
		}
		c, err := compileResponse(gr)
		if err != nil {
			errs = append(errs, fmt.Errorf("gateway response %s: %w", t, err))
			continue
		}
		g.byType[t] = c
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return g, nil
}

func compileResponse(gr GatewayResponse) (*compiledResponse, error) {
	var errs []error
	if gr.StatusCode != 0 && (gr.StatusCode < 100 || gr.StatusCode > 599) {
		errs = append(errs, fmt.Errorf("StatusCode %d: not an HTTP status", gr.StatusCode))
	}
	c := &compiledResponse{status: gr.StatusCode}
	for _, name := range sortedKeys(gr.Headers) {
		src, err := paramexpr.Parse(gr.Headers[name], paramexpr.GatewayResponseValues)
		if err != nil {
			errs = append(errs, fmt.Errorf("Headers[%q]: %w", name, err))
			continue
		}
		c.headers = append(c.headers, headerMapping{name: http.CanonicalHeaderKey(name), src: src})
	}
	for _, ct := range sortedKeys(gr.Templates) {
		if _, _, err := mime.ParseMediaType(ct); err != nil {
			errs = append(errs, fmt.Errorf("Templates[%q]: bad content type: %w", ct, err))
			continue
		}
		tmpl, err := paramexpr.ParseTemplate(gr.Templates[ct], paramexpr.TemplateVars)
		if err != nil {
			errs = append(errs, fmt.Errorf("Templates[%q]: %w", ct, err))
			continue
		}
		c.templates = append(c.templates, bodyTemplate{contentType: ct, tmpl: tmpl})
	}
	return c, errors.Join(errs...)
}

// exprRequest is what a gateway response's expressions read of r and c.
func exprRequest(r *http.Request, c *Context) *paramexpr.Request {
	req := &paramexpr.Request{Header: r.Header, RawQuery: r.URL.RawQuery}
	if c != nil {
		req.Context, req.StageVariables, req.PathParameters = c, c.StageVariables, c.PathParameters
	}
	return req
}

// WriteError writes err as the gateway response a client of AWS would get:
// the type's customisation from the request Context's [GatewayResponses]
// (falling back to DEFAULT_4XX or DEFAULT_5XX), or AWS's default
// {"message": "..."} body. It records the error and status in the Context,
// adds x-amzn-ErrorType and x-amzn-RequestId, and keeps any header already
// set on w (CORS headers among them). An err that is not an [*Error] is
// answered as a 500 API_CONFIGURATION_ERROR.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := AsError(err)
	c := FromContext(r.Context())
	if g := c.responses(); g != nil && g.httpAPI {
		writeHTTPAPIError(w, r, c, e)
		return
	}
	status := e.StatusCode()
	msg := e.MessageText()
	if c != nil {
		c.Error = ErrorInfo{Message: msg, ResponseType: e.Type, ValidationErrorString: e.ValidationErrorString, Cause: e.Err}
	}
	h := w.Header()
	for k, vs := range e.Header {
		h[k] = append(h[k][:0:0], vs...)
	}
	et := e.ErrorType
	if et == "" {
		et = e.Type.ErrorType()
	}
	if et != "" {
		h.Set("X-Amzn-Errortype", et)
	}
	if c != nil && h.Get("X-Amzn-Requestid") == "" {
		h.Set("X-Amzn-Requestid", c.RequestID)
	}

	body := `{"message":` + quoteOrNull(msg) + "}"
	if e.MessageKey != "" {
		body = `{"` + e.MessageKey + `":` + quoteOrNull(msg) + "}"
	}
	contentType := "application/json"
	if custom := c.responses().lookup(e.Type, status); custom != nil {
		if custom.status != 0 {
			status = custom.status
		}
		req := exprRequest(r, c)
		for i := range custom.headers {
			hm := &custom.headers[i]
			v, _ := hm.src.Value(req)
			h.Set(hm.name, v)
		}
		if t := custom.pickTemplate(r.Header.Get("Accept")); t != nil {
			contentType, body = t.contentType, t.tmpl.Render(req)
		}
	}
	h.Set("Content-Type", contentType)
	h.Del("Content-Length")
	if c != nil {
		c.Status = status
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

func (c *Context) responses() *GatewayResponses {
	if c == nil {
		return nil
	}
	return c.Responses
}

// lookup returns the customisation for t, else the DEFAULT_4XX or
// DEFAULT_5XX one for the status class, else nil.
func (g *GatewayResponses) lookup(t ResponseType, status int) *compiledResponse {
	if g == nil {
		return nil
	}
	if c, ok := g.byType[t]; ok {
		return c
	}
	switch {
	case status >= 400 && status < 500:
		return g.byType[Default4XX]
	case status >= 500:
		return g.byType[Default5XX]
	}
	return nil
}

// pickTemplate chooses the template for the first media type of accept that
// has one, else application/json, else the first by content type.
func (c *compiledResponse) pickTemplate(header string) *bodyTemplate {
	i := accept.Pick(header, len(c.templates), func(i int) string { return c.templates[i].contentType })
	if i < 0 {
		return nil
	}
	return &c.templates[i]
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
