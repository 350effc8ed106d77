package sam

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

// Bindings say what a template can only name, and what a deployment would
// decide.
type Bindings struct {
	// Bindings binds the template's functions by logical id
	// (Functions["HelloWorldFunction"]), or through Invoke, and everything
	// else an OpenAPI definition names (hosts, JWT keys, credentials).
	openapi.Bindings

	// Parameters gives the template's parameters values, over their
	// defaults.
	Parameters map[string]string
	// Files holds the files the template names by a relative path
	// (DefinitionUri): os.DirFS of the template's directory. nil: such a
	// template fails to load.
	Files fs.FS
	// API is the logical id of the API to load (MyApi, ServerlessRestApi,
	// ServerlessHttpApi); "" when the template defines one.
	API string
	// StageName replaces the API's StageName; "" keeps it.
	StageName string
	// StageVariables are laid over the stage's variables.
	StageVariables map[string]string
	// Cache is the stage cache's configuration (Store, Capacity, Now) for
	// an API with CacheClusterEnabled.
	Cache cache.Config
	// AccountID is AWS::AccountId. Default 123456789012. The region,
	// AWS::Region, is Bindings.Region (default us-east-1).
	AccountID string
}

// API is one API of a template, loaded: the gateway options that serve it.
type API struct {
	// Name is the API's logical id: MyApi, or ServerlessRestApi and
	// ServerlessHttpApi for the APIs SAM makes of functions' events. It is
	// the gateway's API id ($context.apiId), which usage plans name.
	Name string
	// Type is AWS::Serverless::Api or AWS::Serverless::HttpApi.
	Type string
	// Definition describes the API: routes, models, authorizers, gateway
	// responses, CORS, resource policy.
	Definition []gateway.DeploymentOption
	// Stage is the API's stage: StageName, Variables, MethodSettings,
	// CanarySetting; an HTTP API's is stage.Default unless it names one.
	Stage stage.Stage
	// Cache is the stage cache (CacheClusterEnabled); nil: none.
	Cache *cache.Config
	// UsagePlans holds the API keys and usage plans (Auth.UsagePlan and
	// the template's AWS::ApiGateway::UsagePlan, ApiKey and UsagePlanKey
	// resources); nil when neither the template nor a method needs them.
	// Keys SAM would generate have no known value: add them here.
	UsagePlans *usageplan.Registry
}

// Options returns everything gateway.New needs to serve the API. Add your
// own options (an access log, a clock) after them.
func (a *API) Options() []gateway.Option {
	opts := make([]gateway.Option, 0, len(a.Definition)+5)
	if a.Type == typeHTTPAPI {
		opts = append(opts, gateway.WithHTTPAPI())
	}
	for _, o := range a.Definition {
		opts = append(opts, o)
	}
	opts = append(opts, gateway.WithAPIID(a.Name), gateway.WithStage(a.Stage))
	if a.Cache != nil {
		opts = append(opts, gateway.WithCache(*a.Cache))
	}
	if a.UsagePlans != nil {
		opts = append(opts, gateway.WithUsagePlans(a.UsagePlans))
	}
	return opts
}

// Load reads a SAM template, YAML or JSON, and returns its API (Bindings.API
// when it has several). Every construct apigw does not honour, and every
// name b does not bind, is an *openapi.Error naming its JSON pointer into
// the template.
func Load(template []byte, b Bindings) (*API, error) {
	apis, err := load(template, b, false)
	if err != nil {
		return nil, err
	}
	return apis[0], nil
}

// New loads template (see Load) and builds the API's gateway, with opts
// after the template's options.
func New(template []byte, b Bindings, opts ...gateway.Option) (*gateway.Gateway, error) {
	api, err := Load(template, b)
	if err != nil {
		return nil, err
	}
	return gateway.New(append(api.Options(), opts...)...)
}

