package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/jsontape"
	"github.com/apigw/apigw/internal/paramexpr"
)

// ParameterMapping is an HTTP API route's parameter mapping: how the
// request is changed before its integration sees it, and how the
// integration's answer is changed before the client does (AWS's
// requestParameters and responseParameters of an HTTP API integration).
//
// A key names what to change and how: "append:header.<name>",
// "overwrite:header.<name>", "remove:header.<name>", the same for
// "querystring.<name>", "overwrite:path" (the path the integration is
// called with) and, in a response, "overwrite:statuscode". A value is text
// with substitutions: $request.header.<name>, $request.querystring.<name>
// (repeated values joined with commas), $request.path (without the stage),
// $request.path.<name>, $request.body.<JSONPath>, $context.<var>,
// $stageVariables.<name>, in a response also $response.header.<name> and
// $response.body.<JSONPath>; each may be written ${...}, as in
// "prefix-${request.header.x}". A "remove:" key takes no value.
//
//	ParameterMapping: &gateway.ParameterMapping{
//		Request: map[string]string{"append:header.x-request-id": "$context.requestId", "remove:header.cookie": ""},
//		Response: map[string]map[string]string{"500": {"overwrite:statuscode": "503"}},
//	}
//
// AWS's reserved headers (access-control-*, apigw-*, Authorization,
// Connection, Content-Encoding, Content-Length, Content-Location, Forwarded,
// Keep-Alive, Origin, Proxy-Authenticate, Proxy-Authorization, TE, Trailers,
// Transfer-Encoding, Upgrade, x-amz-*, x-amzn-*, X-Forwarded-For,
// X-Forwarded-Host, X-Forwarded-Proto, Via) cannot be mapped: New refuses
// them.
type ParameterMapping struct {
	// Request maps the request's headers, query string and path.
	Request map[string]string
	// Response maps the answers of each integration status ("200", "404"):
	// their headers and status.
	Response map[string]map[string]string
}

type paramOp uint8

const (
	opAppend paramOp = iota
	opOverwrite
	opRemove
)

type paramWhere uint8

const (
	whereHeader paramWhere = iota
	whereQuery
	wherePath
	whereStatus
)

// paramRule is one compiled mapping: what to change, how, to what.
type paramRule struct {
	op    paramOp
	where paramWhere
	name  string // header (canonical) or query parameter
	value *paramexpr.Template
}

// paramMapper is a route's compiled parameter mapping.
type paramMapper struct {
	request  []paramRule
	response map[int][]paramRule
	// readsBody: a response value reads $response.body, so the answer is
	// held until it is complete.
	readsBody bool
}

var (
	requestValueKinds = paramexpr.Kinds(paramexpr.Context, paramexpr.StageVariable, paramexpr.RequestPath,
		paramexpr.RequestMultiQuery, paramexpr.RequestMultiHeader, paramexpr.RequestBody, paramexpr.RequestURLPath)
	responseValueKinds = requestValueKinds | paramexpr.Kinds(paramexpr.ResponseMultiHeader, paramexpr.ResponseBody)
)

func compileParameterMapping(pm *ParameterMapping) (*paramMapper, error) {
	if pm == nil {
		return nil, nil
	}
	var errs []error
	m := &paramMapper{response: map[int][]paramRule{}}
	for _, key := range sortedKeys(pm.Request) {
		r, err := compileParamRule(key, pm.Request[key], false)
		if err != nil {
			errs = append(errs, fmt.Errorf("ParameterMapping.Request[%q]: %w", key, err))
			continue
		}
		m.request = append(m.request, r)
	}
	for _, status := range sortedKeys(pm.Response) {
		code, err := strconv.Atoi(status)
		if err != nil || code < 100 || code > 599 {
			errs = append(errs, fmt.Errorf("ParameterMapping.Response[%q]: not an HTTP status", status))
			continue
		}
		for _, key := range sortedKeys(pm.Response[status]) {
			r, err := compileParamRule(key, pm.Response[status][key], true)
			if err != nil {
				errs = append(errs, fmt.Errorf("ParameterMapping.Response[%q][%q]: %w", status, key, err))
				continue
			}
			m.response[code] = append(m.response[code], r)
			if r.value != nil && r.value.Uses(paramexpr.ResponseBody) {
				m.readsBody = true
			}
		}
	}
	return m, errors.Join(errs...)
}

