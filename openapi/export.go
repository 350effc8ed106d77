package openapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/validator"
)

// ExportOptions say how Export writes down what an OpenAPI document can
// only name.
type ExportOptions struct {
	// Title is info.title. Default "apigw".
	Title string
	// Version is info.version. Default "1.0".
	Version string
	// Region and AccountID go into the Lambda ARNs. Defaults us-east-1
	// and 123456789012.
	Region, AccountID string
	// Functions names the Lambda functions of Lambda integrations, by
	// route pattern ("GET /pets/{id}"), and of Lambda authorizers, by the
	// authorizer's name. Default: a name made of the route ("GET-pets-id")
	// or the authorizer's name.
	Functions map[string]string
	// Backend is the host of the http_proxy URIs that in-process Handler
	// integrations are written as: http://Backend/path. Default "backend";
	// a second, different handler gets "backend2", and so on.
	Backend string
}

// Export writes the definition gw's stages follow (its latest deployment)
// as an OpenAPI 3.0 document, JSON, with the x-amazon-apigateway-*
// extensions API Gateway imports, and returns the Bindings that load it
// back (Load) into a definition that answers as gw does: Go functions
// under the names their ARNs give, handlers under their backend hosts,
// JWT keys and the AWS_IAM authorizer as gw has them.
//
// What has no AWS form is written under apigw's own extensions, which API
// Gateway ignores on import: CEL templates (x-apigw-cel), a REST API's
// CORS policy (x-apigw-cors) and a method's cache settings
// (x-apigw-cache). An integration of another package, a per-method CORS
// policy, a compiled mapping (give the RequestConfig or ResponseConfig
// instead) and Lambda payload 2.0 in a REST API cannot be written down:
// Export returns an error naming each.
func Export(gw *gateway.Gateway, o ExportOptions) ([]byte, Bindings, error) {
	return ExportDefinition(gw.Definition(), o)
}

// ExportDefinition is Export of a definition.
func ExportDefinition(d gateway.Definition, o ExportOptions) ([]byte, Bindings, error) {
	x := &exporter{o: o, d: d, b: Bindings{Functions: map[string]any{}, Handlers: map[string]http.Handler{}}}
	if x.o.Title == "" {
		x.o.Title = "apigw"
	}
	if x.o.Version == "" {
		x.o.Version = "1.0"
	}
	if x.o.Region == "" {
		x.o.Region = "us-east-1"
	}
	if x.o.AccountID == "" {
		x.o.AccountID = "123456789012"
	}
	if x.o.Backend == "" {
		x.o.Backend = "backend"
	}
	doc := x.export()
	if err := errors.Join(x.errs...); err != nil {
		return nil, Bindings{}, err
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, Bindings{}, fmt.Errorf("openapi: %w", err)
	}
	return out, x.b, nil
}

type exporter struct {
	o        ExportOptions
	d        gateway.Definition
	b        Bindings
	errs     []error
	handlers []http.Handler // distinct comparable handlers, by backend number

	needValidators bool // some method names a request validator
	apiKey         bool // some method requires an API key
}

func (x *exporter) fail(format string, args ...any) {
	x.errs = append(x.errs, fmt.Errorf("openapi: Export: "+format, args...))
}

