package sam

import (
	"fmt"
	"sort"
	"strings"
)

// eventRoute returns the path and method key (get, x-amazon-apigateway-any-method)
// of an event's operation, or ok false after reporting why there is none.
func (l *loader) eventRoute(spec *apiSpec, e *event) (path, key, method string, ok bool) {
	pp := at(e.ptr, "Properties")
	props := e.props
	method = "any"
	if m, ok := props["Method"].(string); ok {
		method = strings.ToLower(m)
	} else if !spec.http {
		l.probs.add(at(pp, "Method"), "required")
		return "", "", "", false
	}
	if p, ok := props["Path"].(string); ok {
		path = p
	} else if !spec.http {
		l.probs.add(at(pp, "Path"), "required")
		return "", "", "", false
	}
	_, hasMethod := props["Method"]
	_, hasPath := props["Path"]
	if spec.http && hasMethod != hasPath {
		// SAM's $default route is an event with neither.
		l.probs.add(pp, "an HttpApi event gives Path and Method, or neither (the $default route)")
		return "", "", "", false
	}
	if spec.http && path == "" {
		path = "$default" // SAM's $default route
		if method != "any" {
			l.probs.add(at(pp, "Method"), "the $default route takes every method")
			return "", "", "", false
		}
	}
	key = method
	switch method {
	case "any", "x-amazon-apigateway-any-method":
		key = "x-amazon-apigateway-any-method"
	case "get", "put", "post", "delete", "options", "head", "patch":
	default:
		l.probs.add(at(pp, "Method"), "%q: not an HTTP method API Gateway routes", method)
		return "", "", "", false
	}
	return path, key, method, true
}

// addEvent adds the operation an Api or HttpApi event makes to the API's
// document: a Lambda proxy integration of the function, with the event's
// authorizer, API key, parameters and model. SAM's translator adds events
// to the definition it writes for an API without one, to a REST API's
// DefinitionBody with MergeDefinitions (the event's keys over the
// definition's method's), and to an HTTP API's DefinitionBody, where a
// method the definition integrates keeps its integration and takes the
// event's Auth.
func (l *loader) addEvent(spec *apiSpec, e *event, g *docGen) {
	pp := at(e.ptr, "Properties")
	props := e.props
	path, key, method, ok := l.eventRoute(spec, e)
	if !ok {
		return
	}
	paths := g.section("paths")
	item, _ := paths[path].(map[string]any)
	if item == nil {
		item = map[string]any{}
		paths[path] = item
	}
	existing, _ := item[key].(map[string]any)
	taken := item[key] != nil // post: with no value is SAM's to fill
	auth, _ := props["Auth"].(map[string]any)
	switch {
	case !taken:
	case existing != nil && g.merge:
	case existing != nil && spec.http && g.userBody:
		if integration, ok := existing["x-amazon-apigateway-integration"].(map[string]any); ok {
			// The definition's integration; the event's payload
			// version, timeout and Auth are laid over it.
			if v, ok := props["PayloadFormatVersion"]; ok {
				integration["payloadFormatVersion"] = version(v)
			}
			if v, ok := props["TimeoutInMillis"]; ok {
				integration["timeoutInMillis"] = v
			}
			l.eventAuth(at(pp, "Auth"), spec, auth, existing, g)
			return
		}
	default:
		l.probs.add(pp, "%s %s is defined twice (by another event or the definition)", strings.ToUpper(method), path)
		return
	}
	opPtr := at("/paths", path, key)
	integration := map[string]any{
		"type":       "aws_proxy",
		"httpMethod": "POST",
		"uri":        "arn:aws:apigateway:" + l.r.region + ":lambda:path/2015-03-31/functions/" + l.r.lambdaARN(e.function) + "/invocations",
	}
	op := map[string]any{"x-amazon-apigateway-integration": integration, "responses": map[string]any{}}
	g.origins = append(g.origins, origin{docPrefix: opPtr, target: e.ptr})

	for _, k := range sortedKeys(props) {
		kp := at(pp, k)
		v := props[k]
		switch k {
		case "Path", "Method", "RestApiId", "ApiId":
		case "Auth":
			if _, ok := v.(map[string]any); !ok {
				l.probs.add(kp, "must be an object")
			}
		case "TimeoutInMillis":
			integration["timeoutInMillis"] = v
		case "PayloadFormatVersion":
			if !spec.http {
				l.probs.add(kp, "only HttpApi events take a payload format version")
				continue
			}
			integration["payloadFormatVersion"] = version(v)
		case "RequestParameters":
			if spec.http {
				l.probs.add(kp, "only Api events declare request parameters")
				continue
			}
			l.eventParameters(kp, v, op, g)
		case "RequestModel":
			if spec.http {
				l.probs.add(kp, "only Api events declare request models")
				continue
			}
			l.eventModel(kp, v, op, g)
		case "RouteSettings":
			l.probs.add(kp, "per-route settings of an event are not supported: use the API's RouteSettings")
		default:
			l.probs.add(kp, "apigw does not honour this property of an %s event", map[bool]string{true: "HttpApi", false: "Api"}[spec.http])
		}
	}
	if spec.http && integration["payloadFormatVersion"] == nil {
		integration["payloadFormatVersion"] = "2.0" // SAM's default
	}
	l.eventAuth(at(pp, "Auth"), spec, auth, op, g)
	if existing != nil {
		// The definition's method, the event's keys over its own.
		for k, v := range op {
			existing[k] = v
		}
		return
	}
	item[key] = op
}

