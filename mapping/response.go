package mapping

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/accept"
	"github.com/apigw/apigw/internal/paramexpr"
)

// IntegrationResponse is one of a non-proxy method's integration
// responses: which integration outcomes it handles, and the method
// response it makes of them.
type IntegrationResponse struct {
	// SelectionPattern is a Go regular expression matched against the
	// whole of the integration's status code ("404", "5\d\d"), or of the
	// error message when a Lambda-style function returned an error
	// ([Result].ErrorMessage). It is anchored at both ends, as AWS's
	// patterns are. "" marks the default response, chosen when no other
	// pattern matches; there may be one.
	SelectionPattern string
	// StatusCode is the method response's status. Default 200.
	StatusCode int
	// Parameters maps method.response.header.<name> to where its value
	// comes from: integration.response.header.<name>,
	// integration.response.multivalueheader.<name>,
	// integration.response.body, integration.response.body.<JSONPath>
	// (without $.), context.<var>, stageVariables.<name> or a 'quoted
	// literal'. Only mapped headers reach the client.
	Parameters map[string]string
	// Templates maps a media type to the template that turns the
	// integration's body into the method response's body; the one for the
	// request's Accept header is chosen, else application/json, else the
	// first by media type. Without templates the body passes through.
	Templates map[string]*Template
	// ContentHandling converts the integration's payload between binary
	// and text before the template sees it (AWS's integration response
	// contentHandling). Default: none, but see [ContentHandling].
	ContentHandling ContentHandling
}

// MethodResponse declares a status a method answers with and the headers
// that response may carry (AWS's method.response.header.<name>).
type MethodResponse struct {
	// StatusCode is the status declared.
	StatusCode int
	// Headers names the headers a response with this status may carry
	// (any case); an integration response may map only these.
	Headers []string
}

// ResponseConfig is the integration responses and method responses of a
// non-proxy method.
type ResponseConfig struct {
	// IntegrationResponses, tried in order: the first whose pattern
	// matches wins, else the default.
	IntegrationResponses []IntegrationResponse
	// MethodResponses declares the statuses and headers the method may
	// answer with: every integration response's status and mapped header
	// must be declared. Nil declares exactly what the integration
	// responses use.
	MethodResponses []MethodResponse
}

// ResponseMapping is a compiled [ResponseConfig], safe for simultaneous
// use by multiple goroutines.
type ResponseMapping struct {
	responses []*integrationResponse
	dflt      *integrationResponse
	binary    BinaryMediaTypes // the API's, from Config
}

type integrationResponse struct {
	pattern   *regexp.Regexp // nil for the default
	status    int
	headers   []headerMapping
	templates []contentTemplate // sorted by media type
	handling  ContentHandling
}

type headerMapping struct {
	name string // canonical
	src  source
}

type contentTemplate struct {
	mediaType   string
	contentType []string // precomputed header value
	t           *Template
}

