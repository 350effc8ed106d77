package sam

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/decoded"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/stage"
	"go.yaml.in/yaml/v3"
)

// apiNoOps are the properties of SAM's APIs that cannot matter to an API
// served in-process (see the package documentation).
var apiNoOps = map[string]bool{
	"Name": true, "Description": true, "Tags": true, "PropagateTags": true,
	"EndpointConfiguration": true, "Domain": true,
	"TracingEnabled": true, "MinimumCompressionSize": true, "OpenApiVersion": true,
	"AlwaysDeploy": true, "DisableExecuteApiEndpoint": true, "Mode": true, "FailOnWarnings": true,
	"CacheClusterSize": true, "SecurityPolicy": true, "EndpointAccessMode": true,
}

// build loads one API of the template.
func (l *loader) build(spec *apiSpec) *API {
	pp := at(spec.ptr, "Properties")
	if spec.props == nil {
		pp = spec.ptr // an implicit API: its problems are the events'
	}
	props := l.apiProperties(spec)
	api := &API{Name: spec.name, Type: typeAPI}
	if spec.http {
		api.Type = typeHTTPAPI
	}
	g := l.newDocument(spec, pp, props)
	if g == nil {
		return nil
	}
	known := map[string]bool{"DefinitionBody": true, "DefinitionUri": true}
	_, inline := props["DefinitionBody"]
	inline = inline || props["DefinitionUri"] == nil // SAM writes one then
	var corsPtr, policyPtr string
	var corsV, policyV any
	// A property the API takes from the Globals is reported there.
	gkey := "Api"
	if spec.http {
		gkey = "HttpApi"
	}
	globals, _ := l.t["Globals"].(map[string]any)
	gprops, _ := globals[gkey].(map[string]any)
	propPtr := func(k string) string {
		if _, own := spec.props[k]; !own {
			if _, global := gprops[k]; global {
				return at("/Globals", gkey, k)
			}
		}
		return at(pp, k)
	}
	for _, k := range sortedKeys(props) {
		kp := propPtr(k)
		v := props[k]
		switch {
		case known[k], apiNoOps[k]:
		case !inline && (k == "Auth" || k == "Cors" || k == "CorsConfiguration" || k == "GatewayResponses" || k == "Models"):
			l.outsideBody(kp, k)
		case k == "StageName":
			s, ok := v.(string)
			if !ok || s == "" {
				l.probs.add(kp, "must be a stage name")
			}
			api.Stage.Name = s
		case k == "Variables" && !spec.http, k == "StageVariables" && spec.http:
			vars, ok := decoded.StringMap(v)
			if !ok {
				l.probs.add(kp, "must be an object of strings")
			}
			api.Stage.Variables = vars
		case k == "AccessLogSetting" && !spec.http, k == "AccessLogSettings" && spec.http:
			l.accessLog(kp, v, api)
		case k == "MethodSettings" && !spec.http:
			l.methodSettings(kp, v, api)
		case k == "DefaultRouteSettings" && spec.http, k == "RouteSettings" && spec.http:
			l.routeSettings(kp, k, v, api)
		case k == "CanarySetting" && !spec.http:
			l.canary(kp, v, api)
		case k == "CacheClusterEnabled" && !spec.http:
			if on, _ := v.(bool); on {
				api.Cache = l.cacheConfig(api)
			}
		case k == "Policy" && !spec.http:
			policyPtr, policyV = kp, v // the RestApi's resource policy
		case k == "Cors" && !spec.http:
			corsPtr, corsV = kp, v // added to every path once the events are
		case k == "CorsConfiguration" && spec.http:
			l.httpCORS(kp, v, g)
		case k == "Auth":
			l.auth(kp, spec, v, g, api)
		case k == "GatewayResponses" && !spec.http:
			l.gatewayResponses(kp, v, g)
		case k == "Models" && !spec.http:
			models, ok := v.(map[string]any)
			if !ok {
				l.probs.add(kp, "must be an object of models by name")
				continue
			}
			for _, name := range sortedKeys(models) {
				g.addModel(name, models[name], at(kp, name))
			}
		case k == "BinaryMediaTypes" && !spec.http:
			list, ok := v.([]any)
			if !ok {
				l.probs.add(kp, "must be a list of media types")
				continue
			}
			var types []any
			for _, t := range list {
				types = append(types, strings.ReplaceAll(fmt.Sprint(t), "~1", "/"))
			}
			g.doc["x-amazon-apigateway-binary-media-types"] = types
			g.origins = append(g.origins, origin{docPrefix: "/x-amazon-apigateway-binary-media-types", target: kp})
		case k == "ApiKeySourceType" && !spec.http:
			g.doc["x-amazon-apigateway-api-key-source"] = v
			g.origins = append(g.origins, origin{docPrefix: "/x-amazon-apigateway-api-key-source", target: kp})
		case k == "MergeDefinitions" && !spec.http:
			on, _ := v.(bool)
			switch {
			case on && !g.userBody:
				l.probs.add(kp, "MergeDefinitions merges the events into a DefinitionBody, as SAM says: there is none")
			case on:
				g.merge = true
			}
		default:
			l.probs.add(kp, "apigw does not honour this property of %s", api.Type)
		}
	}
	if api.Cache != nil {
		if l.cacheAuth != nil {
			api.Cache.AnyoneMayInvalidate = !*l.cacheAuth
		}
		if l.cacheStrategy != "" {
			api.Cache.UnauthorizedStrategy = l.cacheStrategy
		}
	}
	l.cacheAuth, l.cacheStrategy = nil, ""
	if l.b.StageName != "" {
		api.Stage.Name = l.b.StageName
	}
	if len(l.b.StageVariables) > 0 {
		vars := map[string]string{}
		for k, v := range api.Stage.Variables {
			vars[k] = v
		}
		for k, v := range l.b.StageVariables {
			vars[k] = v
		}
		api.Stage.Variables = vars
	}
	switch {
	case spec.http && api.Stage.Name == "":
		api.Stage.Name = stage.Default // SAM's default for HTTP APIs
	case spec.props == nil && api.Stage.Name == "":
		api.Stage.Name = "Prod" // SAM's implicit API's stage
	case api.Stage.Name == "":
		l.probs.add(at(pp, "StageName"), "required")
	}

	for _, e := range spec.events {
		switch {
		case !inline:
			// SAM adds nothing to a DefinitionUri's file.
		case spec.http || !g.userBody || g.merge:
			l.addEvent(spec, e, g)
		default:
			l.bodyEvent(spec, e, g)
		}
	}
	if corsV != nil {
		l.restCORS(corsPtr, corsV, g)
	}
	if policyV != nil {
		if _, both := g.doc["x-amazon-apigateway-policy"]; both {
			l.probs.add(policyPtr, "the API has a resource policy in its definition too (Auth.ResourcePolicy or x-amazon-apigateway-policy): which one AWS keeps is not documented; write one")
		} else {
			g.doc["x-amazon-apigateway-policy"] = policyV
			g.origins = append(g.origins, origin{docPrefix: "/x-amazon-apigateway-policy", target: policyPtr, deep: true})
		}
	}
	l.defaultAuth(spec, g)
	if l.docs != nil {
		l.docs[spec.name] = g.doc
	}
	doc, err := json.Marshal(g.doc)
	if err != nil {
		l.probs.add(pp, "%v", err)
		return nil
	}
	kind := openapi.REST
	if spec.http {
		kind = openapi.HTTPAPI
	}
	b := l.b.Bindings
	loaded, err := openapi.LoadWith(doc, b, openapi.Options{Kind: kind, Origin: g.origins.mapper(), Check: l.check})
	if err != nil {
		for _, p := range openapi.Problems(err) {
			l.probs.list = append(l.probs.list, p)
		}
		return nil
	}
	api.Definition = append(loaded.Definition, api.Definition...)
	api.UsagePlans = loaded.UsagePlans
	l.usagePlans(spec, api)
	if l.check && len(l.probs.list) == 0 {
		// What only gateway.New finds.
		gw, err := gateway.New(api.Options()...)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				l.probs.add(pp, "%s", strings.TrimSpace(line))
			}
			return nil
		}
		_ = gw.Close()
	}
	return api
}

