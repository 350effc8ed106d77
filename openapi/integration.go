package openapi

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/apigw/apigw/awsintegration"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/decoded"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/getkin/kin-openapi/openapi3"
)

// integrationSpec is an x-amazon-apigateway-integration, read.
type integrationSpec struct {
	typ             string
	uri             string
	httpMethod      string
	params          map[string]string
	templates       map[string]string
	passthrough     string
	timeout         time.Duration
	cacheKeys       []string
	contentHandling string
	payloadVersion  string
	credentials     string // the IAM role API Gateway assumes
	connectionType  string // INTERNET or VPC_LINK
	connectionID    string
	responses       map[string]any
	responseParams  map[string]map[string]string // HTTP APIs' responseParameters

	// CEL templates from x-apigw-cel (see Export).
	celRequest   map[string]*mapping.Template
	celResponses map[string]map[string]*mapping.Template
}

// integrationKeys are the properties of an integration apigw reads; the
// others of AWS's are listed with why they do not matter here.
var integrationNoOps = map[string]bool{
	"cacheNamespace": true, // groups cache keys across methods: keys are per method here
	"tlsConfig":      true, // the gateway's transport decides (gateway.WithTransport)
	"description":    true,
}

// integration sets the method's integration and, for a non-proxy one, its
// request and response mappings.
func (l *loader) integration(ptr pointer, method, path string, op *openapi3.Operation, m *gateway.Method, mrs []mapping.MethodResponse) {
	raw, ok := op.Extensions[extIntegration]
	ip := ptr.at(extIntegration)
	if !ok {
		l.probs.add(ptr, "no %s: API Gateway deploys no method without an integration", extIntegration)
		return
	}
	x, ok := raw.(map[string]any)
	if !ok {
		l.probs.add(ip, "must be an object")
		return
	}
	if ref, ok := x["$ref"].(string); ok {
		if x, ip = l.integrationRef(ip, ref); x == nil {
			return
		}
	}
	spec, ok := l.readIntegration(ip, x)
	if !ok {
		return
	}
	if v, found := op.Extensions[extAPIGWCEL]; found {
		if !l.celTemplates(ptr.at(extAPIGWCEL), method+" "+path, v, spec) {
			return
		}
	}
	if spec.timeout != 0 {
		m.Timeout = spec.timeout
	}
	if len(spec.cacheKeys) > 0 {
		m.Cache = &gateway.CacheSettings{KeyParameters: spec.cacheKeys}
	}
	name := method + " " + path
	proxy := spec.typ == "aws_proxy" || spec.typ == "http_proxy"
	if proxy {
		if spec.celRequest != nil || spec.celResponses != nil {
			l.probs.add(ptr.at(extAPIGWCEL), "a proxy integration has no templates")
		}
		if len(spec.templates) > 0 {
			l.probs.add(ip.at("requestTemplates"), "a proxy integration passes the request as it is: no templates")
		}
		if spec.contentHandling != "" && spec.contentHandling != "CONVERT_TO_TEXT" {
			l.probs.add(ip.at("contentHandling"), "%s is not supported: apigw passes bodies as they are", spec.contentHandling)
		}
		// AWS ignores a proxy integration's responses and passthrough
		// behaviour; its exports still write them.
	}
	if spec.typ != "aws_proxy" && spec.payloadVersion != "" && spec.payloadVersion != "1.0" {
		l.probs.add(ip.at("payloadFormatVersion"), "only Lambda proxy integrations take payload format %s", spec.payloadVersion)
	}
	routeParams := pathParams(path)

	switch spec.typ {
	case "aws_proxy", "aws":
		if spec.typ == "aws" && isServiceURI(spec.uri) {
			l.serviceIntegration(ip, name, spec, m, mrs)
			return
		}
		fn := l.lambdaFunction(ip.at("uri"), spec.uri)
		if fn == nil {
			return
		}
		if spec.typ == "aws_proxy" {
			if len(spec.params) > 0 && !l.http {
				l.probs.add(ip.at("requestParameters"), "a Lambda proxy integration passes the request as it is: no parameter mappings")
			}
			l.parameterMapping(spec, m)
			version := spec.payloadVersion
			if version == "" {
				version = "1.0"
				if l.http {
					version = "2.0"
				}
			}
			switch version {
			case "1.0":
				m.Integration = gateway.Lambda(fn)
			case "2.0":
				m.Integration = gateway.LambdaV2(fn)
			default:
				l.probs.add(ip.at("payloadFormatVersion"), "%q: must be 1.0 or 2.0", version)
			}
			return
		}
		l.checkHTTPMethod(ip, method, spec.httpMethod, "POST")
		if !l.mappings(ip, name, spec, m, mrs) {
			return
		}
		m.Integration = gateway.Lambda(fn)
	case "http_proxy", "http":
		if l.http {
			if spec.typ != "http_proxy" {
				l.probs.add(ip.at("type"), "HTTP APIs integrate HTTP endpoints as http_proxy")
				return
			}
			l.parameterMapping(spec, m)
			spec.params = nil // HTTP APIs' mappings, above
		}
		l.checkHTTPMethod(ip, method, spec.httpMethod, "")
		target := l.httpTarget(ip, spec, routeParams, proxy)
		if target == nil {
			return
		}
		if !proxy && !l.mappings(ip, name, spec, m, mrs) {
			return
		}
		m.Integration = target
	case "mock":
		if l.http {
			l.probs.add(ip.at("type"), "HTTP APIs have no mock integrations")
			return
		}
		if !l.mappings(ip, name, spec, m, mrs) {
			return
		}
		m.Integration = gateway.Mock(200, "")
	default:
		l.probs.add(ip.at("type"), "%q: not an integration type (aws_proxy, aws, http_proxy, http, mock)", spec.typ)
	}
}

