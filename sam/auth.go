package sam

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apigw/apigw/internal/decoded"
)

// apiAuth is what an API's Auth says about its events.
type apiAuth struct {
	defaultAuthorizer string
	defaultPtr        string
	apiKeyRequired    bool
	iam               bool
	authorizers       map[string]bool
	scopes            map[string][]any // an authorizer's AuthorizationScopes, for the methods it protects
	usagePlan         map[string]any
	usagePlanPtr      string

	// AddDefaultAuthorizerToCorsPreflight and
	// AddApiKeyRequiredToCorsPreflight false (SAM's default is true).
	noPreflightAuthorizer, noPreflightAPIKey bool
}

// auth reads an API's Auth: its authorizers become the document's
// security schemes, its defaults apply to the events.
func (l *loader) auth(ptr string, spec *apiSpec, v any, g *docGen, api *API) {
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object")
		return
	}
	a := &apiAuth{authorizers: map[string]bool{}, scopes: map[string][]any{}}
	l.apiAuth[spec.name] = a
	for _, k := range sortedKeys(m) {
		kp := at(ptr, k)
		v := m[k]
		switch {
		case k == "Authorizers":
			auths, ok := v.(map[string]any)
			if !ok {
				l.probs.add(kp, "must be an object of authorizers by name")
				continue
			}
			for _, name := range sortedKeys(auths) {
				auth, ok := auths[name].(map[string]any)
				if !ok {
					l.probs.add(at(kp, name), "must be an object")
					continue
				}
				var scheme map[string]any
				if spec.http {
					scheme = l.httpAuthorizer(at(kp, name), name, auth, a)
				} else {
					scheme = l.restAuthorizer(at(kp, name), name, auth, a)
				}
				if scheme == nil {
					continue
				}
				schemes, base := g.schemes()
				schemes[name] = scheme
				g.origins = append(g.origins, origin{docPrefix: at(base, name), target: at(kp, name)})
				a.authorizers[name] = true
			}
		case k == "DefaultAuthorizer":
			name, ok := v.(string)
			if !ok {
				// Dropped, it would leave every method open.
				l.probs.add(kp, "must be the name of an authorizer, or AWS_IAM")
			}
			a.defaultAuthorizer, a.defaultPtr = name, kp
		case k == "ApiKeyRequired" && !spec.http:
			if on := boolSetting(l, kp, v); on != nil {
				a.apiKeyRequired = *on
			}
		case k == "UsagePlan" && !spec.http:
			a.usagePlan, _ = v.(map[string]any)
			a.usagePlanPtr = kp
		case k == "ResourcePolicy" && !spec.http:
			l.resourcePolicy(kp, v, g)
		case k == "EnableIamAuthorizer" && spec.http:
			a.iam, _ = v.(bool)
		case k == "AddDefaultAuthorizerToCorsPreflight" && !spec.http, k == "AddApiKeyRequiredToCorsPreflight" && !spec.http:
			on, ok := v.(bool)
			if !ok {
				l.probs.add(kp, "must be true or false")
				continue
			}
			if k == "AddDefaultAuthorizerToCorsPreflight" {
				a.noPreflightAuthorizer = !on
			} else {
				a.noPreflightAPIKey = !on
			}
		case k == "InvokeRole":
			// The role API Gateway assumes to invoke the functions.
		default:
			l.probs.add(kp, "apigw does not honour this property of an API's Auth")
		}
	}
	if a.defaultAuthorizer != "" && a.defaultAuthorizer != "AWS_IAM" && a.defaultAuthorizer != "NONE" && !a.authorizers[a.defaultAuthorizer] {
		l.probs.add(a.defaultPtr, "no authorizer %q in Authorizers", a.defaultAuthorizer)
		a.defaultAuthorizer = ""
	}
}