// apiProperties returns the API's properties with the template's Globals
// laid under them, resolved.
func (l *loader) apiProperties(spec *apiSpec) map[string]any {
	globals, _ := l.t["Globals"].(map[string]any)
	key := "Api"
	if spec.http {
		key = "HttpApi"
	}
	var merged any = spec.props
	if gv, ok := globals[key].(map[string]any); ok {
		merged = mergeGlobals(gv, spec.props)
	}
	pp := at(spec.ptr, "Properties")
	props, _ := l.r.resolve(pp, merged).(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	return props
}

// mergeGlobals lays a resource's value over the Globals' value, as SAM
// does: maps are merged key by key, lists concatenated (the Globals'
// first), anything else — an intrinsic function included — is replaced.
func mergeGlobals(global, local any) any {
	gm, gok := global.(map[string]any)
	lm, lok := local.(map[string]any)
	gl, glist := global.([]any)
	ll, llist := local.([]any)
	switch {
	case local == nil:
		return global
	case glist && llist:
		return append(append([]any(nil), gl...), ll...)
	case !gok || !lok || isIntrinsic(gm) || isIntrinsic(lm):
		return local
	}
	out := make(map[string]any, len(gm)+len(lm))
	for k, v := range gm {
		out[k] = v
	}
	for k, v := range lm {
		out[k] = mergeGlobals(gm[k], v)
	}
	return out
}

// isIntrinsic reports whether m is an intrinsic function: one key, Ref,
// Condition or Fn::*.
func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

// docGen is the OpenAPI document generated for an API: its DefinitionBody
// (or DefinitionUri's file) with what SAM adds to it, in Swagger 2.0 or
// OpenAPI 3.0 as the body is written.
type docGen struct {
	doc      map[string]any
	v3       bool
	userBody bool // a DefinitionBody, not the definition SAM writes
	merge    bool // MergeDefinitions: events go into the DefinitionBody
	origins  origins
}

// newDocument starts the API's document from its definition, if any.
func (l *loader) newDocument(spec *apiSpec, pp string, props map[string]any) *docGen {
	g := &docGen{}
	var body map[string]any
	if v, ok := props["DefinitionBody"]; ok {
		m, isMap := v.(map[string]any)
		if !isMap {
			l.probs.add(at(pp, "DefinitionBody"), "must be an OpenAPI definition (Fn::Transform AWS::Include cannot be read: use DefinitionUri with a local file)")
			return nil
		}
		body, g.userBody = m, true
		g.origins = append(g.origins, origin{docPrefix: "", target: at(pp, "DefinitionBody"), deep: true})
	} else if v, ok := props["DefinitionUri"]; ok {
		name, isString := v.(string)
		if !isString {
			l.probs.add(at(pp, "DefinitionUri"), "an S3 location cannot be read: use a local file")
			return nil
		}
		m, err := l.readDefinition(name)
		if err != nil {
			l.probs.add(at(pp, "DefinitionUri"), "%v", err)
			return nil
		}
		body = m
		g.origins = append(g.origins, origin{docPrefix: "", target: path.Clean(name) + "#", deep: true})
	}
	if body == nil {
		if spec.http {
			body = map[string]any{"openapi": "3.0.1"}
		} else {
			body = map[string]any{"swagger": "2.0"}
		}
		body["info"] = map[string]any{"title": spec.name, "version": "1.0"}
		g.origins = append(g.origins, origin{docPrefix: "", target: pp})
	}
	if _, ok := body["paths"]; !ok {
		body["paths"] = map[string]any{}
	}
	_, g.v3 = body["openapi"]
	g.doc = body
	return g
}

// readDefinition reads the OpenAPI file a DefinitionUri names.
func (l *loader) readDefinition(name string) (map[string]any, error) {
	if strings.HasPrefix(name, "s3://") || strings.Contains(name, "://") {
		return nil, fmt.Errorf("%q cannot be read: use a local file", name)
	}
	if l.b.Files == nil {
		if l.check {
			return map[string]any{"swagger": "2.0", "info": map[string]any{"title": "x", "version": "1"}, "paths": map[string]any{}}, nil
		}
		return nil, fmt.Errorf("%q: no Bindings.Files to read it from", name)
	}
	data, err := fs.ReadFile(l.b.Files, path.Clean(strings.TrimPrefix(name, "./")))
	if err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("%q: not YAML or JSON: %v", name, err)
	}
	normalizeYAML(&n, 0)
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("%q: %v", name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%q: not an OpenAPI definition", name)
	}
	return m, nil
}

// section returns the map at key of the document (created if absent).
func (g *docGen) section(keys ...string) map[string]any {
	m := g.doc
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	return m
}

// schemes returns the document's security schemes and their pointer.
func (g *docGen) schemes() (map[string]any, string) {
	if g.v3 {
		return g.section("components", "securitySchemes"), "/components/securitySchemes"
	}
	return g.section("securityDefinitions"), "/securityDefinitions"
}

// addModel adds a model (a JSON Schema) under name.
func (g *docGen) addModel(name string, schema any, target string) {
	if g.v3 {
		g.section("components", "schemas")[name] = schema
		g.origins = append(g.origins, origin{docPrefix: at("/components/schemas", name), target: target})
		return
	}
	g.section("definitions")[name] = schema
	g.origins = append(g.origins, origin{docPrefix: at("/definitions", name), target: target})
}

func (g *docGen) modelRef(name string) string {
	if g.v3 {
		return "#/components/schemas/" + name
	}
	return "#/definitions/" + name
}