// Check returns every construct of template, in every API, that apigw does
// not honour, with its JSON pointer; none means the template serves as
// written once its functions are bound. files resolves DefinitionUri (nil:
// none). A parameter without a default takes a stand-in: its first
// allowed value, 1 for a Number, else "apigw-check-" and its name.
func Check(template []byte, files fs.FS) []openapi.Problem {
	_, err := load(template, Bindings{Files: files}, true)
	return openapi.Problems(err)
}

// APIs lists the logical ids of the template's APIs, sorted.
func APIs(template []byte) ([]string, error) {
	t, err := parseTemplate(template)
	if err != nil {
		return nil, fmt.Errorf("sam: %v", err)
	}
	l := newLoader(t, Bindings{}, true)
	return sortedKeys(l.apis), nil
}

func load(template []byte, b Bindings, check bool) ([]*API, error) {
	t, err := parseTemplate(template)
	if err != nil {
		return nil, &openapi.Error{Problems: []openapi.Problem{{Message: err.Error()}}}
	}
	l := newLoader(t, b, check)
	names := sortedKeys(l.apis)
	switch {
	case check && len(names) == 0:
		l.probs.add("/Resources", "the template defines no API apigw serves: no AWS::Serverless::Api or HttpApi, no function with an Api or HttpApi event")
	case check:
	case b.API != "":
		if l.apis[b.API] == nil {
			l.probs.add("/Resources", "no API %q in the template (it has %s)", b.API, strings.Join(names, ", "))
			return nil, l.probs.err()
		}
		names = []string{b.API}
	case len(names) == 0:
		l.probs.add("/Resources", "the template defines no API: no AWS::Serverless::Api or HttpApi, no function with an Api or HttpApi event")
	case len(names) > 1:
		l.probs.add("/Resources", "the template defines %d APIs (%s): choose one with Bindings.API", len(names), strings.Join(names, ", "))
	}
	if err := l.probs.err(); err != nil && !check {
		return nil, err
	}
	var out []*API
	for _, name := range names {
		if api := l.build(l.apis[name]); api != nil {
			out = append(out, api)
		}
	}
	if err := l.probs.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// loader is one load of one template.
type loader struct {
	b     Bindings
	check bool
	t     map[string]any
	r     *resolver
	probs *problems

	resources map[string]map[string]any // those that exist
	apis      map[string]*apiSpec
	apiAuth   map[string]*apiAuth

	// docs, when set, collects the OpenAPI document made of each API
	// (tests compare them with SAM's translator's).
	docs map[string]map[string]any

	// The cache-control method settings of the API being built.
	cacheAuth     *bool
	cacheStrategy cache.Strategy
}

// apiSpec is an API of the template: its resource (nil for an implicit
// one) and the function events that add routes to it.
type apiSpec struct {
	name   string
	http   bool
	ptr    string // of the resource
	props  map[string]any
	events []*event
}

// event is one Api or HttpApi event of a function.
type event struct {
	function string
	name     string
	ptr      string
	props    map[string]any
}

func newLoader(t map[string]any, b Bindings, check bool) *loader {
	l := &loader{b: b, check: check, t: t, probs: &problems{}, resources: map[string]map[string]any{}, apis: map[string]*apiSpec{}, apiAuth: map[string]*apiAuth{}}
	region := b.Region
	if region == "" {
		region = "us-east-1"
	}
	account := b.AccountID
	if account == "" {
		account = "123456789012"
	}
	raw, _ := t["Resources"].(map[string]any)
	all := map[string]map[string]any{}
	for name, v := range raw {
		if m, ok := v.(map[string]any); ok {
			all[name] = m
		}
	}
	mappings, _ := t["Mappings"].(map[string]any)
	conditions, _ := t["Conditions"].(map[string]any)
	l.r = &resolver{resources: all, mappings: mappings, conditions: conditions, decided: map[string]bool{}, deciding: map[string]bool{},
		region: region, account: account, probs: l.probs}
	l.r.params = l.parameters()

	for _, k := range sortedKeys(t) {
		switch k {
		case "AWSTemplateFormatVersion", "Transform", "Description", "Metadata", "Parameters", "Mappings", "Conditions", "Resources", "Outputs", "Globals", "Rules":
		default:
			l.probs.add(at("", k), "not a section of a template")
		}
	}
	if globals, ok := t["Globals"].(map[string]any); ok {
		for _, k := range sortedKeys(globals) {
			switch k {
			case "Function", "Api", "HttpApi", "SimpleTable", "StateMachine", "LayerVersion":
			default:
				// SAM refuses the template; read as nothing, a section's
				// Auth would leave every method open.
				l.probs.add(at("/Globals", k), "not a section of Globals (Function, Api, HttpApi, SimpleTable, StateMachine, LayerVersion)")
			}
		}
	}
	if _, ok := t["Resources"].(map[string]any); !ok {
		l.probs.add("/Resources", "required")
	}
	for _, name := range sortedKeys(all) {
		res := all[name]
		ptr := at("/Resources", name)
		if c, ok := res["Condition"]; ok {
			cs, _ := c.(string)
			if !l.r.condition(at(ptr, "Condition"), cs) {
				continue // the condition decides it does not exist
			}
		}
		l.resources[name] = res
	}
	l.collectAPIs()
	return l
}

// parameters returns the template's parameter values: Bindings.Parameters
// over the defaults.
func (l *loader) parameters() map[string]any {
	out := map[string]any{}
	params, _ := l.t["Parameters"].(map[string]any)
	for _, name := range sortedKeys(params) {
		p, _ := params[name].(map[string]any)
		typ := fmt.Sprint(p["Type"])
		var v any
		if s, ok := l.b.Parameters[name]; ok {
			v = s
		} else if d, ok := p["Default"]; ok {
			v = d
		} else if !l.check {
			l.probs.add(at("/Parameters", name), "no value: give it with Bindings.Parameters")
			v = ""
		} else {
			// apigw check has no values: a stand-in that reads as one
			// (an allowed value, a number, else one made of the
			// parameter's name: a host name in a URL, an API key's
			// value), so that what depends on it is checked.
			switch allowed, _ := p["AllowedValues"].([]any); {
			case len(allowed) > 0:
				v = allowed[0]
			case typ == "Number":
				v = "1"
			default:
				v = "apigw-check-" + name
			}
		}
		if s, ok := v.(string); ok && (typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<")) {
			var list []any
			for _, e := range strings.Split(s, ",") {
				list = append(list, strings.TrimSpace(e))
			}
			v = list
		}
		out[name] = v
	}
	for name := range l.b.Parameters {
		if _, ok := params[name]; !ok {
			l.probs.add("/Parameters", "Bindings.Parameters names %q, which the template does not declare", name)
		}
	}
	return out
}

const (
	typeFunction = "AWS::Serverless::Function"
	typeAPI      = "AWS::Serverless::Api"
	typeHTTPAPI  = "AWS::Serverless::HttpApi"
	implicitREST = "ServerlessRestApi"
	implicitHTTP = "ServerlessHttpApi"
)

// apiGatewayResource reports the CloudFormation types that define or change
// an API: what apigw does not apply must not pass unnoticed (a route, an
// authorizer, a gateway response added to a SAM API). Usage plans and keys
// are read (usagePlans); custom domains, base path mappings, VPC links,
// client certificates, the account and documentation do not change what
// an API answers.
func apiGatewayResource(typ string) bool {
	switch typ {
	case "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlanKey",
		"AWS::ApiGateway::DomainName", "AWS::ApiGateway::DomainNameV2", "AWS::ApiGateway::BasePathMapping",
		"AWS::ApiGateway::BasePathMappingV2", "AWS::ApiGateway::DomainNameAccessAssociation",
		"AWS::ApiGateway::VpcLink", "AWS::ApiGateway::ClientCertificate", "AWS::ApiGateway::Account",
		"AWS::ApiGateway::DocumentationPart", "AWS::ApiGateway::DocumentationVersion",
		"AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping", "AWS::ApiGatewayV2::VpcLink":
		return false
	}
	return strings.HasPrefix(typ, "AWS::ApiGateway::") || strings.HasPrefix(typ, "AWS::ApiGatewayV2::")
}

// collectAPIs finds the template's APIs and the events that add to them.
func (l *loader) collectAPIs() {
	for _, name := range sortedKeys(l.resources) {
		res := l.resources[name]
		ptr := at("/Resources", name)
		switch typ := fmt.Sprint(res["Type"]); typ {
		case typeAPI, typeHTTPAPI:
			props, ok := res["Properties"].(map[string]any)
			if !ok && res["Properties"] != nil {
				l.probs.add(at(ptr, "Properties"), "must be an object")
			}
			l.apis[name] = &apiSpec{name: name, http: typ == typeHTTPAPI, ptr: ptr, props: props}
		case "AWS::Serverless::WebSocketApi":
			l.probs.add(at(ptr, "Type"), "%s: apigw's sam serves REST and HTTP APIs (package websocket serves WebSocket APIs in Go)", typ)
		case "AWS::Serverless::StateMachine":
			props, _ := res["Properties"].(map[string]any)
			events, _ := props["Events"].(map[string]any)
			for _, en := range sortedKeys(events) {
				ev, _ := events[en].(map[string]any)
				if typ := fmt.Sprint(ev["Type"]); typ == "Api" || typ == "HttpApi" {
					l.probs.add(at(ptr, "Properties", "Events", en), "a state machine's %s event (a Step Functions integration) is not supported", typ)
				}
			}
		default:
			if apiGatewayResource(typ) {
				l.probs.add(at(ptr, "Type"), "%s: apigw serves the APIs of SAM resources (AWS::Serverless::Api, AWS::Serverless::HttpApi) and function events, and applies no CloudFormation resource to them", typ)
			}
		}
	}
	for _, name := range sortedKeys(l.resources) {
		res := l.resources[name]
		if fmt.Sprint(res["Type"]) != typeFunction {
			continue
		}
		ptr := at("/Resources", name, "Properties", "Events")
		props, _ := res["Properties"].(map[string]any)
		events, _ := props["Events"].(map[string]any)
		for _, en := range sortedKeys(events) {
			ep := at(ptr, en)
			ev, _ := events[en].(map[string]any)
			typ := fmt.Sprint(ev["Type"])
			if typ != "Api" && typ != "HttpApi" {
				continue // not an API event: another service calls the function
			}
			eprops, ok := l.r.resolve(at(ep, "Properties"), ev["Properties"]).(map[string]any)
			if !ok && ev["Properties"] != nil {
				// SAM refuses it; read as none, it would make an HTTP
				// API's $default route.
				l.probs.add(at(ep, "Properties"), "must be an object")
				continue
			}
			if eprops == nil {
				eprops = map[string]any{}
			}
			e := &event{function: name, name: en, ptr: ep, props: eprops}
			idKey, implicit := "RestApiId", implicitREST
			if typ == "HttpApi" {
				idKey, implicit = "ApiId", implicitHTTP
			}
			apiName := implicit
			if id, ok := eprops[idKey]; ok {
				s, isString := id.(string)
				if !isString || l.apis[s] == nil {
					l.probs.add(at(ep, "Properties", idKey), "%v: not an %s of this template", id, map[bool]string{true: typeHTTPAPI, false: typeAPI}[typ == "HttpApi"])
					continue
				}
				if l.apis[s].http != (typ == "HttpApi") {
					l.probs.add(at(ep, "Properties", idKey), "a %s event cannot add to %s, an API of the other kind", typ, s)
					continue
				}
				apiName = s
			}
			spec := l.apis[apiName]
			if spec == nil {
				spec = &apiSpec{name: apiName, http: typ == "HttpApi", ptr: ep}
				l.apis[apiName] = spec
			}
			spec.events = append(spec.events, e)
		}
	}
}