// NewResponseMapping checks and compiles cfg. The error names every bad
// pattern, status, parameter, template and undeclared status or header.
func NewResponseMapping(cfg ResponseConfig) (*ResponseMapping, error) {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf("mapping: "+format, args...)) }

	declared := map[int]map[string]bool{}
	for i, mr := range cfg.MethodResponses {
		if mr.StatusCode < 100 || mr.StatusCode > 599 {
			fail("MethodResponses[%d]: StatusCode %d is not an HTTP status", i, mr.StatusCode)
			continue
		}
		if declared[mr.StatusCode] != nil {
			fail("MethodResponses[%d]: status %d declared twice", i, mr.StatusCode)
			continue
		}
		hs := map[string]bool{}
		for _, h := range mr.Headers {
			hs[http.CanonicalHeaderKey(h)] = true
		}
		declared[mr.StatusCode] = hs
	}

	m := &ResponseMapping{}
	for i, ir := range cfg.IntegrationResponses {
		at := fmt.Sprintf("IntegrationResponses[%d]", i)
		c := &integrationResponse{status: ir.StatusCode, handling: ir.ContentHandling}
		if err := ir.ContentHandling.check(); err != nil {
			fail("%s: %v", at, err)
		}
		if c.status == 0 {
			c.status = http.StatusOK
		}
		if c.status < 100 || c.status > 599 {
			fail("%s: StatusCode %d is not an HTTP status", at, ir.StatusCode)
		}
		var hs map[string]bool
		if cfg.MethodResponses != nil {
			if hs = declared[c.status]; hs == nil {
				fail("%s: status %d has no method response", at, c.status)
			}
		}
		if ir.SelectionPattern == "" {
			if m.dflt != nil {
				fail("%s: a second default response (empty SelectionPattern)", at)
			}
			m.dflt = c
		} else {
			re, err := regexp.Compile(`^(?:` + ir.SelectionPattern + `)$`)
			if err != nil {
				fail("%s: SelectionPattern %q: %v", at, ir.SelectionPattern, err)
			}
			c.pattern = re
			m.responses = append(m.responses, c)
		}
		for _, target := range sortedKeys(ir.Parameters) {
			t, err := paramexpr.Parse(target, paramexpr.ResponseTargets)
			if err != nil {
				fail("%s: Parameters: %v", at, err)
				continue
			}
			name := t.Name
			if cfg.MethodResponses != nil && hs != nil && !hs[name] {
				fail("%s: Parameters[%q]: header %s is not declared in the method response for %d", at, target, name, c.status)
				continue
			}
			src, err := parseSource(ir.Parameters[target], responseSide)
			if err != nil {
				fail("%s: Parameters[%q]: %v", at, target, err)
				continue
			}
			c.headers = append(c.headers, headerMapping{name: name, src: src})
		}
		for _, ct := range sortedKeys(ir.Templates) {
			mt, err := mediaType(ct)
			switch {
			case err != nil:
				fail("%s: Templates[%q]: bad content type: %v", at, ct, err)
			case ir.Templates[ct] == nil:
				fail("%s: Templates[%q]: nil template", at, ct)
			case slices.ContainsFunc(c.templates, func(x contentTemplate) bool { return x.mediaType == mt }):
				fail("%s: Templates[%q]: a second template for %s", at, ct, mt)
			default:
				c.templates = append(c.templates, contentTemplate{mediaType: mt, contentType: []string{ct}, t: ir.Templates[ct]})
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// ResponseMapping returns m itself, so that a *ResponseMapping can stand
// where a [ResponseSpec] is expected.
func (m *ResponseMapping) ResponseMapping() (*ResponseMapping, error) { return m, nil }

// Result is what an integration answered, as the gateway hands it to
// [ResponseMapping.Write].
type Result struct {
	// Status is the integration's status code; 0 means 200.
	Status int
	// Header is the integration's response headers.
	Header http.Header
	// Body is the integration's response body (for a Lambda-style error,
	// AWS's {"errorMessage": ..., "errorType": ...} document).
	Body []byte
	// ErrorMessage is set when a Lambda-style function returned an error:
	// selection patterns are then matched against it instead of the
	// status code.
	ErrorMessage string
}

// statusText holds "100".."599" so that matching a status allocates nothing.
var statusText = func() []string {
	s := make([]string, 600)
	for i := 100; i < 600; i++ {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

// choose returns the integration response for res, nil when none matches
// and there is no default.
func (m *ResponseMapping) choose(res *Result) *integrationResponse {
	subject := res.ErrorMessage
	if subject == "" {
		status := res.Status
		if status == 0 {
			status = http.StatusOK
		}
		if status >= 100 && status < 600 {
			subject = statusText[status]
		} else {
			subject = strconv.Itoa(status)
		}
	}
	for _, ir := range m.responses {
		if ir.pattern.MatchString(subject) {
			return ir
		}
	}
	return m.dflt
}

// pick chooses the template for the request's Accept header: the first
// media type listed that has one, else application/json, else the first.
func (ir *integrationResponse) pick(header string) *contentTemplate {
	i := accept.Pick(header, len(ir.templates), func(i int) string { return ir.templates[i].mediaType })
	if i < 0 {
		return nil
	}
	return &ir.templates[i]
}

// buffers hold rendered bodies. Measured (BenchmarkGatewayGenres -count 6, interleaved): template 7 allocs, 1.95 KB/op
// with the pool, 9 and 2.98 KB without; template-vtl 14, 2.13 KB with it, 16, 3.16 KB without; times within noise.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

var jsonContentType = []string{DefaultContentType}

// Write answers the method request r (Context c, which may be nil) with
// the method response the integration's result res maps to: the
// integration response chosen by selection pattern sets the status, the
// mapped headers and, through its template, the body. In non-proxy mode
// no integration header reaches the client unless mapped: the response
// carries the headers already set on w by earlier phases (CORS), the
// mapped ones, Content-Type and x-amzn-RequestId.
//
// When the mapping fails (no integration response matches and there is no
// default, a template or parameter fails), Write writes the failure with
// [apigw.WriteError] instead (a 500 for the client, the reason in the
// returned error for the access log) and returns it as an [*apigw.Error].
// A nil error means the mapped response was written.
func (m *ResponseMapping) Write(w http.ResponseWriter, r *http.Request, c *apigw.Context, res Result) error {
	if c == nil {
		r, c = apigw.EnsureContext(r)
	}
	ir := m.choose(&res)
	if ir == nil {
		subject := res.ErrorMessage
		if subject == "" {
			subject = "status " + strconv.Itoa(res.Status)
		}
		err := &apigw.Error{Type: apigw.APIConfigurationError,
			Err: fmt.Errorf("mapping: no match for output mapping and no default output mapping configured (integration %s)", subject)}
		apigw.WriteError(w, r, err)
		return err
	}

	if ir.handling != "" || len(m.binary) > 0 {
		b, err := convertResponse(res.Body, m.binary.Match(res.Header.Get("Content-Type")), m.binary.Match(r.Header.Get("Accept")), ir.handling)
		if err != nil {
			apigw.WriteError(w, r, err)
			return err
		}
		res.Body = b
	}
	a := newActivation(r, c, false, res.Body)
	defer a.release()

	// Resolve everything before touching w, so that a failure leaves no
	// half-mapped header behind.
	var hv [8][]string
	values := hv[:0]
	for i := range ir.headers {
		values = append(values, ir.headers[i].src.resolve(a, res.Header))
	}
	body := res.Body
	contentType := jsonContentType
	var bufp *[]byte
	if ct := ir.pick(r.Header.Get("Accept")); ct != nil {
		bufp = buffers.Get().(*[]byte)
		out, err := ct.t.render((*bufp)[:0], a)
		if err != nil {
			buffers.Put(bufp)
			apigw.WriteError(w, r, err)
			return err
		}
		*bufp = out
		body, contentType = out, ct.contentType
	} else if vs := res.Header.Values("Content-Type"); len(vs) > 0 {
		contentType = vs[:1]
	}

	status := ir.status
	o := a.ovr
	if o == nil {
		o = carriedOverrides(r)
	}
	var headerOverrides map[string][]string
	if o != nil {
		var err error
		if status, err = o.status(status); err != nil {
			if bufp != nil {
				buffers.Put(bufp)
			}
			e := &apigw.Error{Type: apigw.APIConfigurationError, Err: err}
			apigw.WriteError(w, r, e)
			return e
		}
		headerOverrides = overrideValues(o.response, "header")
	}

	h := w.Header()
	for i := range ir.headers {
		if values[i] != nil {
			h[ir.headers[i].name] = slices.Clone(values[i])
		}
	}
	if !mappedHeader(ir, "Content-Type", values) {
		h["Content-Type"] = contentType
	}
	for k, vs := range headerOverrides {
		h[http.CanonicalHeaderKey(k)] = vs
	}
	if c.RequestID != "" && len(h["X-Amzn-Requestid"]) == 0 {
		h["X-Amzn-Requestid"] = []string{c.RequestID}
	}
	if res.Status != 0 && c.IntegrationStatus == 0 {
		c.IntegrationStatus = res.Status
	}
	c.Status = status
	c.ResponseLength = int64(len(body))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	if bufp != nil {
		if cap(*bufp) <= 64<<10 {
			buffers.Put(bufp)
		}
	}
	return nil
}

// mappedHeader reports whether ir mapped name to a value this time.
func mappedHeader(ir *integrationResponse, name string, values [][]string) bool {
	for i := range ir.headers {
		if ir.headers[i].name == name && values[i] != nil {
			return true
		}
	}
	return false
}