func compileParamRule(key, value string, response bool) (paramRule, error) {
	var r paramRule
	opName, target, ok := strings.Cut(key, ":")
	if !ok {
		return r, errors.New("want append|overwrite|remove:header.<name>, …:querystring.<name>, overwrite:path or overwrite:statuscode")
	}
	switch opName {
	case "append":
		r.op = opAppend
	case "overwrite":
		r.op = opOverwrite
	case "remove":
		r.op = opRemove
	default:
		return r, fmt.Errorf("%q is not append, overwrite or remove", opName)
	}
	switch {
	case strings.HasPrefix(target, "header."):
		r.where, r.name = whereHeader, http.CanonicalHeaderKey(target[len("header."):])
		if err := reservedHeader(r.name); err != nil {
			return r, err
		}
	case strings.HasPrefix(target, "querystring.") && !response:
		r.where, r.name = whereQuery, target[len("querystring."):]
	case target == "path" && !response:
		r.where = wherePath
	case target == "statuscode" && response:
		r.where = whereStatus
	default:
		return r, fmt.Errorf("%q cannot be mapped here", target)
	}
	if r.name == "" && (r.where == whereHeader || r.where == whereQuery) {
		return r, errors.New("no name")
	}
	if (r.where == wherePath || r.where == whereStatus) && r.op != opOverwrite {
		return r, fmt.Errorf("%s can only be overwritten", target)
	}
	if r.op == opRemove {
		return r, nil
	}
	kinds := requestValueKinds
	if response {
		kinds = responseValueKinds
	}
	t, err := paramexpr.ParseTemplate(value, kinds)
	if err != nil {
		return r, err
	}
	if r.where == whereStatus && t.IsLiteral() {
		if n, err := strconv.Atoi(value); err != nil || n < 100 || n > 599 {
			return r, fmt.Errorf("%q is not an HTTP status", value)
		}
	}
	r.value = t
	return r, nil
}

// reservedHeader refuses the headers AWS reserves.
func reservedHeader(name string) error {
	lower := strings.ToLower(name)
	for _, p := range [...]string{"access-control-", "apigw-", "x-amz-", "x-amzn-"} {
		if strings.HasPrefix(lower, p) {
			return fmt.Errorf("header %s is reserved (%s*)", name, p)
		}
	}
	if slices.Contains([]string{"authorization", "connection", "content-encoding", "content-length", "content-location",
		"forwarded", "keep-alive", "origin", "proxy-authenticate", "proxy-authorization", "te", "trailers",
		"transfer-encoding", "upgrade", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "via"}, lower) {
		return fmt.Errorf("header %s is reserved", name)
	}
	return nil
}

// handler is the parameter mapping phase, in front of the integration.
func (m *paramMapper) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		src := m.source(r, c, nil)
		if len(m.request) > 0 {
			r = m.mapRequest(r, src)
		}
		if len(m.response) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		pw := &paramWriter{ResponseWriter: w, m: m, r: r, c: c}
		if m.readsBody {
			pw.held = &heldAnswer{header: http.Header{}}
		}
		next.ServeHTTP(pw, r)
		pw.release()
	})
}

// source is what the mapping values read.
func (m *paramMapper) source(r *http.Request, c *apigw.Context, respHeader http.Header) *paramexpr.Request {
	req := &paramexpr.Request{Header: r.Header, RawQuery: r.URL.RawQuery, ResponseHeader: respHeader}
	if c != nil {
		req.Context, req.StageVariables, req.PathParameters, req.Path = c, c.StageVariables, c.PathParameters, c.StagePath
		req.Body = func(e *paramexpr.Expr) (string, bool) {
			if e.Kind != paramexpr.RequestBody {
				return "", false
			}
			data, err := c.Body(r)
			if err != nil {
				return "", false
			}
			doc, err := jsontape.Of(r, data) // the request's one parse
			if err != nil {
				return "", false
			}
			return bodyValue(doc, e.Path)
		}
	}
	return req
}

// mapRequest returns the request the integration sees.
func (m *paramMapper) mapRequest(r *http.Request, src *paramexpr.Request) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = r.Header.Clone()
	dropConnectionHeaders(r2.Header)
	u := *r.URL
	query := u.Query()
	for _, rule := range m.request {
		var v string
		if rule.value != nil {
			v = rule.value.Render(src)
		}
		switch rule.where {
		case whereHeader:
			switch rule.op {
			case opAppend:
				r2.Header.Add(rule.name, v)
			case opOverwrite:
				r2.Header.Set(rule.name, v)
			case opRemove:
				r2.Header.Del(rule.name)
			}
		case whereQuery:
			switch rule.op {
			case opAppend:
				query.Add(rule.name, v)
			case opOverwrite:
				query.Set(rule.name, v)
			case opRemove:
				query.Del(rule.name)
			}
		case wherePath:
			if !strings.HasPrefix(v, "/") {
				v = "/" + v
			}
			u.Path, u.RawPath = v, ""
			if p, err := url.PathUnescape(v); err == nil && p != v {
				u.Path, u.RawPath = p, v
			}
			if c := apigw.FromContext(r.Context()); c != nil {
				c.StagePath = u.Path // what Handler and Lambda integrations read
			}
		}
	}
	// A value read from the body has read it into the Context, which put
	// its own reader in r's place: the integration reads that one.
	r2.Body = r.Body
	u.RawQuery = query.Encode()
	r2.URL = &u
	r2.RequestURI = u.RequestURI()
	return r2
}