// parameterMapping sets an HTTP API integration's parameter mapping
// (requestParameters and responseParameters); gateway.New checks it.
func (l *loader) parameterMapping(spec *integrationSpec, m *gateway.Method) {
	if !l.http || (len(spec.params) == 0 && len(spec.responseParams) == 0) {
		return
	}
	pm := &gateway.ParameterMapping{}
	if len(spec.params) > 0 {
		pm.Request = spec.params
	}
	if len(spec.responseParams) > 0 {
		pm.Response = spec.responseParams
	}
	m.ParameterMapping = pm
}

// integrationRef resolves an HTTP API's reference to
// components.x-amazon-apigateway-integrations.
func (l *loader) integrationRef(ip pointer, ref string) (map[string]any, pointer) {
	name, ok := strings.CutPrefix(ref, "#/components/"+extIntegrations+"/")
	var all map[string]any
	if l.d.t.Components != nil {
		all, _ = l.d.t.Components.Extensions[extIntegrations].(map[string]any)
	}
	x, found := all[unescapeToken(name)].(map[string]any)
	if !ok || !found {
		l.probs.add(ip.at("$ref"), "%q: no such integration in components.%s", ref, extIntegrations)
		return nil, ip
	}
	return x, pointer("").at("components", extIntegrations, unescapeToken(name))
}

