package apigw

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// GatewayResponse customises the response of one [ResponseType], as AWS's
// PutGatewayResponse does.
type GatewayResponse struct {
	// StatusCode replaces the type's default status; 0 keeps it.
	StatusCode int
	// Headers maps a response header to its value: a 'quoted literal',
	// method.request.header.<name>, method.request.querystring.<name>,
	// method.request.path.<name>, context.<var> or stageVariables.<name>.
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
}

type compiledResponse struct {
	status    int
	headers   []headerMapping
	templates []bodyTemplate // sorted by content type
}

type headerMapping struct {
	name string
	src  ValueSource
}

type bodyTemplate struct {
	contentType string
	parts       []templatePart
}

// templatePart is literal text, or a variable when src.kind is set.
type templatePart struct {
	text string
	src  ValueSource
}

type sourceKind uint8

const (
	srcLiteral sourceKind = iota
	srcContext
	srcStageVariable
	srcHeader
	srcQuery
	srcPath
)

// ValueSource is where a mapped value comes from: a literal, a $context
// variable, a stage variable, or a header, query string or path parameter of
// the method request. [ParseValueSource] makes one.
type ValueSource struct {
	kind sourceKind
	name string
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
		src, err := ParseValueSource(gr.Headers[name])
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
		parts, err := parseSubstitution(gr.Templates[ct])
		if err != nil {
			errs = append(errs, fmt.Errorf("Templates[%q]: %w", ct, err))
			continue
		}
		c.templates = append(c.templates, bodyTemplate{contentType: ct, parts: parts})
	}
	return c, errors.Join(errs...)
}

// ParseValueSource parses a mapping value as AWS writes it in gateway
// response headers and parameter mappings: 'literal',
// method.request.(header|querystring|path).<name>, context.<var> or
// stageVariables.<name>.
func ParseValueSource(v string) (ValueSource, error) {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return ValueSource{kind: srcLiteral, name: v[1 : len(v)-1]}, nil
	}
	return parseVariable(v)
}

func parseVariable(v string) (ValueSource, error) {
	if name, ok := strings.CutPrefix(v, "context."); ok {
		if !ValidContextVar(name) {
			return ValueSource{}, fmt.Errorf("unknown variable %q", v)
		}
		return ValueSource{kind: srcContext, name: name}, nil
	}
	if name, ok := strings.CutPrefix(v, "stageVariables."); ok && name != "" {
		return ValueSource{kind: srcStageVariable, name: name}, nil
	}
	for prefix, kind := range map[string]sourceKind{
		"method.request.header.":      srcHeader,
		"method.request.querystring.": srcQuery,
		"method.request.path.":        srcPath,
	} {
		if name, ok := strings.CutPrefix(v, prefix); ok && name != "" {
			return ValueSource{kind: kind, name: name}, nil
		}
	}
	return ValueSource{}, fmt.Errorf("%q is neither a 'quoted literal' nor a context., stageVariables. or method.request. variable", v)
}

// parseSubstitution splits a gateway response template into literal text and
// $variables. A $ that starts no known variable is literal text.
func parseSubstitution(tmpl string) ([]templatePart, error) {
	var parts []templatePart
	lit := strings.Builder{}
	for i := 0; i < len(tmpl); {
		if tmpl[i] != '$' {
			lit.WriteByte(tmpl[i])
			i++
			continue
		}
		var name string
		var end int
		if strings.HasPrefix(tmpl[i+1:], "{") {
			close := strings.IndexByte(tmpl[i+2:], '}')
			if close < 0 {
				return nil, fmt.Errorf("offset %d: ${ without }", i)
			}
			name, end = tmpl[i+2:i+2+close], i+3+close
		} else {
			j := i + 1
			for j < len(tmpl) && isVarByte(tmpl[j]) {
				j++
			}
			name = strings.TrimRight(tmpl[i+1:j], ".")
			end = i + 1 + len(name)
		}
		if !looksLikeVariable(name) {
			lit.WriteByte('$')
			i++
			continue
		}
		src, err := parseVariable(name)
		if err != nil {
			return nil, fmt.Errorf("offset %d: %w", i, err)
		}
		if lit.Len() > 0 {
			parts = append(parts, templatePart{text: lit.String()})
			lit.Reset()
		}
		parts = append(parts, templatePart{src: src})
		i = end
	}
	if lit.Len() > 0 {
		parts = append(parts, templatePart{text: lit.String()})
	}
	return parts, nil
}

