package mapping

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/accept"
	"github.com/apigw/apigw/internal/ctxkey"
	"github.com/apigw/apigw/internal/paramexpr"
)

// Passthrough is what a non-proxy integration does with a request whose
// Content-Type has no template: AWS's passthroughBehavior.
type Passthrough string

// AWS's passthrough behaviours.
const (
	// WhenNoMatch passes a request whose content type has no template
	// through untransformed. AWS's default.
	WhenNoMatch Passthrough = "WHEN_NO_MATCH"
	// WhenNoTemplates passes requests through untransformed only when
	// there are no templates at all; with templates, an unmapped content
	// type is refused with 415 Unsupported Media Type.
	WhenNoTemplates Passthrough = "WHEN_NO_TEMPLATES"
	// Never refuses every unmapped content type with 415, and every
	// request when there are no templates; mapped ones are transformed.
	Never Passthrough = "NEVER"
)

// DefaultContentType is the content type a request without a
// Content-Type header counts as, as in AWS.
const DefaultContentType = "application/json"

// RequestConfig is the integration request of a non-proxy method: how
// the method request becomes the request the integration receives. The
// zero value passes the body through and maps no parameter.
type RequestConfig struct {
	// Templates maps a media type ("application/json", "text/xml") to the
	// template applied to requests sent with that Content-Type (parameters
	// such as charset are ignored; a request without one counts as
	// application/json). The template's output is the integration
	// request's body.
	Templates map[string]*Template
	// Passthrough decides what happens to a content type without a
	// template. Default WhenNoMatch.
	Passthrough Passthrough
	// Parameters maps integration.request.header.<name>,
	// integration.request.querystring.<name> or
	// integration.request.path.<name> to where its value comes from:
	// method.request.(path|querystring|multivaluequerystring|header|multivalueheader).<name>,
	// method.request.body, method.request.body.<JSONPath> (without $.),
	// context.<var>, stageVariables.<name> or a 'quoted literal'.
	// As in AWS, the integration request carries only mapped headers and
	// query string parameters (and Content-Type).
	Parameters map[string]string
	// ContentHandling converts the payload between text and binary before
	// the template sees it (AWS's integration contentHandling): with
	// ConvertToText a template reads a binary payload as base64 in
	// input.body. Default: no conversion.
	ContentHandling ContentHandling
}

// RequestMapping is a compiled [RequestConfig], safe for simultaneous use
// by multiple goroutines.
type RequestMapping struct {
	templates   map[string]*Template // by lower-case media type
	passthrough Passthrough
	params      []paramMapping // sorted by target
	handling    ContentHandling
	binary      BinaryMediaTypes // the API's, from Config
}

type paramMapping struct {
	target string // header name (canonical), query or path name
	kind   targetKind
	src    source
}

type targetKind uint8

const (
	targetHeader targetKind = iota
	targetQuery
	targetPath
)