// readIntegration reads an integration's properties, reporting unknown ones.
func (l *loader) readIntegration(ip pointer, x map[string]any) (*integrationSpec, bool) {
	spec := &integrationSpec{}
	ok := true
	for _, k := range sortedKeys(x) {
		kp := ip.at(k)
		v := x[k]
		bad := func(format string, args ...any) {
			l.probs.add(kp, format, args...)
			ok = false
		}
		switch k {
		case "type":
			spec.typ = strings.ToLower(fmt.Sprint(v))
		case "uri":
			if spec.uri, _ = v.(string); spec.uri == "" {
				bad("must be a string")
			}
		case "httpMethod":
			spec.httpMethod = strings.ToUpper(fmt.Sprint(v))
		case "requestParameters":
			p, isMap := decoded.StringMap(v)
			if !isMap {
				bad("must be an object of parameter mappings")
			}
			spec.params = p
		case "requestTemplates":
			t, isMap := decoded.StringMap(v)
			if !isMap {
				bad("must be an object of templates by content type")
			}
			spec.templates = t
		case "passthroughBehavior":
			spec.passthrough = strings.ToUpper(fmt.Sprint(v))
			switch mapping.Passthrough(spec.passthrough) {
			case mapping.WhenNoMatch, mapping.WhenNoTemplates, mapping.Never:
			default:
				bad("%v: must be when_no_match, when_no_templates or never", v)
			}
		case "timeoutInMillis":
			n, isNum := number(v)
			if !isNum || n < 50 {
				bad("must be at least 50 milliseconds")
				continue
			}
			spec.timeout = time.Duration(n) * time.Millisecond
		case "cacheKeyParameters":
			keys, isList := decoded.StringList(v)
			if !isList {
				bad("must be a list of method request parameters")
			}
			spec.cacheKeys = keys
		case "contentHandling":
			spec.contentHandling = strings.ToUpper(fmt.Sprint(v))
			if spec.contentHandling != "CONVERT_TO_TEXT" && spec.contentHandling != "CONVERT_TO_BINARY" {
				bad("%v: must be CONVERT_TO_TEXT or CONVERT_TO_BINARY", v)
			}
		case "payloadFormatVersion":
			spec.payloadVersion = versionString(v)
		case "credentials":
			spec.credentials, _ = v.(string)
		case "connectionType":
			spec.connectionType = strings.ToUpper(fmt.Sprint(v))
			if spec.connectionType != "INTERNET" && spec.connectionType != "VPC_LINK" {
				bad("%v: must be INTERNET or VPC_LINK", v)
			}
		case "connectionId":
			spec.connectionID, _ = v.(string)
		case "responses":
			r, isMap := v.(map[string]any)
			if !isMap {
				bad("must be an object of integration responses by selection pattern")
			}
			spec.responses = r
		case "integrationSubtype":
			bad("the AWS service integrations of HTTP APIs (integration subtypes) are not supported; REST APIs' type aws ones are")
		case "responseParameters":
			if !l.http {
				bad("unknown property of a REST API's %s (HTTP APIs map responses here)", extIntegration)
				continue
			}
			m, isMap := v.(map[string]any)
			if !isMap {
				bad("must be an object of parameter mappings by status code")
				continue
			}
			spec.responseParams = map[string]map[string]string{}
			for _, status := range sortedKeys(m) {
				pm, isMap := decoded.StringMap(m[status])
				if !isMap {
					l.probs.add(kp.at(status), "must be an object of parameter mappings")
					ok = false
					continue
				}
				spec.responseParams[status] = pm
			}
		default:
			if !integrationNoOps[k] {
				bad("unknown property of %s", extIntegration)
			}
		}
	}
	if spec.typ == "" {
		l.probs.add(ip.at("type"), "required")
		ok = false
	}
	if spec.uri == "" && spec.typ != "mock" && spec.typ != "" {
		l.probs.add(ip.at("uri"), "required for a %s integration", spec.typ)
		ok = false
	}
	return spec, ok
}

// lambdaFunction returns what serves the Lambda function an integration
// URI names, or nil after reporting why there is none.
func (l *loader) lambdaFunction(ptr pointer, uri string) any {
	ref, err := parseLambdaURI(uri)
	if errors.Is(err, errNotLambda) {
		l.probs.add(ptr, "an AWS service integration is of type aws, not aws_proxy: %v", err)
		return nil
	}
	if err != nil {
		l.probs.add(ptr, "%v", err)
		return nil
	}
	fn, err := l.b.function(ref, l.o.Check)
	if err != nil {
		l.probs.add(ptr, "%v", err)
		return nil
	}
	return fn
}

// checkHTTPMethod reports an integration method apigw would not send:
// HTTP integrations send the client's method, Lambda's Invoke is a POST.
func (l *loader) checkHTTPMethod(ip pointer, method, httpMethod, want string) {
	if httpMethod == "" || httpMethod == "ANY" {
		return
	}
	if want != "" {
		if httpMethod != want {
			l.probs.add(ip.at("httpMethod"), "a Lambda function is invoked with POST")
		}
		return
	}
	if httpMethod != method {
		l.probs.add(ip.at("httpMethod"), "%s for a %s method: apigw's HTTP integrations send the client's method", httpMethod, method)
	}
}