// bodyEvent handles an Api event of a REST API with a DefinitionBody: SAM's
// translator adds no method to the definition (the event only permits API
// Gateway to invoke the function), and applies the event's Auth to the
// definition's method only with OverrideApiAuth. What it would ignore is a
// problem: AWS would serve the method as the definition writes it.
func (l *loader) bodyEvent(spec *apiSpec, e *event, g *docGen) {
	pp := at(e.ptr, "Properties")
	auth, _ := e.props["Auth"].(map[string]any)
	override, _ := auth["OverrideApiAuth"].(bool)
	for _, k := range sortedKeys(e.props) {
		switch k {
		case "Path", "Method", "RestApiId":
		case "Auth":
			if !override {
				l.probs.add(at(pp, k), "SAM ignores an event's Auth on an API with a DefinitionBody unless OverrideApiAuth is true: AWS would serve the method with the definition's security")
			}
		default:
			l.probs.add(at(pp, k), "SAM adds nothing of an event to an API's DefinitionBody: AWS would serve the method as the definition writes it")
		}
	}
	if !override {
		return
	}
	path, key, _, ok := l.eventRoute(spec, e)
	if !ok {
		return
	}
	paths, _ := g.doc["paths"].(map[string]any)
	item, _ := paths[path].(map[string]any)
	if op, ok := item[key].(map[string]any); ok {
		l.eventAuth(at(pp, "Auth"), spec, auth, op, g)
	}
}

// eventParameters declares an Api event's RequestParameters: a list of
// names (method.request.header.x) or of {name: {Required, Caching}}.
func (l *loader) eventParameters(ptr string, v any, op map[string]any, g *docGen) {
	list, ok := v.([]any)
	if !ok {
		l.probs.add(ptr, "must be a list of request parameters")
		return
	}
	var cacheKeys []any
	for i, p := range list {
		ip := at(ptr, fmt.Sprint(i))
		name, required, caching := "", false, false
		switch x := p.(type) {
		case string:
			name = x
		case map[string]any:
			if len(x) != 1 {
				l.probs.add(ip, "one parameter per entry")
				continue
			}
			for k, opts := range x {
				name = k
				o, _ := opts.(map[string]any)
				for _, ok := range sortedKeys(o) {
					switch ok {
					case "Required":
						required, _ = o[ok].(bool)
					case "Caching":
						caching, _ = o[ok].(bool)
					default:
						l.probs.add(at(ip, k, ok), "unknown property of a request parameter")
					}
				}
			}
		default:
			l.probs.add(ip, "must be a name or {name: {Required, Caching}}")
			continue
		}
		var in, pname string
		for prefix, loc := range map[string]string{"method.request.header.": "header", "method.request.querystring.": "query", "method.request.path.": "path"} {
			if rest, ok := strings.CutPrefix(name, prefix); ok && rest != "" {
				in, pname = loc, rest
			}
		}
		if in == "" {
			l.probs.add(ip, "%q: not method.request.(header|querystring|path).<name>", name)
			continue
		}
		param := map[string]any{"name": pname, "in": in, "required": required || in == "path"}
		if g.v3 {
			param["schema"] = map[string]any{"type": "string"}
		} else {
			param["type"] = "string"
		}
		params, _ := op["parameters"].([]any)
		op["parameters"] = append(params, param)
		if caching {
			cacheKeys = append(cacheKeys, name)
		}
	}
	if len(cacheKeys) > 0 {
		op["x-amazon-apigateway-integration"].(map[string]any)["cacheKeyParameters"] = cacheKeys
	}
}

// eventModel declares an Api event's RequestModel and its validation.
func (l *loader) eventModel(ptr string, v any, op map[string]any, g *docGen) {
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object with Model")
		return
	}
	var model string
	var required, body, params bool
	for _, k := range sortedKeys(m) {
		switch k {
		case "Model":
			model, _ = m[k].(string)
		case "Required":
			required, _ = m[k].(bool)
		case "ValidateBody":
			body, _ = m[k].(bool)
		case "ValidateParameters":
			params, _ = m[k].(bool)
		default:
			l.probs.add(at(ptr, k), "unknown property of a request model")
		}
	}
	if model == "" {
		l.probs.add(at(ptr, "Model"), "required")
		return
	}
	ref := map[string]any{"$ref": g.modelRef(model)}
	if g.v3 {
		op["requestBody"] = map[string]any{"required": required, "content": map[string]any{"application/json": map[string]any{"schema": ref}}}
	} else {
		params, _ := op["parameters"].([]any)
		op["parameters"] = append(params, map[string]any{"in": "body", "name": model, "required": required, "schema": ref})
		op["consumes"] = []any{"application/json"}
	}
	name := ""
	switch {
	case body && params:
		name = "body-and-params"
	case body:
		name = "body-only"
	case params:
		name = "params-only"
	}
	if name != "" {
		validators := g.section("x-amazon-apigateway-request-validators")
		validators[name] = map[string]any{"validateRequestBody": body, "validateRequestParameters": params}
		op["x-amazon-apigateway-request-validator"] = name
	}
}

func sortedAny(list []string) []any {
	sort.Strings(list)
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}
