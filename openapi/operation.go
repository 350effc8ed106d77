package openapi

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/getkin/kin-openapi/openapi3"
)

// loadPaths makes a route of every operation.
func (l *loader) loadPaths() {
	if l.d.t.Paths == nil {
		return
	}
	paths := l.d.t.Paths.Keys()
	sort.Strings(paths)
	for _, path := range paths {
		pi := l.d.t.Paths.Value(path)
		pp := pointer("").at("paths", path)
		if pi == nil {
			l.probs.add(pp, "a path item must be an object of operations")
			continue
		}
		if path == "$default" || path == "/$default" {
			l.defaultRoute(pp, path, pi)
			continue
		}
		if !strings.HasPrefix(path, "/") {
			l.probs.add(pp, "a resource path starts with /")
			continue
		}
		if pi.Ref != "" {
			l.probs.add(pp.at("$ref"), "a path item must be written out, not referenced")
			continue
		}
		l.pathFields(pp, pi)
		for _, k := range sortedKeys(pi.Extensions) {
			if k == extAnyMethod {
				op, err := l.d.anyMethod(path, pi.Extensions[k])
				if err != nil {
					l.probs.add(pp.at(k), "%v", err)
					continue
				}
				raw, _ := pi.Extensions[k].(map[string]any)
				l.operation(pp.at(k), "ANY", resourcePath(path), pi, op, raw)
				continue
			}
			if strings.HasPrefix(k, extPrefix) {
				l.probs.add(pp.at(k), "apigw does not know this API Gateway extension of a path")
			}
		}
		ops := pi.Operations()
		for _, method := range sortedKeys(ops) {
			mp := pp.at(strings.ToLower(method))
			switch method {
			case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
				l.operation(mp, method, resourcePath(path), pi, ops[method], nil)
			default:
				l.probs.add(mp, "API Gateway has no %s methods", method)
			}
		}
	}
}

// defaultRoute makes an HTTP API's $default route, which catches every
// request no other route matches: the path item's
// x-amazon-apigateway-any-method.
func (l *loader) defaultRoute(pp pointer, path string, pi *openapi3.PathItem) {
	if !l.http {
		l.probs.add(pp, "only HTTP APIs have a $default route")
		return
	}
	l.pathFields(pp, pi)
	for _, k := range sortedKeys(pi.Extensions) {
		if k != extAnyMethod {
			if strings.HasPrefix(k, extPrefix) {
				l.probs.add(pp.at(k), "apigw does not know this API Gateway extension of a path")
			}
			continue
		}
		op, err := l.d.anyMethod(path, pi.Extensions[k])
		if err != nil {
			l.probs.add(pp.at(k), "%v", err)
			continue
		}
		raw, _ := pi.Extensions[k].(map[string]any)
		l.operation(pp.at(k), "ANY", "$default", pi, op, raw)
	}
	for method := range pi.Operations() {
		l.probs.add(pp.at(strings.ToLower(method)), "the $default route takes every method: x-amazon-apigateway-any-method")
	}
}

// operation makes the route of one operation (raw: an
// x-amazon-apigateway-any-method's object as written).
func (l *loader) operation(ptr pointer, method, path string, pi *openapi3.PathItem, op *openapi3.Operation, raw map[string]any) {
	m := gateway.Method{}
	l.operationFields(ptr, op, raw)
	for _, k := range sortedKeys(op.Extensions) {
		switch k {
		case extIntegration, extValidator, extAuth:
		case extDocumentation:
		default:
			if strings.HasPrefix(k, extPrefix) {
				l.probs.add(ptr.at(k), "apigw does not know this API Gateway extension of an operation")
			}
		}
	}
	// Method request: parameters, body model, validator.
	l.parameters(ptr, pi, op, &m)
	if op.RequestBody != nil && !l.http {
		l.requestBody(ptr, method, path, op, &m)
	}
	valName := l.defaultVal
	valPtr := pointer("").at(extValidator)
	if v, ok := op.Extensions[extValidator]; ok {
		s, ok := v.(string)
		if !ok {
			l.probs.add(ptr.at(extValidator), "must be a string, the name of a request validator")
		}
		valName, valPtr = s, ptr.at(extValidator)
	}
	m.RequestValidator = l.validatorMode(valPtr, valName)
	if l.http {
		// HTTP APIs do not validate requests (AWS's import says so).
		m.RequestValidator = 0
		m.RequestParameters, m.RequestModels = nil, nil
	}

	l.security(ptr, op, &m)
	l.integration(ptr, method, path, op, &m, methodResponses(op))
	if m.Integration == nil {
		return
	}
	if v, ok := op.Extensions[extAPIGWCache]; ok {
		l.cacheSettings(ptr.at(extAPIGWCache), v, &m)
	}
	pattern := method + " " + path
	if path == "$default" {
		pattern = "$default"
	}
	if first, dup := l.patterns[pattern]; dup {
		l.probs.add(ptr, "%s again, after %s: API Gateway has one resource for a path with and without a trailing slash", pattern, first)
		return
	}
	if l.patterns == nil {
		l.patterns = map[string]pointer{}
	}
	l.patterns[pattern] = ptr
	l.def = append(l.def, gateway.Route(pattern, m))
	l.routes++
}