// httpTarget returns the HTTP integration of an http or http_proxy
// integration: its URI with the integration's path parameters renamed to
// the route's, sent where Bindings say.
func (l *loader) httpTarget(ip pointer, spec *integrationSpec, routeParams []string, proxy bool) gateway.Integration {
	uri, ok := l.renameHoles(ip, spec, routeParams)
	if !ok {
		return nil
	}
	if proxy {
		for _, k := range sortedKeys(spec.params) {
			if !strings.HasPrefix(k, "integration.request.path.") {
				l.probs.add(ip.at("requestParameters", k), "parameter mappings of HTTP proxy integrations are not supported: only the path's")
				ok = false
			}
		}
		if !ok {
			return nil
		}
	}
	base, rest := splitBase(uri)
	if spec.connectionType == "VPC_LINK" {
		if spec.connectionID == "" {
			l.probs.add(ip.at("connectionId"), "required with connectionType VPC_LINK")
			return nil
		}
		if l.o.Check {
			return gateway.HTTP(uri) // the links are the gateway's (gateway.WithVPCLink)
		}
		return gateway.HTTP(uri, gateway.ViaVPCLink(spec.connectionID))
	}
	if h, found := l.b.Handlers[base]; found && base != "" {
		if strings.Contains(rest, "?") {
			l.probs.add(ip.at("uri"), "an in-process handler binding takes a URI without a query string")
			return nil
		}
		if rest == "" {
			rest = "/"
		}
		return gateway.Handler(h, gateway.Path(rest))
	}
	if to, found := l.b.Hosts[base]; found && base != "" {
		uri = strings.TrimSuffix(to, "/") + rest
	}
	return gateway.HTTP(uri)
}

// renameHoles rewrites the {name} holes of an HTTP integration URI, which
// name integration request path parameters, to the route's path
// parameters they are mapped from.
func (l *loader) renameHoles(ip pointer, spec *integrationSpec, routeParams []string) (string, bool) {
	uri := spec.uri
	var b strings.Builder
	ok := true
	for {
		i := strings.IndexByte(uri, '{')
		if i < 0 {
			b.WriteString(uri)
			break
		}
		j := strings.IndexByte(uri[i:], '}')
		if j < 0 {
			l.probs.add(ip.at("uri"), "{ without }")
			return "", false
		}
		hole := uri[i+1 : i+j]
		if i > 0 && uri[i-1] == '$' { // ${stageVariables.x}
			b.WriteString(uri[:i+j+1])
			uri = uri[i+j+1:]
			continue
		}
		b.WriteString(uri[:i])
		uri = uri[i+j+1:]
		name := strings.TrimSuffix(hole, "+")
		src, mapped := spec.params["integration.request.path."+name]
		switch {
		case mapped:
			from, isPath := strings.CutPrefix(src, "method.request.path.")
			if !isPath || !slices.Contains(routeParams, from) {
				l.probs.add(ip.at("requestParameters", "integration.request.path."+name), "%q: apigw fills an HTTP integration's {%s} from a path parameter of the route only", src, name)
				ok = false
				continue
			}
			b.WriteString("{" + from + "}")
		case slices.Contains(routeParams, name):
			b.WriteString("{" + name + "}")
		default:
			l.probs.add(ip.at("uri"), "{%s}: neither a path parameter of the route nor mapped by integration.request.path.%s", name, name)
			ok = false
		}
	}
	return b.String(), ok
}

// splitBase splits a URL into scheme://host[:port] and the rest.
func splitBase(uri string) (base, rest string) {
	i := strings.Index(uri, "://")
	if i < 0 {
		return "", uri
	}
	j := strings.IndexAny(uri[i+3:], "/?")
	if j < 0 {
		return uri, ""
	}
	return uri[:i+3+j], uri[i+3+j:]
}

// pathParams returns the names of a resource path's parameters.
func pathParams(path string) []string {
	var names []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, strings.TrimSuffix(seg[1:len(seg)-1], "+"))
		}
	}
	return names
}