// restAuthorizer turns an AWS::Serverless::Api authorizer into the
// security scheme SAM generates for it.
func (l *loader) restAuthorizer(ptr, name string, spec map[string]any, a *apiAuth) map[string]any {
	identity, _ := spec["Identity"].(map[string]any)
	ext := map[string]any{}
	scheme := map[string]any{"type": "apiKey", "in": "header", "name": "Authorization", "x-amazon-apigateway-authorizer": ext}
	header := "Authorization"
	if h, ok := identity["Header"].(string); ok && h != "" {
		header = h
	}
	_, isCognito := spec["UserPoolArn"]
	payload := strings.ToUpper(fmt.Sprint(spec["FunctionPayloadType"]))
	for _, k := range sortedKeys(spec) {
		kp := at(ptr, k)
		v := spec[k]
		switch k {
		case "UserPoolArn":
			arns := []any{v}
			if list, ok := v.([]any); ok {
				arns = list
			}
			ext["type"] = "cognito_user_pools"
			ext["providerARNs"] = arns
			scheme["x-amazon-apigateway-authtype"] = "cognito_user_pools"
		case "FunctionArn":
			arn, _ := v.(string)
			ext["authorizerUri"] = "arn:aws:apigateway:" + l.r.region + ":lambda:path/2015-03-31/functions/" + arn + "/invocations"
			scheme["x-amazon-apigateway-authtype"] = "custom"
		case "FunctionPayloadType":
		case "Identity":
			l.identity(kp, identity, isCognito, payload == "REQUEST", ext, false)
		case "AuthorizationScopes":
			list, ok := v.([]any)
			switch {
			case !isCognito:
				l.probs.add(kp, "scopes are checked only by Cognito authorizers")
			case !ok:
				l.probs.add(kp, "must be a list of scopes")
			default:
				a.scopes[name] = list
			}
		case "FunctionInvokeRole", "DisableFunctionDefaultPermissions":
			// AWS's permissions to invoke the function.
		default:
			l.probs.add(kp, "apigw does not honour this property of an authorizer")
		}
	}
	if fa, has := spec["FunctionArn"]; has && fa == nil {
		return nil // its problem is reported
	}
	switch {
	case isCognito:
		ext["identitySource"] = "method.request.header." + header
		scheme["name"] = header
	case spec["FunctionArn"] == nil:
		l.probs.add(ptr, "an authorizer needs UserPoolArn (Cognito) or FunctionArn (Lambda)")
		return nil
	case payload == "REQUEST":
		ext["type"] = "request"
		scheme["name"] = "Unused"
		if ext["identitySource"] == nil && !noCache(identity) {
			// Without caching, API Gateway needs none.
			l.probs.add(at(ptr, "Identity"), "a REQUEST authorizer caching its results needs identity sources (Headers, QueryStrings, StageVariables, Context), or ReauthorizeEvery: 0")
			return nil
		}
	case payload == "TOKEN" || payload == "<NIL>":
		ext["type"] = "token"
		scheme["name"] = header
		ext["identitySource"] = "method.request.header." + header
	default:
		l.probs.add(at(ptr, "FunctionPayloadType"), "%v: must be TOKEN or REQUEST", spec["FunctionPayloadType"])
		return nil
	}
	return scheme
}

// noCache reports an authorizer Identity's ReauthorizeEvery: 0.
func noCache(identity map[string]any) bool {
	n, ok := number(identity["ReauthorizeEvery"])
	return ok && n == 0
}

// identity reads an authorizer's Identity into its extension.
func (l *loader) identity(ptr string, identity map[string]any, cognito, request bool, ext map[string]any, http bool) {
	var sources []string
	for _, k := range sortedKeys(identity) {
		kp := at(ptr, k)
		v := identity[k]
		switch k {
		case "Header":
			if request || http {
				l.probs.add(kp, "a REQUEST authorizer takes Headers")
			}
		case "ValidationExpression":
			if cognito {
				l.probs.add(kp, "a Cognito authorizer's ValidationExpression is not supported")
				continue
			}
			if request || http {
				l.probs.add(kp, "only TOKEN authorizers validate their token")
				continue
			}
			ext["identityValidationExpression"] = v
		case "ReauthorizeEvery":
			if cognito {
				continue // Cognito authorizers cache nothing
			}
			ext["authorizerResultTtlInSeconds"] = v
		case "Headers", "QueryStrings", "StageVariables", "Context":
			if !request && !http {
				l.probs.add(kp, "only REQUEST authorizers take %s", k)
				continue
			}
			list, ok := decoded.StringList(v)
			if !ok {
				l.probs.add(kp, "must be a list of names")
				continue
			}
			for _, n := range list {
				switch {
				case http && k == "Headers":
					sources = append(sources, "$request.header."+n)
				case http && k == "QueryStrings":
					sources = append(sources, "$request.querystring."+n)
				case http && k == "StageVariables":
					sources = append(sources, "$stageVariables."+n)
				case http:
					sources = append(sources, "$context."+n)
				case k == "Headers":
					sources = append(sources, "method.request.header."+n)
				case k == "QueryStrings":
					sources = append(sources, "method.request.querystring."+n)
				case k == "StageVariables":
					sources = append(sources, "stageVariables."+n)
				default:
					sources = append(sources, "context."+n)
				}
			}
		default:
			l.probs.add(kp, "apigw does not honour this property of an authorizer's Identity")
		}
	}
	if len(sources) > 0 {
		ext["identitySource"] = strings.Join(sources, ", ")
	}
}