func looksLikeVariable(name string) bool {
	return strings.HasPrefix(name, "context.") || strings.HasPrefix(name, "stageVariables.") ||
		strings.HasPrefix(name, "method.request.")
}

func isVarByte(b byte) bool {
	return b == '.' || b == '_' || b == '-' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// Resolve returns the value src names for the request r and its Context c.
func (src ValueSource) Resolve(r *http.Request, c *Context) string {
	switch src.kind {
	case srcLiteral:
		return src.name
	case srcContext:
		if c == nil {
			return ""
		}
		v, _ := c.Var(src.name)
		return v
	case srcStageVariable:
		if c == nil {
			return ""
		}
		return c.StageVariables[src.name]
	case srcHeader:
		return r.Header.Get(src.name)
	case srcQuery:
		return r.URL.Query().Get(src.name)
	case srcPath:
		if c == nil {
			return ""
		}
		return c.PathParameters[src.name]
	}
	return ""
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
	status := e.StatusCode()
	msg := e.MessageText()
	if c != nil {
		c.Error = ErrorInfo{Message: msg, ResponseType: e.Type, ValidationErrorString: e.ValidationErrorString, Cause: e.Err}
	}
	h := w.Header()
	for k, vs := range e.Header {
		h[k] = append(h[k][:0:0], vs...)
	}
	if et := e.Type.ErrorType(); et != "" {
		h.Set("X-Amzn-Errortype", et)
	}
	if c != nil && h.Get("X-Amzn-Requestid") == "" {
		h.Set("X-Amzn-Requestid", c.RequestID)
	}

	body := `{"message":` + quoteOrNull(msg) + "}"
	contentType := "application/json"
	if custom := c.responses().lookup(e.Type, status); custom != nil {
		if custom.status != 0 {
			status = custom.status
		}
		for _, hm := range custom.headers {
			h.Set(hm.name, hm.src.Resolve(r, c))
		}
		if t := custom.pickTemplate(r.Header.Get("Accept")); t != nil {
			contentType, body = t.contentType, t.render(r, c)
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
func (c *compiledResponse) pickTemplate(accept string) *bodyTemplate {
	if len(c.templates) == 0 {
		return nil
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		mt = strings.TrimSpace(mt)
		for i := range c.templates {
			if strings.EqualFold(c.templates[i].contentType, mt) {
				return &c.templates[i]
			}
		}
	}
	for i := range c.templates {
		if c.templates[i].contentType == "application/json" {
			return &c.templates[i]
		}
	}
	return &c.templates[0]
}

func (t *bodyTemplate) render(r *http.Request, c *Context) string {
	return renderParts(t.parts, r, c)
}

// VarTemplate is text with $context.<var>, $stageVariables.<name> and
// $method.request.(header|querystring|path).<name> (or ${...}) substituted,
// the plain substitution AWS applies to gateway response and mock
// templates. It is safe for simultaneous use by multiple goroutines.
type VarTemplate struct{ parts []templatePart }

// CompileVarTemplate parses src; an unknown $context variable is an error.
// A $ that starts no variable stays as it is.
func CompileVarTemplate(src string) (*VarTemplate, error) {
	parts, err := parseSubstitution(src)
	if err != nil {
		return nil, err
	}
	return &VarTemplate{parts: parts}, nil
}

// Render substitutes the variables for the request r and its Context c.
func (t *VarTemplate) Render(r *http.Request, c *Context) string { return renderParts(t.parts, r, c) }

// IsLiteral reports whether the template has no variables.
func (t *VarTemplate) IsLiteral() bool {
	for _, p := range t.parts {
		if p.src.kind != srcLiteral {
			return false
		}
	}
	return true
}

func renderParts(parts []templatePart, r *http.Request, c *Context) string {
	if len(parts) == 1 && parts[0].src.kind == srcLiteral {
		return parts[0].text
	}
	var b strings.Builder
	for _, p := range parts {
		if p.src.kind == srcLiteral {
			b.WriteString(p.text)
			continue
		}
		b.WriteString(p.src.Resolve(r, c))
	}
	return b.String()
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