// mappings compiles a non-proxy integration's request and integration
// responses into the method's mappings, each template and pattern reported
// at its pointer.
func (l *loader) mappings(ip pointer, name string, spec *integrationSpec, m *gateway.Method, mrs []mapping.MethodResponse) bool {
	ok := true
	rc := mapping.RequestConfig{Passthrough: mapping.Passthrough(spec.passthrough), ContentHandling: mapping.ContentHandling(spec.contentHandling)}
	if len(spec.params) > 0 {
		rc.Parameters = spec.params
	}
	for ct, t := range spec.celRequest {
		if rc.Templates == nil {
			rc.Templates = map[string]*mapping.Template{}
		}
		rc.Templates[ct] = t
	}
	for _, ct := range sortedKeys(spec.templates) {
		t, err := mapping.CompileVTL(spec.templates[ct], mapping.WithName(name+" request "+ct))
		if err != nil {
			l.probs.add(ip.at("requestTemplates", ct), "%v", err)
			ok = false
			continue
		}
		if rc.Templates == nil {
			rc.Templates = map[string]*mapping.Template{}
		}
		rc.Templates[ct] = t
	}
	var resp mapping.ResponseConfig
	patterns := sortedKeys(spec.responses)
	sort.SliceStable(patterns, func(i, j int) bool { return patterns[j] == "default" && patterns[i] != "default" })
	for _, pattern := range patterns {
		ir, good := l.integrationResponse(ip.at("responses", pattern), name, pattern, spec.responses[pattern])
		if !good {
			ok = false
			continue
		}
		for ct, t := range spec.celResponses[pattern] {
			if ir.Templates == nil {
				ir.Templates = map[string]*mapping.Template{}
			}
			ir.Templates[ct] = t
		}
		resp.IntegrationResponses = append(resp.IntegrationResponses, ir)
	}
	if !ok {
		return false
	}
	if _, err := mapping.NewRequestMapping(rc); err != nil {
		l.probs.add(ip.at("requestParameters"), "%v", err)
		return false
	}
	// The configuration, not its compiled form, so that Export can
	// write the method down again; gateway.New compiles it.
	m.Request = rc
	if len(resp.IntegrationResponses) > 0 {
		resp.MethodResponses = declareUsed(mrs, resp.IntegrationResponses)
		if _, err := mapping.NewResponseMapping(resp); err != nil {
			l.probs.add(ip.at("responses"), "%v", err)
			return false
		}
		m.Response = resp
	}
	return true
}

func (l *loader) integrationResponse(rp pointer, name, pattern string, v any) (mapping.IntegrationResponse, bool) {
	var ir mapping.IntegrationResponse
	r, ok := v.(map[string]any)
	if !ok {
		l.probs.add(rp, "must be an object with statusCode, responseParameters and responseTemplates")
		return ir, false
	}
	if pattern != "default" {
		ir.SelectionPattern = pattern
	}
	ok = true
	for _, k := range sortedKeys(r) {
		kp := rp.at(k)
		switch k {
		case "statusCode":
			n, good := statusCode(r[k])
			if !good {
				l.probs.add(kp, "%v is not an HTTP status", r[k])
				ok = false
			}
			ir.StatusCode = n
		case "responseParameters":
			p, good := decoded.StringMap(r[k])
			if !good {
				l.probs.add(kp, "must be an object of header mappings")
				ok = false
			}
			ir.Parameters = p
		case "responseTemplates":
			ts, good := decoded.StringMap(r[k])
			if !good {
				l.probs.add(kp, "must be an object of templates by content type")
				ok = false
				continue
			}
			for _, ct := range sortedKeys(ts) {
				t, err := mapping.CompileVTL(ts[ct], mapping.WithName(name+" response "+pattern+" "+ct))
				if err != nil {
					l.probs.add(kp.at(ct), "%v", err)
					ok = false
					continue
				}
				if ir.Templates == nil {
					ir.Templates = map[string]*mapping.Template{}
				}
				ir.Templates[ct] = t
			}
		case "contentHandling":
			switch ch := mapping.ContentHandling(strings.ToUpper(fmt.Sprint(r[k]))); ch {
			case mapping.ConvertToText, mapping.ConvertToBinary:
				ir.ContentHandling = ch
			default:
				l.probs.add(kp, "%v: must be CONVERT_TO_TEXT or CONVERT_TO_BINARY", r[k])
				ok = false
			}
		default:
			l.probs.add(kp, "unknown property of an integration response")
			ok = false
		}
	}
	if ir.StatusCode == 0 {
		l.probs.add(rp.at("statusCode"), "required")
		ok = false
	}
	return ir, ok
}

// declareUsed adds to the method responses the statuses and headers the
// integration responses use: API Gateway's import declares them, as its
// own sample definitions show (an integration response of status 400 and
// only 200 declared).
func declareUsed(mrs []mapping.MethodResponse, irs []mapping.IntegrationResponse) []mapping.MethodResponse {
	if mrs == nil {
		return nil // mapping declares exactly what is used
	}
	out := make([]mapping.MethodResponse, len(mrs))
	index := map[int]int{}
	for i, mr := range mrs {
		out[i] = mapping.MethodResponse{StatusCode: mr.StatusCode, Headers: append([]string(nil), mr.Headers...)}
		index[mr.StatusCode] = i
	}
	for _, ir := range irs {
		status := ir.StatusCode
		if status == 0 {
			status = 200
		}
		i, ok := index[status]
		if !ok {
			out = append(out, mapping.MethodResponse{StatusCode: status})
			i = len(out) - 1
			index[status] = i
		}
		for _, k := range sortedKeys(ir.Parameters) {
			h, ok := strings.CutPrefix(k, "method.response.header.")
			if ok && !slices.ContainsFunc(out[i].Headers, func(d string) bool { return strings.EqualFold(d, h) }) {
				out[i].Headers = append(out[i].Headers, h)
			}
		}
	}
	return out
}