func (x *exporter) export() map[string]any {
	d := x.d
	info := map[string]any{"title": x.o.Title, "version": x.o.Version}
	if d.Description != "" {
		info["description"] = d.Description
	}
	doc := map[string]any{"openapi": "3.0.1", "info": info}
	components := map[string]any{}
	if d.HTTPAPI {
		doc[extImportExport] = "1.0"
	}
	paths := map[string]any{}
	for _, r := range d.Routes {
		x.route(paths, r)
	}
	doc["paths"] = paths
	if len(d.Models) > 0 {
		schemas := map[string]any{}
		for _, name := range sortedKeys(d.Models) {
			var s map[string]any
			if err := json.Unmarshal([]byte(d.Models[name]), &s); err != nil {
				x.fail("model %q: not a JSON object: %v", name, err)
				continue
			}
			// OpenAPI 3.0's schemas are draft 4's, as AWS's models, and
			// take no $schema.
			if v, ok := s["$schema"]; ok {
				if u, _ := v.(string); strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://"), "#") != "json-schema.org/draft-04/schema" {
					x.fail("model %q: $schema %v: OpenAPI 3.0 takes draft 4 schemas only", name, v)
				}
				delete(s, "$schema")
			}
			schemas[name] = s
		}
		components["schemas"] = schemas
	}
	if schemes := x.schemes(); len(schemes) > 0 {
		components["securitySchemes"] = schemes
	}
	if len(components) > 0 {
		doc["components"] = components
	}
	if x.needValidators {
		doc[extValidators] = map[string]any{
			"all":         map[string]any{"validateRequestBody": true, "validateRequestParameters": true},
			"body-only":   map[string]any{"validateRequestBody": true, "validateRequestParameters": false},
			"params-only": map[string]any{"validateRequestBody": false, "validateRequestParameters": true},
		}
	}
	if d.CORS != nil {
		c := d.CORS
		if c.AllowOriginFunc != nil {
			x.fail("CORS: AllowOriginFunc, a Go function, has no OpenAPI form")
		}
		spec := map[string]any{}
		put := func(k string, v []string) {
			if v != nil {
				spec[k] = v
			}
		}
		put("allowOrigins", c.AllowOrigins)
		put("allowMethods", c.AllowMethods)
		put("allowHeaders", c.AllowHeaders)
		put("exposeHeaders", c.ExposeHeaders)
		if c.AllowCredentials {
			spec["allowCredentials"] = true
		}
		if c.MaxAge != 0 {
			spec["maxAge"] = int(c.MaxAge.Seconds())
		}
		if c.AllowPrivateNetwork {
			x.fail("CORS: AllowPrivateNetwork has no OpenAPI form")
		}
		if d.HTTPAPI {
			doc[extCORS] = spec
		} else {
			doc[extAPIGWCORS] = spec
		}
	}
	if len(d.GatewayResponses) > 0 {
		grs := map[string]any{}
		for t, gr := range d.GatewayResponses {
			spec := map[string]any{}
			if gr.StatusCode != 0 {
				spec["statusCode"] = strconv.Itoa(gr.StatusCode)
			}
			if len(gr.Headers) > 0 {
				params := map[string]any{}
				for h, v := range gr.Headers {
					params["gatewayresponse.header."+h] = v
				}
				spec["responseParameters"] = params
			}
			if len(gr.Templates) > 0 {
				spec["responseTemplates"] = gr.Templates
			}
			grs[string(t)] = spec
		}
		doc[extGatewayResponses] = grs
	}
	if len(d.BinaryMediaTypes) > 0 {
		doc[extBinaryMediaTypes] = d.BinaryMediaTypes
	}
	if d.ResourcePolicy != "" {
		var p any
		if err := json.Unmarshal([]byte(d.ResourcePolicy), &p); err != nil {
			x.fail("resource policy: not JSON: %v", err)
		}
		doc[extPolicy] = p
	}
	return doc
}