// httpAuthorizer turns an AWS::Serverless::HttpApi authorizer into the
// security scheme SAM generates for it.
func (l *loader) httpAuthorizer(ptr, name string, spec map[string]any, a *apiAuth) map[string]any {
	ext := map[string]any{}
	scheme := map[string]any{"x-amazon-apigateway-authorizer": ext}
	_, isJWT := spec["JwtConfiguration"]
	for _, k := range sortedKeys(spec) {
		kp := at(ptr, k)
		v := spec[k]
		switch k {
		case "JwtConfiguration":
			jc, ok := v.(map[string]any)
			if !ok {
				l.probs.add(kp, "must be an object with issuer and audience")
				continue
			}
			conf := map[string]any{}
			for _, jk := range sortedKeys(jc) {
				switch strings.ToLower(jk) {
				case "issuer":
					conf["issuer"] = jc[jk]
				case "audience":
					conf["audience"] = jc[jk]
				default:
					l.probs.add(at(kp, jk), "unknown property of a JWT configuration")
				}
			}
			ext["type"] = "jwt"
			ext["jwtConfiguration"] = conf
			scheme["type"] = "oauth2"
			scheme["flows"] = map[string]any{}
		case "IdentitySource":
			ext["identitySource"] = v
		case "AuthorizationScopes":
			list, ok := v.([]any)
			if !ok {
				l.probs.add(kp, "must be a list of scopes")
			}
			a.scopes[name] = list
		case "FunctionArn":
			arn, _ := v.(string)
			ext["type"] = "request"
			ext["authorizerUri"] = "arn:aws:apigateway:" + l.r.region + ":lambda:path/2015-03-31/functions/" + arn + "/invocations"
			scheme["type"] = "apiKey"
			scheme["in"] = "header"
			scheme["name"] = "Unused"
		case "AuthorizerPayloadFormatVersion":
			ext["authorizerPayloadFormatVersion"] = version(v)
		case "EnableSimpleResponses":
			ext["enableSimpleResponses"] = v
		case "Identity":
			identity, _ := v.(map[string]any)
			l.identity(kp, identity, false, true, ext, true)
		case "FunctionInvokeRole", "EnableFunctionDefaultPermissions":
		default:
			l.probs.add(kp, "apigw does not honour this property of an HTTP API authorizer")
		}
	}
	if fa, has := spec["FunctionArn"]; has && fa == nil {
		return nil // its problem is reported
	}
	if !isJWT && spec["FunctionArn"] == nil {
		l.probs.add(ptr, "an authorizer needs JwtConfiguration or FunctionArn")
		return nil
	}
	if isJWT && ext["identitySource"] == nil {
		ext["identitySource"] = "$request.header.Authorization"
	}
	return scheme
}

// apiKeyScheme adds the api_key security scheme SAM generates.
func (g *docGen) apiKeyScheme() {
	schemes, _ := g.schemes()
	if _, ok := schemes["api_key"]; !ok {
		schemes["api_key"] = map[string]any{"type": "apiKey", "name": "x-api-key", "in": "header"}
	}
}

// resourcePolicy honours an Api's Auth.ResourcePolicy given as
// CustomStatements: the API's resource policy.
func (l *loader) resourcePolicy(ptr string, v any, g *docGen) {
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object")
		return
	}
	for _, k := range sortedKeys(m) {
		if k != "CustomStatements" {
			l.probs.add(at(ptr, k), "apigw takes a resource policy as CustomStatements only")
		}
	}
	stmts := m["CustomStatements"]
	if _, isList := stmts.([]any); !isList && stmts != nil {
		stmts = []any{stmts}
	}
	if stmts == nil {
		return
	}
	g.doc["x-amazon-apigateway-policy"] = map[string]any{"Version": "2012-10-17", "Statement": stmts}
	g.origins = append(g.origins, origin{docPrefix: "/x-amazon-apigateway-policy", target: at(ptr, "CustomStatements")})
}

// version writes a payload format version as "1.0" or "2.0", whether the
// template wrote a string or a number.
func version(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return fmt.Sprint(v)
}