// celTemplates reads x-apigw-cel, the CEL templates Export writes beside
// an integration: {"requestTemplates": {ct: {"expr" | "text": src}},
// "responses": {pattern: {"responseTemplates": {ct: ...}}}}.
func (l *loader) celTemplates(ptr pointer, name string, v any, spec *integrationSpec) bool {
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object")
		return false
	}
	ok = true
	compile := func(p pointer, v any) *mapping.Template {
		src, _ := v.(map[string]any)
		var t *mapping.Template
		var err error
		switch {
		case len(src) == 1 && src["expr"] != nil:
			s, _ := src["expr"].(string)
			t, err = mapping.Compile(s, mapping.WithName(name))
		case len(src) == 1 && src["text"] != nil:
			s, _ := src["text"].(string)
			t, err = mapping.CompileText(s, mapping.WithName(name))
		default:
			err = errors.New(`a CEL template is {"expr": source} or {"text": source}`)
		}
		if err != nil {
			l.probs.add(p, "%v", err)
			ok = false
		}
		return t
	}
	for _, k := range sortedKeys(m) {
		kp := ptr.at(k)
		switch k {
		case "requestTemplates":
			ts, _ := m[k].(map[string]any)
			for _, ct := range sortedKeys(ts) {
				if t := compile(kp.at(ct), ts[ct]); t != nil {
					if spec.celRequest == nil {
						spec.celRequest = map[string]*mapping.Template{}
					}
					spec.celRequest[ct] = t
				}
			}
		case "responses":
			rs, _ := m[k].(map[string]any)
			for _, pattern := range sortedKeys(rs) {
				r, _ := rs[pattern].(map[string]any)
				if _, declared := spec.responses[pattern]; !declared {
					l.probs.add(kp.at(pattern), "no integration response %q to add templates to", pattern)
					ok = false
					continue
				}
				ts, _ := r["responseTemplates"].(map[string]any)
				for _, ct := range sortedKeys(ts) {
					if t := compile(kp.at(pattern, "responseTemplates", ct), ts[ct]); t != nil {
						if spec.celResponses == nil {
							spec.celResponses = map[string]map[string]*mapping.Template{}
						}
						if spec.celResponses[pattern] == nil {
							spec.celResponses[pattern] = map[string]*mapping.Template{}
						}
						spec.celResponses[pattern][ct] = t
					}
				}
			}
		default:
			l.probs.add(kp, "unknown property of %s", extAPIGWCEL)
			ok = false
		}
	}
	return ok
}

// isServiceURI reports whether an integration URI names an AWS service
// other than Lambda: arn:aws:apigateway:REGION:SERVICE:action|path/...
func isServiceURI(uri string) bool {
	parts := strings.SplitN(uri, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "apigateway" && parts[4] != "lambda"
}

// serviceIntegration makes an AWS service integration (type aws, a
// service's URI): package awsintegration's handler with the method's
// mappings, signed with Bindings.AWS's credentials.
func (l *loader) serviceIntegration(ip pointer, name string, spec *integrationSpec, m *gateway.Method, mrs []mapping.MethodResponse) {
	cfg := awsintegration.Config{URI: spec.uri, HTTPMethod: spec.httpMethod, Credentials: l.b.AWS.Credentials,
		Endpoint: l.b.AWS.Endpoint, Transport: l.b.AWS.Transport, Now: l.b.Now}
	if l.b.AWS.AssumeRoles {
		cfg.RoleARN = spec.credentials
	}
	if l.o.Check || cfg.Credentials == nil && l.b.AWS.Endpoint != "" {
		// apigw check, or a local endpoint: no credential chain to load.
		cfg.Credentials = credentials.NewStaticCredentialsProvider("apigwlocal", "apigwlocal", "")
	}
	integ, err := awsintegration.New(cfg)
	if err != nil {
		l.probs.add(ip.at("uri"), "%v", err)
		return
	}
	if !l.mappings(ip, name, spec, m, mrs) {
		return
	}
	m.Integration = gateway.Handler(integ)
}