// route writes one route's operation.
func (x *exporter) route(paths map[string]any, r gateway.RouteDefinition) {
	method, path := "ANY", "$default"
	if r.Pattern != "$default" {
		var ok bool
		method, path, ok = strings.Cut(strings.TrimSpace(r.Pattern), " ")
		if !ok {
			x.fail("route %q: not METHOD /path", r.Pattern)
			return
		}
		path = strings.TrimSpace(path)
	}
	m := r.Method
	op := map[string]any{}
	key := strings.ToLower(method)
	if method == "ANY" {
		key = extAnyMethod
	}
	item, _ := paths[path].(map[string]any)
	if item == nil {
		item = map[string]any{}
		paths[path] = item
	}
	item[key] = op

	// Parameters: the route's path parameters, then the declared ones.
	var params []any
	declared := map[string]bool{}
	for name, required := range m.RequestParameters {
		declared[name] = required
	}
	for _, p := range pathParams(path) {
		declared["method.request.path."+p] = true
	}
	for _, name := range sortedKeys(declared) {
		loc, pname, ok := cutParameter(name)
		if !ok {
			x.fail("route %q: RequestParameters %q: not method.request.(path|querystring|header).<name>", r.Pattern, name)
			continue
		}
		params = append(params, map[string]any{"name": pname, "in": loc, "required": declared[name] || loc == "path", "schema": map[string]any{"type": "string"}})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if len(m.RequestModels) > 0 {
		content := map[string]any{}
		for ct, model := range m.RequestModels {
			content[ct] = map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + model}}
		}
		op["requestBody"] = map[string]any{"content": content}
	}
	if (len(m.RequestParameters) > 0 || len(m.RequestModels) > 0) && !x.d.HTTPAPI {
		switch m.RequestValidator {
		case validator.All:
			op[extValidator] = "all"
		case validator.Body:
			op[extValidator] = "body-only"
		case validator.Parameters:
			op[extValidator] = "params-only"
		}
		if m.RequestValidator != validator.Off {
			x.needValidators = true
		}
	}

	// Security: the authorizer, the API key.
	req := map[string]any{}
	if m.Authorizer != "" {
		if x.isIAM(m.Authorizer) {
			op[extAuth] = map[string]any{"type": "AWS_IAM"}
		} else {
			scopes := append([]string{}, m.AuthorizationScopes...)
			req[m.Authorizer] = scopes
		}
	}
	if m.APIKeyRequired {
		req["api_key"] = []string{}
		x.apiKey = true
	}
	if len(req) > 0 {
		op["security"] = []any{req}
	}
	if m.CORS != nil {
		x.fail("route %q: a method's own CORS policy has no OpenAPI form", r.Pattern)
	}
	if m.Cache != nil {
		c := map[string]any{}
		if m.Cache.Enabled != nil {
			c["enabled"] = *m.Cache.Enabled
		}
		if m.Cache.TTL != 0 {
			c["ttlInSeconds"] = int(m.Cache.TTL.Seconds())
		}
		if len(c) > 0 {
			op[extAPIGWCache] = c
		}
	}

	integ, responses := x.integration(r.Pattern, method, path, m, op)
	if integ != nil {
		op[extIntegration] = integ
	}
	if responses == nil {
		responses = map[string]any{"200": map[string]any{"description": "200 response"}}
	}
	op["responses"] = responses
}

func cutParameter(name string) (loc, pname string, ok bool) {
	for _, p := range []struct{ prefix, loc string }{
		{"method.request.path.", "path"}, {"method.request.querystring.", "query"}, {"method.request.header.", "header"},
	} {
		if rest, found := strings.CutPrefix(name, p.prefix); found && rest != "" {
			return p.loc, rest, true
		}
	}
	return "", "", false
}