// resourcePath is the resource a path names: API Gateway's resource for
// /pets/ is /pets's.
func resourcePath(path string) string {
	if len(path) > 1 {
		return strings.TrimRight(path, "/")
	}
	return path
}

// parameters declares the method's request parameters.
func (l *loader) parameters(ptr pointer, pi *openapi3.PathItem, op *openapi3.Operation, m *gateway.Method) {
	type key struct{ in, name string }
	declared := map[key]*openapi3.Parameter{}
	var order []key
	add := func(ps openapi3.Parameters) {
		for _, p := range ps {
			if p == nil || p.Value == nil {
				continue
			}
			k := key{p.Value.In, p.Value.Name}
			if _, ok := declared[k]; !ok {
				order = append(order, k)
			}
			declared[k] = p.Value
		}
	}
	add(pi.Parameters)
	add(op.Parameters)
	for i, k := range order {
		p := declared[k]
		var loc string
		switch k.in {
		case openapi3.ParameterInPath:
			loc = "path"
		case openapi3.ParameterInQuery:
			loc = "querystring"
		case openapi3.ParameterInHeader:
			loc = "header"
		default:
			l.probs.add(ptr.at("parameters", strconv.Itoa(i)), "API Gateway has no %s parameters", k.in)
			continue
		}
		if m.RequestParameters == nil {
			m.RequestParameters = map[string]bool{}
		}
		m.RequestParameters["method.request."+loc+"."+k.name] = p.Required || loc == "path"
	}
}

// requestBody declares the method's request models by content type.
func (l *loader) requestBody(ptr pointer, method, path string, op *openapi3.Operation, m *gateway.Method) {
	rb := op.RequestBody.Value
	bp := ptr.at("requestBody")
	if l.d.v2 != nil {
		bp = ptr.at("parameters")
	}
	if rb == nil {
		return
	}
	hint := op.OperationID
	if hint == "" || !validModelName(hint) {
		hint = strings.ToUpper(method[:1]) + strings.ToLower(method[1:])
	}
	for _, ct := range sortedKeys(rb.Content) {
		mt := rb.Content[ct]
		if mt == nil || mt.Schema == nil {
			continue
		}
		modelCT := ct
		if ct == "*/*" {
			// A Swagger 2.0 body without consumes: API Gateway's
			// application/json.
			modelCT = "application/json"
		}
		name, ok := l.bodyModel(bp.at("content", ct, "schema"), mt.Schema, hint)
		if !ok {
			continue
		}
		if m.RequestModels == nil {
			m.RequestModels = map[string]string{}
		}
		m.RequestModels[modelCT] = name
	}
}

func validModelName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// methodResponses declares the statuses and headers of the method's
// responses, for a non-proxy integration's responses to map onto.
func methodResponses(op *openapi3.Operation) []mapping.MethodResponse {
	if op.Responses == nil || op.Responses.Len() == 0 {
		return nil
	}
	var out []mapping.MethodResponse
	for code, r := range op.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err != nil || n < 100 || n > 599 {
			continue // "default", 2XX: not statuses API Gateway declares
		}
		mr := mapping.MethodResponse{StatusCode: n}
		if r != nil && r.Value != nil {
			mr.Headers = sortedKeys(r.Value.Headers)
		}
		out = append(out, mr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StatusCode < out[j].StatusCode })
	return out
}

// cacheSettings reads x-apigw-cache, a method's cache settings as Export
// writes them: {"enabled": bool, "ttlInSeconds": n}.
func (l *loader) cacheSettings(ptr pointer, v any, m *gateway.Method) {
	c, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object")
		return
	}
	if m.Cache == nil {
		m.Cache = &gateway.CacheSettings{}
	}
	for _, k := range sortedKeys(c) {
		switch k {
		case "enabled":
			on, ok := c[k].(bool)
			if !ok {
				l.probs.add(ptr.at(k), "must be true or false")
			}
			m.Cache.Enabled = &on
		case "ttlInSeconds":
			n, ok := number(c[k])
			if !ok || n < 0 || n > 3600 {
				l.probs.add(ptr.at(k), "must be 0 to 3600 seconds")
			}
			m.Cache.TTL = time.Duration(n) * time.Second
		default:
			l.probs.add(ptr.at(k), "unknown property of %s", extAPIGWCache)
		}
	}
}