// paramWriter applies the response mapping of the integration's status
// when the answer starts. Answers the gateway itself wrote (a timeout) are
// not the integration's and are left alone.
type paramWriter struct {
	http.ResponseWriter
	m       *paramMapper
	r       *http.Request
	c       *apigw.Context
	started bool
	held    *heldAnswer // the answer, held until complete when a value reads its body
}

// heldAnswer is an answer kept until the integration is done.
type heldAnswer struct {
	header http.Header
	status int
	body   []byte
}

func (pw *paramWriter) Header() http.Header {
	if pw.held != nil {
		return pw.held.header
	}
	return pw.ResponseWriter.Header()
}

// release sends a held answer, mapped.
func (pw *paramWriter) release() {
	held := pw.held
	if held == nil {
		return
	}
	pw.held = nil
	h := pw.ResponseWriter.Header()
	for k, vs := range held.header {
		h[k] = vs
	}
	status := held.status
	if status == 0 {
		status = http.StatusOK
	}
	pw.mapAnswer(status, held.body)
	_, _ = pw.ResponseWriter.Write(held.body)
}

func (pw *paramWriter) WriteHeader(code int) {
	if pw.started || code < 200 {
		if pw.held == nil {
			pw.ResponseWriter.WriteHeader(code)
		}
		return
	}
	pw.started = true
	if pw.held != nil {
		pw.held.status = code
		return
	}
	pw.mapAnswer(code, nil)
}

// mapAnswer applies the mapping of the answer's status and writes the
// (mapped) status.
func (pw *paramWriter) mapAnswer(code int, body []byte) {
	rules := pw.m.response[code]
	if len(rules) == 0 || pw.c != nil && pw.c.Error.ResponseType != "" {
		pw.ResponseWriter.WriteHeader(code)
		return
	}
	h := pw.ResponseWriter.Header()
	src := pw.m.source(pw.r, pw.c, h.Clone())
	if body != nil {
		var doc *jsontape.Doc // parsed by the first value that reads into it
		var docErr error
		src.Body = func(e *paramexpr.Expr) (string, bool) {
			if e.Kind != paramexpr.ResponseBody {
				return "", false
			}
			if e.Path == nil {
				return string(body), true
			}
			if doc == nil && docErr == nil {
				doc = new(jsontape.Doc)
				docErr = doc.Parse(string(body))
			}
			if docErr != nil {
				return "", false
			}
			return bodyValue(doc, e.Path)
		}
	}
	for _, rule := range rules {
		var v string
		if rule.value != nil {
			v = rule.value.Render(src)
		}
		switch {
		case rule.where == whereStatus:
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 100 && n <= 599 {
				code = n
			}
		case rule.op == opAppend:
			h.Add(rule.name, v)
		case rule.op == opOverwrite:
			h.Set(rule.name, v)
		case rule.op == opRemove:
			h.Del(rule.name)
		}
	}
	pw.ResponseWriter.WriteHeader(code)
}

func (pw *paramWriter) Write(p []byte) (int, error) {
	if !pw.started {
		pw.WriteHeader(http.StatusOK)
	}
	if pw.held != nil {
		if len(pw.held.body)+len(p) > apigw.MaxBodyBytes {
			return 0, errors.New("gateway: integration answer over 10 MB")
		}
		pw.held.body = append(pw.held.body, p...)
		return len(p), nil
	}
	return pw.ResponseWriter.Write(p)
}

func (pw *paramWriter) Unwrap() http.ResponseWriter { return pw.ResponseWriter }

// bodyValue follows a body expression's path through a JSON document: a
// string as it is, anything else as JSON.
func bodyValue(doc *jsontape.Doc, path []paramexpr.Step) (string, bool) {
	i := int32(0)
	for _, s := range path {
		switch doc.Kind(i) {
		case jsontape.Object:
			if s.Index >= 0 {
				return "", false
			}
			var ok bool
			if i, ok = doc.Find(i, s.Key); !ok {
				return "", false
			}
		case jsontape.Array:
			if s.Index < 0 || s.Index >= doc.Len(i) {
				return "", false
			}
			i = doc.Elem(i, s.Index)
		default:
			return "", false
		}
	}
	if doc.Kind(i) == jsontape.String {
		return doc.Str(i), true
	}
	b, err := json.Marshal(doc.Native(i))
	return string(b), err == nil
}

// dropConnectionHeaders removes Connection and the headers it names: they
// are hop-by-hop, and the HTTP proxy would remove the named ones after the
// mapping set them, so that a client sending "Connection: X-Tenant" could
// take away a header the mapping adds.
func dropConnectionHeaders(h http.Header) {
	for _, v := range h["Connection"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	h.Del("Connection")
}