// functionName is the Lambda function name of a route's function.
func (x *exporter) functionName(key string) string {
	if n, ok := x.o.Functions[key]; ok {
		return n
	}
	var b strings.Builder
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		case r == ' ' || r == '/':
			if s := b.String(); s != "" && !strings.HasSuffix(s, "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func (x *exporter) lambdaURI(name string) string {
	return "arn:aws:apigateway:" + x.o.Region + ":lambda:path/2015-03-31/functions/arn:aws:lambda:" + x.o.Region + ":" + x.o.AccountID + ":function:" + name + "/invocations"
}

// backendHost returns the host of a Handler integration's handler.
func (x *exporter) backendHost(h http.Handler) string {
	n := len(x.handlers)
	if h != nil && reflect.TypeOf(h).Comparable() {
		for i, known := range x.handlers {
			if known != nil && reflect.TypeOf(known) == reflect.TypeOf(h) && known == h {
				n = i
				break
			}
		}
	}
	if n == len(x.handlers) {
		x.handlers = append(x.handlers, h)
	}
	host := x.o.Backend
	if n > 0 {
		host += strconv.Itoa(n + 1)
	}
	x.b.Handlers["http://"+host] = h
	return host
}

// integration writes a method's integration and, for a non-proxy one,
// its mappings; responses are the operation's method responses.
func (x *exporter) integration(pattern, method, path string, m gateway.Method, op map[string]any) (map[string]any, map[string]any) {
	info := gateway.DescribeIntegration(m.Integration)
	nonProxy := m.Request != nil || m.Response != nil
	integ := map[string]any{}
	if m.Timeout != 0 {
		integ["timeoutInMillis"] = m.Timeout.Milliseconds()
	} else if x.d.Timeout != 0 {
		integ["timeoutInMillis"] = x.d.Timeout.Milliseconds()
	}
	if m.Cache != nil && len(m.Cache.KeyParameters) > 0 {
		integ["cacheKeyParameters"] = m.Cache.KeyParameters
	}
	resourcePath := path
	if path == "$default" {
		resourcePath = "/{proxy}"
	}
	switch info.Kind {
	case gateway.KindHandler:
		p := info.Path
		if p == "" {
			p = strings.ReplaceAll(resourcePath, "+}", "}")
		}
		if path == "$default" && info.Path == "" {
			x.fail("route %q: an in-process handler of the $default route has no URI to be written as", pattern)
		}
		integ["type"] = "http_proxy"
		integ["httpMethod"] = "ANY"
		integ["uri"] = "http://" + x.backendHost(info.Handler) + p
	case gateway.KindHTTP:
		integ["type"] = "http_proxy"
		integ["httpMethod"] = "ANY"
		integ["uri"] = info.URL
		if info.VPCLink != "" {
			integ["connectionType"] = "VPC_LINK"
			integ["connectionId"] = info.VPCLink
		}
	case gateway.KindLambda:
		name := x.functionName(pattern)
		uri := x.lambdaURI(name)
		if a, ok := info.Function.(gateway.Aliases); ok {
			uri = x.lambdaURI(name + ":" + a.Selector)
			for alias, fn := range a.Functions {
				x.b.Functions[name+":"+alias] = fn
			}
		} else {
			x.b.Functions[name] = info.Function
		}
		integ["type"] = "aws_proxy"
		integ["httpMethod"] = "POST"
		integ["uri"] = uri
		switch {
		case x.d.HTTPAPI:
			integ["payloadFormatVersion"] = info.PayloadVersion
		case info.PayloadVersion == "2.0":
			x.fail("route %q: a REST API's Lambda proxy integrations use payload format 1.0; LambdaV2 needs an HTTP API", pattern)
		}
	case gateway.KindMock:
		integ["type"] = "mock"
		if nonProxy {
			break
		}
		integ["requestTemplates"] = map[string]any{"application/json": fmt.Sprintf(`{"statusCode": %d}`, info.Status)}
		integ["passthroughBehavior"] = "when_no_match"
		resp := map[string]any{"statusCode": strconv.Itoa(info.Status)}
		if info.Body != "" {
			resp["responseTemplates"] = map[string]any{"application/json": info.Body}
		}
		integ["responses"] = map[string]any{"default": resp}
		return integ, map[string]any{strconv.Itoa(info.Status): map[string]any{"description": http.StatusText(info.Status)}}
	default:
		x.fail("route %q: an integration of %T has no OpenAPI form", pattern, m.Integration)
		return nil, nil
	}
	if pm := m.ParameterMapping; pm != nil {
		if len(pm.Request) > 0 {
			integ["requestParameters"] = pm.Request
		}
		if len(pm.Response) > 0 {
			integ["responseParameters"] = pm.Response
		}
	}
	if !nonProxy {
		return integ, nil
	}
	switch integ["type"] {
	case "aws_proxy":
		integ["type"] = "aws"
	case "http_proxy":
		integ["type"] = "http"
	}
	cel := map[string]any{}
	if m.Request != nil {
		x.requestMapping(pattern, m.Request, integ, cel)
	}
	var responses map[string]any
	if m.Response != nil {
		responses = x.responseMapping(pattern, m.Response, integ, cel)
	}
	if len(cel) > 0 {
		op[extAPIGWCEL] = cel
	}
	return integ, responses
}

// templates splits a set of templates by content type into the VTL ones
// (API Gateway's request and response templates) and the CEL ones (apigw's
// extension).
func templates(ts map[string]*mapping.Template) (vtl, cel map[string]any) {
	vtl, cel = map[string]any{}, map[string]any{}
	for ct, t := range ts {
		switch t.Language() {
		case mapping.LanguageVTL:
			vtl[ct] = t.String()
		case mapping.LanguageCELText:
			cel[ct] = map[string]any{"text": t.String()}
		default:
			cel[ct] = map[string]any{"expr": t.String()}
		}
	}
	return vtl, cel
}

func (x *exporter) requestMapping(pattern string, spec mapping.RequestSpec, integ, cel map[string]any) {
	var cfg mapping.RequestConfig
	switch s := spec.(type) {
	case mapping.RequestConfig:
		cfg = s
	case *mapping.Template:
		cfg.Templates = map[string]*mapping.Template{mapping.DefaultContentType: s}
	case mapping.Expr, mapping.Text, mapping.VTL:
		t, err := sourceTemplate(spec)
		if err != nil {
			x.fail("route %q: Request: %v", pattern, err)
			return
		}
		cfg.Templates = map[string]*mapping.Template{mapping.DefaultContentType: t}
	default:
		x.fail("route %q: Request: a compiled %T cannot be written down; give a mapping.RequestConfig", pattern, spec)
		return
	}
	if cfg.Passthrough != "" {
		integ["passthroughBehavior"] = strings.ToLower(string(cfg.Passthrough))
	}
	if cfg.ContentHandling != "" {
		integ["contentHandling"] = string(cfg.ContentHandling)
	}
	if len(cfg.Parameters) > 0 {
		integ["requestParameters"] = cfg.Parameters
	}
	vtl, celTemplates := templates(cfg.Templates)
	if len(vtl) > 0 {
		integ["requestTemplates"] = vtl
	}
	if len(celTemplates) > 0 {
		cel["requestTemplates"] = celTemplates
	}
}

func (x *exporter) responseMapping(pattern string, spec mapping.ResponseSpec, integ, cel map[string]any) map[string]any {
	var cfg mapping.ResponseConfig
	switch s := spec.(type) {
	case mapping.ResponseConfig:
		cfg = s
	case *mapping.Template:
		cfg.IntegrationResponses = []mapping.IntegrationResponse{{Templates: map[string]*mapping.Template{mapping.DefaultContentType: s}}}
	case mapping.Expr, mapping.Text, mapping.VTL:
		t, err := sourceTemplate(spec)
		if err != nil {
			x.fail("route %q: Response: %v", pattern, err)
			return nil
		}
		cfg.IntegrationResponses = []mapping.IntegrationResponse{{Templates: map[string]*mapping.Template{mapping.DefaultContentType: t}}}
	default:
		x.fail("route %q: Response: a compiled %T cannot be written down; give a mapping.ResponseConfig", pattern, spec)
		return nil
	}
	irs := map[string]any{}
	celResponses := map[string]any{}
	methodResponses := map[string]map[string]bool{}
	for _, ir := range cfg.IntegrationResponses {
		key := ir.SelectionPattern
		if key == "" {
			key = "default"
		}
		if _, dup := irs[key]; dup {
			x.fail("route %q: two integration responses with pattern %q", pattern, ir.SelectionPattern)
		}
		status := ir.StatusCode
		if status == 0 {
			status = http.StatusOK
		}
		r := map[string]any{"statusCode": strconv.Itoa(status)}
		if ir.ContentHandling != "" {
			r["contentHandling"] = string(ir.ContentHandling)
		}
		if len(ir.Parameters) > 0 {
			r["responseParameters"] = ir.Parameters
		}
		vtl, celTemplates := templates(ir.Templates)
		if len(vtl) > 0 {
			r["responseTemplates"] = vtl
		}
		if len(celTemplates) > 0 {
			celResponses[key] = map[string]any{"responseTemplates": celTemplates}
		}
		irs[key] = r
		s := strconv.Itoa(status)
		if methodResponses[s] == nil {
			methodResponses[s] = map[string]bool{}
		}
		for p := range ir.Parameters {
			if h, ok := strings.CutPrefix(p, "method.response.header."); ok {
				methodResponses[s][h] = true
			}
		}
	}
	for _, mr := range cfg.MethodResponses {
		s := strconv.Itoa(mr.StatusCode)
		if methodResponses[s] == nil {
			methodResponses[s] = map[string]bool{}
		}
		for _, h := range mr.Headers {
			methodResponses[s][h] = true
		}
	}
	integ["responses"] = irs
	if len(celResponses) > 0 {
		cel["responses"] = celResponses
	}
	out := map[string]any{}
	for s, headers := range methodResponses {
		n, _ := strconv.Atoi(s)
		r := map[string]any{"description": http.StatusText(n)}
		if len(headers) > 0 {
			hs := map[string]any{}
			for h := range headers {
				hs[h] = map[string]any{"schema": map[string]any{"type": "string"}}
			}
			r["headers"] = hs
		}
		out[s] = r
	}
	return out
}

// sourceTemplate compiles the template of a mapping.Expr, Text or VTL.
func sourceTemplate(spec any) (*mapping.Template, error) {
	switch s := spec.(type) {
	case mapping.Expr:
		return mapping.Compile(string(s))
	case mapping.Text:
		return mapping.CompileText(string(s))
	case mapping.VTL:
		return mapping.CompileVTL(string(s))
	}
	return nil, fmt.Errorf("%T is not a template's source", spec)
}

func (x *exporter) isIAM(name string) bool {
	a := x.d.Authorizers[name]
	return a != nil && authorizer.TypeOf(a) == authorizer.AuthIAM
}

// schemes writes the authorizers and the API key as security schemes.
func (x *exporter) schemes() map[string]any {
	out := map[string]any{}
	if x.apiKey {
		out["api_key"] = map[string]any{"type": "apiKey", "name": "x-api-key", "in": "header"}
	}
	for _, name := range sortedKeys(x.d.Authorizers) {
		a := x.d.Authorizers[name]
		switch v := a.(type) {
		case *authorizer.TokenAuthorizer:
			cfg := v.Config()
			fn := x.functionName(name)
			x.b.Functions[fn] = cfg.Func
			header := strings.TrimPrefix(cfg.Header, "method.request.header.")
			if header == "" {
				header = "Authorization"
			}
			ext := map[string]any{"type": "token", "authorizerUri": x.lambdaURI(fn), "identitySource": "method.request.header." + header}
			if cfg.ValidationExpression != "" {
				ext["identityValidationExpression"] = cfg.ValidationExpression
			}
			ttl(ext, cfg.TTL)
			out[name] = map[string]any{"type": "apiKey", "name": header, "in": "header", extAuthType: "custom", extAuthorizer: ext}
		case *authorizer.RequestAuthorizer:
			cfg := v.Config()
			fn := x.functionName(name)
			ext := map[string]any{"type": "request", "authorizerUri": x.lambdaURI(fn)}
			if len(cfg.IdentitySources) > 0 {
				ext["identitySource"] = strings.Join(cfg.IdentitySources, ", ")
			}
			if cfg.SimpleFunc != nil {
				x.b.Functions[fn] = cfg.SimpleFunc
				ext["authorizerPayloadFormatVersion"] = "2.0"
				ext["enableSimpleResponses"] = true
			} else {
				x.b.Functions[fn] = cfg.Func
				if x.d.HTTPAPI {
					ext["authorizerPayloadFormatVersion"] = "1.0"
				}
			}
			ttl(ext, cfg.TTL)
			out[name] = map[string]any{"type": "apiKey", "name": "Unused", "in": "header", extAuthType: "custom", extAuthorizer: ext}
		case *authorizer.JWTAuthorizer:
			cfg := v.Config()
			x.jwt(name, cfg)
			header := strings.TrimPrefix(strings.TrimPrefix(cfg.Header, "method.request.header."), "$request.header.")
			if header == "" {
				header = "Authorization"
			}
			region, pool, isCognito := cognitoPool(cfg.Issuer)
			switch {
			case x.d.HTTPAPI || !isCognito:
				if !x.d.HTTPAPI {
					x.fail("authorizer %q: a REST API's JWT authorizers are Cognito user pools; issuer %q is not one", name, cfg.Issuer)
					continue
				}
				jc := map[string]any{"issuer": cfg.Issuer}
				if len(cfg.Audience) > 0 {
					jc["audience"] = cfg.Audience
				}
				out[name] = map[string]any{"type": "oauth2", "flows": map[string]any{},
					extAuthorizer: map[string]any{"type": "jwt", "jwtConfiguration": jc, "identitySource": "$request.header." + header}}
			default:
				if len(cfg.Audience) > 0 {
					x.fail("authorizer %q: a REST API's Cognito authorizer checks no audience; %v cannot be written down", name, cfg.Audience)
				}
				out[name] = map[string]any{"type": "apiKey", "name": header, "in": "header", extAuthType: "cognito_user_pools",
					extAuthorizer: map[string]any{"type": "cognito_user_pools", "identitySource": "method.request.header." + header,
						"providerARNs": []string{"arn:aws:cognito-idp:" + region + ":" + x.o.AccountID + ":userpool/" + pool}}}
			}
		default:
			if authorizer.TypeOf(a) == authorizer.AuthIAM {
				if x.b.Authorizers == nil {
					x.b.Authorizers = map[string]authorizer.Authorizer{}
				}
				x.b.Authorizers[iamAuthorizer] = a
				if name != iamAuthorizer {
					x.fail("authorizer %q: an AWS_IAM authorizer is written as x-amazon-apigateway-auth AWS_IAM: name it %q", name, iamAuthorizer)
				}
				continue
			}
			x.fail("authorizer %q: %T has no OpenAPI form", name, a)
		}
	}
	return out
}

// jwt binds a JWT authorizer's keys back.
func (x *exporter) jwt(name string, orig authorizer.JWTConfig) {
	prev := x.b.JWT
	x.b.JWT = func(n string, cfg *authorizer.JWTConfig) {
		if prev != nil {
			prev(n, cfg)
		}
		if n != name {
			return
		}
		cfg.Keys, cfg.JWKSURL, cfg.HTTPClient, cfg.AllowInsecureJWKS = orig.Keys, orig.JWKSURL, orig.HTTPClient, orig.AllowInsecureJWKS
		cfg.Algorithms, cfg.TokenUse, cfg.Leeway, cfg.Now = orig.Algorithms, orig.TokenUse, orig.Leeway, orig.Now
		cfg.Audience = orig.Audience
	}
}

func ttl(ext map[string]any, d time.Duration) {
	switch s := d.Seconds(); {
	case s < 0:
		ext["authorizerResultTtlInSeconds"] = 0
	case s > 0:
		ext["authorizerResultTtlInSeconds"] = int(s)
	}
}

// cognitoPool reads a Cognito user pool's issuer.
func cognitoPool(issuer string) (region, pool string, ok bool) {
	rest, ok := strings.CutPrefix(issuer, "https://cognito-idp.")
	if !ok {
		return "", "", false
	}
	region, pool, ok = strings.Cut(rest, ".amazonaws.com/")
	return region, pool, ok && region != "" && pool != "" && !strings.Contains(pool, "/")
}
