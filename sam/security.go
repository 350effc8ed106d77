package sam

import (
	"reflect"
	"strings"
)

// Security requirement names of SAM's: the API key's scheme, the IAM
// scheme, and the markers an event's Auth leaves for the API's defaults
// (Authorizer: NONE, ApiKeyRequired: false).
const (
	schemeAPIKey   = "api_key"
	schemeIAM      = "AWS_IAM"
	markerNone     = "NONE"
	markerNoAPIKey = "api_key_false"
)

// eventAuth writes an event's Auth into its operation as SAM's translator
// does: the authorizer (or the NONE marker) and the API key requirement
// (or the api_key_false marker), each a security requirement object. The
// API's DefaultAuthorizer and ApiKeyRequired are laid over every method of
// the document afterwards (defaultAuth), markers honoured.
func (l *loader) eventAuth(ptr string, spec *apiSpec, auth map[string]any, op map[string]any, g *docGen) {
	a := l.apiAuth[spec.name]
	if a == nil {
		a = &apiAuth{}
	}
	var security []any
	for _, k := range sortedKeys(auth) {
		v := auth[k]
		switch k {
		case "Authorizer", "AuthorizationScopes", "OverrideApiAuth":
		case "ApiKeyRequired":
			if spec.http {
				l.probs.add(at(ptr, k), "HTTP APIs have no API keys")
				continue
			}
			required, ok := v.(bool)
			if !ok {
				l.probs.add(at(ptr, k), "must be true or false")
				continue
			}
			if required {
				security = append(security, map[string]any{schemeAPIKey: []any{}})
				g.apiKeyScheme()
			} else {
				security = append(security, map[string]any{markerNoAPIKey: []any{}})
			}
		case "InvokeRole":
			// The role API Gateway assumes to invoke the function.
		default:
			l.probs.add(at(ptr, k), "apigw does not honour this property of an event's Auth")
		}
	}
	if override, _ := auth["OverrideApiAuth"].(bool); override && !spec.http {
		_, authorizer := auth["Authorizer"]
		_, key := auth["ApiKeyRequired"]
		_, policy := auth["ResourcePolicy"]
		if !authorizer && !key && !policy {
			l.probs.add(at(ptr, "OverrideApiAuth"), "must come with Authorizer, ApiKeyRequired or ResourcePolicy, as SAM says")
		}
	}
	var scopes []any
	scopesGiven := false
	if v, ok := auth["AuthorizationScopes"]; ok {
		list, isList := v.([]any)
		if !isList {
			l.probs.add(at(ptr, "AuthorizationScopes"), "must be a list of scopes")
		}
		// A REST API's event overrides the authorizer's scopes with its
		// own, none included; an HTTP API's only with some.
		scopes, scopesGiven = list, !spec.http || len(list) > 0
	}
	name, named := auth["Authorizer"].(string)
	switch {
	case !named && spec.http && len(auth) > 0 && a.defaultAuthorizer != "":
		// SAM applies an HTTP API's event Auth to the default authorizer.
		name, named = a.defaultAuthorizer, true
	case !named && spec.http && len(auth) > 0:
		l.probs.add(ptr, "an HttpApi event's Auth needs an Authorizer, or the API's DefaultAuthorizer")
	case !named && scopes != nil && len(scopes) > 0:
		l.probs.add(at(ptr, "AuthorizationScopes"), "AuthorizationScopes works only when Authorizer is set")
	}
	if _, ok := auth["Authorizer"]; ok && !named {
		l.probs.add(at(ptr, "Authorizer"), "must be the name of an authorizer, NONE or AWS_IAM")
	}
	if named {
		switch {
		case name == markerNone && a.defaultAuthorizer == "":
			l.probs.add(at(ptr, "Authorizer"), "NONE lifts the API's DefaultAuthorizer, and there is none (SAM refuses it)")
		case name == markerNone:
			security = append([]any{map[string]any{markerNone: []any{}}}, security...)
		case name == schemeIAM && !(spec.http && a.authorizers[name] && !a.iam):
			if spec.http && !a.iam {
				l.probs.add(at(ptr, "Authorizer"), "AWS_IAM needs the API's Auth.EnableIamAuthorizer")
				break
			}
			security = append([]any{map[string]any{schemeIAM: []any{}}}, security...)
			g.iamScheme()
		case !a.authorizers[name]:
			l.probs.add(at(ptr, "Authorizer"), "no authorizer %q in the API's Auth.Authorizers", name)
		default:
			if !scopesGiven {
				scopes = a.scopes[name]
			}
			if scopes == nil || name == schemeIAM {
				scopes = []any{}
			}
			security = append([]any{map[string]any{name: scopes}}, security...)
		}
	}
	if len(security) > 0 {
		existing, _ := op["security"].([]any)
		op["security"] = append(existing, security...)
	}
}