// NewRequestMapping checks and compiles cfg. The error names every bad
// content type, passthrough value and parameter mapping.
func NewRequestMapping(cfg RequestConfig) (*RequestMapping, error) {
	m := &RequestMapping{templates: make(map[string]*Template, len(cfg.Templates)), passthrough: cfg.Passthrough, handling: cfg.ContentHandling}
	var errs []error
	if err := cfg.ContentHandling.check(); err != nil {
		errs = append(errs, fmt.Errorf("mapping: %w", err))
	}
	switch cfg.Passthrough {
	case "":
		m.passthrough = WhenNoMatch
	case WhenNoMatch, WhenNoTemplates, Never:
	default:
		errs = append(errs, fmt.Errorf("mapping: Passthrough %q: want WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER", cfg.Passthrough))
	}
	for _, ct := range sortedKeys(cfg.Templates) {
		mt, err := mediaType(ct)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("mapping: Templates[%q]: bad content type: %w", ct, err))
		case cfg.Templates[ct] == nil:
			errs = append(errs, fmt.Errorf("mapping: Templates[%q]: nil template", ct))
		case m.templates[mt] != nil:
			errs = append(errs, fmt.Errorf("mapping: Templates[%q]: a second template for %s", ct, mt))
		default:
			m.templates[mt] = cfg.Templates[ct]
		}
	}
	for _, target := range sortedKeys(cfg.Parameters) {
		pm, err := parseRequestParam(target, cfg.Parameters[target])
		if err != nil {
			errs = append(errs, fmt.Errorf("mapping: Parameters[%q]: %w", target, err))
			continue
		}
		m.params = append(m.params, pm)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

func parseRequestParam(target, value string) (paramMapping, error) {
	var pm paramMapping
	t, err := paramexpr.Parse(target, paramexpr.RequestTargets)
	if err != nil {
		return pm, err
	}
	pm.target = t.Name
	switch t.Kind {
	case paramexpr.IntegrationHeader:
		pm.kind = targetHeader
	case paramexpr.IntegrationQuery:
		pm.kind = targetQuery
	case paramexpr.IntegrationPath:
		pm.kind = targetPath
	}
	src, err := parseSource(value, requestSide)
	if err != nil {
		return pm, err
	}
	pm.src = src
	return pm, nil
}

// RequestMapping returns m itself, so that a *RequestMapping can stand
// where a [RequestSpec] is expected.
func (m *RequestMapping) RequestMapping() (*RequestMapping, error) { return m, nil }

// Request is the integration request a [RequestMapping] produced.
type Request struct {
	// Header holds the mapped headers and Content-Type, nothing else.
	Header http.Header
	// Query holds the mapped query string parameters.
	Query url.Values
	// PathParams holds the mapped path parameters, to substitute into the
	// integration's path ({name}).
	PathParams map[string]string
	// Body is the template's output, or the method request's body when it
	// was passed through.
	Body []byte
	// ContentType is the integration request's Content-Type: a mapped
	// Content-Type header, else the method request's.
	ContentType string
	// Template is the template applied, nil when the body passed through.
	Template *Template

	// overrides: what a VTL template set in $context.requestOverride
	// (applied above) and $context.responseOverride (carried to the
	// response mapping).
	overrides *overrides
}

// Map builds the integration request for the method request r and its
// Context c (c may be nil when r carries one or for a phase used alone; see
// [apigw.EnsureContext]). The body is read through c, once, and shared.
//
// A refusal is an [*apigw.Error] for [apigw.WriteError]: 415 Unsupported
// Media Type when the passthrough behaviour refuses the content type, 400
// or 413 for a bad or oversize body, 500 when a template fails.
func (m *RequestMapping) Map(r *http.Request, c *apigw.Context) (*Request, error) {
	if c == nil {
		r, c = apigw.EnsureContext(r)
	}
	ct := r.Header.Get("Content-Type")
	mt := DefaultContentType
	if ct != "" {
		mt = accept.MediaType(ct)
	}
	t := m.templates[mt]
	if t == nil {
		switch {
		case m.passthrough == Never,
			m.passthrough == WhenNoTemplates && len(m.templates) > 0:
			return nil, &apigw.Error{Type: apigw.UnsupportedMediaType,
				Err: fmt.Errorf("mapping: no template for content type %q, passthrough %s", mt, m.passthrough)}
		}
	}
	if m.handling != "" {
		if err := m.convert(r, c, ct); err != nil {
			return nil, err
		}
	}
	out := &Request{Template: t, ContentType: ct, Header: http.Header{}}
	a := newActivation(r, c, true, nil)
	defer a.release()
	if t != nil {
		body, err := t.render(nil, a)
		if err != nil {
			return nil, err
		}
		out.Body = body
		if out.ContentType == "" {
			out.ContentType = DefaultContentType
		}
	} else {
		body, err := c.Body(r)
		if err != nil {
			return nil, bodyError(err)
		}
		out.Body = body
	}
	for i := range m.params {
		pm := &m.params[i]
		vs := pm.src.resolve(a, nil)
		if vs == nil {
			continue
		}
		switch pm.kind {
		case targetHeader:
			out.Header[pm.target] = slices.Clone(vs)
		case targetQuery:
			if out.Query == nil {
				out.Query = url.Values{}
			}
			out.Query[pm.target] = slices.Clone(vs)
		case targetPath:
			if out.PathParams == nil {
				out.PathParams = map[string]string{}
			}
			out.PathParams[pm.target] = vs[0]
		}
	}
	if a.ovr != nil {
		applyRequestOverrides(out, a.ovr)
	}
	if mapped := out.Header.Get("Content-Type"); mapped != "" {
		out.ContentType = mapped
	} else if out.ContentType != "" {
		out.Header.Set("Content-Type", out.ContentType)
	}
	return out, nil
}

// applyRequestOverrides applies what a VTL template set in
// $context.requestOverride: they replace the parameter mappings' values,
// as in API Gateway.
func applyRequestOverrides(out *Request, o *overrides) {
	out.overrides = o
	for k, vs := range overrideValues(o.request, "header") {
		out.Header[http.CanonicalHeaderKey(k)] = vs
	}
	for k, vs := range overrideValues(o.request, "querystring") {
		if out.Query == nil {
			out.Query = url.Values{}
		}
		out.Query[k] = vs
	}
	for k, vs := range overrideValues(o.request, "path") {
		if out.PathParams == nil {
			out.PathParams = map[string]string{}
		}
		out.PathParams[k] = vs[0]
	}
}

// convert applies the content handling to the method request's body: the
// template, the parameter mappings and the integration see the result.
func (m *RequestMapping) convert(r *http.Request, c *apigw.Context, ct string) error {
	body, err := c.Body(r)
	if err != nil {
		return bodyError(err)
	}
	out, changed, err := convertRequest(body, m.binary.Match(ct), m.handling)
	if err != nil {
		return err
	}
	if changed {
		c.SetBody(r, out)
	}
	return nil
}

func bodyError(err error) *apigw.Error {
	if errors.Is(err, apigw.ErrBodyTooLarge) {
		return &apigw.Error{Type: apigw.RequestTooLarge, Err: err}
	}
	return &apigw.Error{Type: apigw.BadRequestBody, Err: err}
}

// NewHTTPRequest returns the request an in-process integration receives:
// r's method, path and context with ir's headers, query string, path
// values and body. The Context's body becomes ir's body
// ([apigw.Context.SetBody]), so that later phases see what the
// integration sees.
func (ir *Request) NewHTTPRequest(r *http.Request) *http.Request {
	out := r.Clone(r.Context())
	out.Header = ir.Header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	u := *r.URL
	u.RawQuery = ir.Query.Encode()
	u.ForceQuery = false
	out.URL = &u
	out.RequestURI = u.RequestURI()
	for k, v := range ir.PathParams {
		out.SetPathValue(k, v)
	}
	if len(ir.PathParams) > 0 {
		// For the integration URL's {name}, under a key of the gateway's
		// own: path values may also come from a ServeMux in front of it.
		out = out.WithContext(context.WithValue(out.Context(), ctxkey.MappedPathParams, ir.PathParams))
	}
	if c := apigw.FromContext(r.Context()); c != nil {
		c.SetBody(out, ir.Body)
	} else {
		out.Body = io.NopCloser(bytes.NewReader(ir.Body))
		out.ContentLength = int64(len(ir.Body))
	}
	if len(ir.Body) == 0 {
		out.Body = http.NoBody
	}
	if ir.overrides != nil {
		out = out.WithContext(context.WithValue(out.Context(), overridesKey, ir.overrides))
	}
	return out
}

// mediaType is the lower-case media type of a Content-Type value.
func mediaType(ct string) (string, error) {
	mt, _, err := mime.ParseMediaType(ct)
	return mt, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