// defaultAuth lays the API's DefaultAuthorizer and ApiKeyRequired over
// every method of its document that has an integration — the events', the
// DefinitionBody's and the CORS preflights' (unless
// AddDefaultAuthorizerToCorsPreflight or AddApiKeyRequiredToCorsPreflight
// is false) — as SAM's translator does: a method's own authorizer or NONE
// marker keeps the default authorizer off, its api_key_false marker the API
// key. An HTTP API's default authorizer goes to each method without
// security but OPTIONS (HTTP APIs answer preflights themselves).
func (l *loader) defaultAuth(spec *apiSpec, g *docGen) {
	a := l.apiAuth[spec.name]
	if a == nil {
		return
	}
	if a.apiKeyRequired {
		g.apiKeyScheme()
	}
	if a.defaultAuthorizer == schemeIAM {
		g.iamScheme()
	}
	for _, m := range g.methods() {
		if _, ok := m.op["x-amazon-apigateway-integration"]; !ok {
			continue
		}
		preflight := m.method == "options"
		switch {
		case spec.http:
			if a.defaultAuthorizer == "" || preflight {
				continue
			}
			if sec, _ := m.op["security"].([]any); len(sec) > 0 {
				continue
			}
			m.op["security"] = []any{map[string]any{a.defaultAuthorizer: a.scopesOf(a.defaultAuthorizer)}}
		default:
			if a.defaultAuthorizer != "" && !(preflight && a.noPreflightAuthorizer) {
				a.defaultAuthorizerOf(m.op)
			}
			if a.apiKeyRequired {
				a.defaultAPIKeyOf(m.op, preflight)
			}
		}
	}
}

// scopesOf returns the scopes an authorizer's AuthorizationScopes give the
// methods it protects by default.
func (a *apiAuth) scopesOf(name string) []any {
	if s := a.scopes[name]; s != nil {
		return s
	}
	return []any{}
}

// defaultAuthorizerOf gives a REST API's method the default authorizer,
// unless it names one or the NONE marker (which is removed).
func (a *apiAuth) defaultAuthorizerOf(op map[string]any) {
	existing, _ := op["security"].([]any)
	var others, authorizers []any
	for _, e := range existing {
		req, _ := e.(map[string]any)
		named := false
		for name := range req {
			if name == schemeIAM || a.authorizers[name] {
				named = true
			}
		}
		if named {
			authorizers = append(authorizers, e)
		} else {
			others = append(others, e)
		}
	}
	none := -1
	for i, e := range others {
		if req, _ := e.(map[string]any); req != nil {
			if _, ok := req[markerNone]; ok {
				none = i
				break
			}
		}
	}
	switch {
	case none >= 0:
		others = append(others[:none:none], others[none+1:]...)
	case len(authorizers) == 0:
		authorizers = []any{map[string]any{a.defaultAuthorizer: a.scopesOf(a.defaultAuthorizer)}}
	}
	// As SAM: an empty result leaves the method's security as it was (a
	// lone NONE marker, which adds nothing).
	if security := append(others, authorizers...); len(security) > 0 {
		op["security"] = security
	}
}

// defaultAPIKeyOf makes a REST API's method require the API key, unless
// it carries the api_key_false marker (removed, with any API key
// requirement); a preflight keeps its requirements but the key's when
// AddApiKeyRequiredToCorsPreflight is false.
func (a *apiAuth) defaultAPIKeyOf(op map[string]any, preflight bool) {
	existing, _ := op["security"].([]any)
	var others []any
	optOut := false
	for _, e := range existing {
		req, _ := e.(map[string]any)
		_, key := req[schemeAPIKey]
		_, noKey := req[markerNoAPIKey]
		switch {
		case noKey:
			optOut = true
		case key:
		default:
			others = append(others, e)
		}
	}
	security := others
	if !optOut && !(preflight && a.noPreflightAPIKey) {
		security = append(security, map[string]any{schemeAPIKey: []any{}})
	}
	if security == nil {
		security = []any{}
	}
	if !reflect.DeepEqual(security, existing) && (len(security) > 0 || len(existing) > 0) {
		op["security"] = security
	}
}

// iamScheme adds the security scheme SAM generates for AWS_IAM.
func (g *docGen) iamScheme() {
	schemes, _ := g.schemes()
	if _, ok := schemes[schemeIAM]; !ok {
		schemes[schemeIAM] = map[string]any{"type": "apiKey", "name": "Authorization", "in": "header",
			"x-amazon-apigateway-authtype": "awsSigv4"}
	}
}

// docMethod is one method of the document's paths.
type docMethod struct {
	path, method string // method as the document keys it: get, x-amazon-apigateway-any-method
	op           map[string]any
}

// methods lists the document's methods, by path and method.
func (g *docGen) methods() []docMethod {
	paths, _ := g.doc["paths"].(map[string]any)
	var out []docMethod
	for _, path := range sortedKeys(paths) {
		item, _ := paths[path].(map[string]any)
		for _, method := range sortedKeys(item) {
			if !isMethodKey(method) {
				continue
			}
			if op, ok := item[method].(map[string]any); ok {
				out = append(out, docMethod{path: path, method: strings.ToLower(method), op: op})
			}
		}
	}
	return out
}

func isMethodKey(k string) bool {
	switch strings.ToLower(k) {
	case "get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method":
		return true
	}
	return false
}

// outsideBody reports an API whose Auth, Cors, GatewayResponses or
// Models SAM refuses: they are added to a DefinitionBody, and a
// DefinitionUri's file is not SAM's to change.
func (l *loader) outsideBody(ptr, property string) {
	l.probs.add(ptr, "%s works only with an inline definition (DefinitionBody), as SAM says: a DefinitionUri's file is deployed as it is", property)
}
