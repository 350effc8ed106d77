package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/decoded"
	"github.com/apigw/apigw/internal/lambdaevent"
	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
)

// iamAuthorizer is the name of the AWS_IAM authorizer that
// x-amazon-apigateway-auth and awsSigv4 schemes share.
const iamAuthorizer = "AWS_IAM"

// scheme is a security scheme as apigw uses it: the API key, or an
// authorizer given to gateway.WithAuthorizer under the scheme's name.
type scheme struct {
	apiKey     bool
	authorizer string // the gateway's name for it
	kind       string // token, request, cognito_user_pools, jwt, AWS_IAM
	broken     bool   // its problems are reported
}

// loadSchemes builds the authorizers of the security schemes.
func (l *loader) loadSchemes() {
	l.schemes = map[string]*scheme{}
	l.authorizer = map[string]bool{}
	if l.d.t.Components == nil {
		return
	}
	ss := l.d.t.Components.SecuritySchemes
	for _, name := range sortedKeys(ss) {
		ptr := l.schemePtr(name)
		ref := ss[name]
		if ref == nil || ref.Value == nil {
			l.probs.add(ptr, "a security scheme must be written out")
			continue
		}
		sc := l.loadScheme(ptr, name, ref.Value)
		if sc == nil {
			sc = &scheme{broken: true} // reported: its uses are not
		}
		l.schemes[name] = sc
	}
}

func (l *loader) loadScheme(ptr pointer, name string, s *openapi3.SecurityScheme) *scheme {
	l.schemeFields(ptr, s)
	for _, k := range sortedKeys(s.Extensions) {
		if strings.HasPrefix(k, extPrefix) && k != extAuthorizer && k != extAuthType {
			l.probs.add(ptr.at(k), "apigw does not know this API Gateway extension of a security scheme")
		}
	}
	authType, _ := s.Extensions[extAuthType].(string)
	spec, hasAuthorizer := s.Extensions[extAuthorizer]
	switch {
	case hasAuthorizer && name == iamAuthorizer:
		// x-amazon-apigateway-auth AWS_IAM and awsSigv4 schemes name
		// the AWS_IAM authorizer so: another under this name would
		// take their methods.
		l.probs.add(ptr, "%s is the name of API Gateway's IAM authorization: give this authorizer another", iamAuthorizer)
		return nil
	case hasAuthorizer:
		m, ok := spec.(map[string]any)
		if !ok {
			l.probs.add(ptr.at(extAuthorizer), "must be an object")
			return nil
		}
		return l.loadAuthorizer(ptr, name, s, m)
	case strings.EqualFold(authType, "awsSigv4"):
		l.addIAM(ptr.at(extAuthType))
		return &scheme{authorizer: iamAuthorizer, kind: iamAuthorizer}
	case s.Type == "apiKey" && s.In == "header" && strings.EqualFold(s.Name, "x-api-key"):
		return &scheme{apiKey: true}
	}
	l.probs.add(ptr, "API Gateway knows a security scheme by x-amazon-apigateway-authorizer, by x-amazon-apigateway-authtype awsSigv4, or as the x-api-key header's API key")
	return nil
}

// authorizerSpec is an x-amazon-apigateway-authorizer.
type authorizerSpec struct {
	typ                  string
	uri                  string
	identitySource       []string
	validationExpression string
	ttl                  *time.Duration
	providerARNs         []string
	issuer               string
	audience             []string
	payloadVersion       string
	simpleResponses      bool
}

func (l *loader) loadAuthorizer(ptr pointer, name string, s *openapi3.SecurityScheme, m map[string]any) *scheme {
	ap := ptr.at(extAuthorizer)
	var spec authorizerSpec
	for _, k := range sortedKeys(m) {
		kp := ap.at(k)
		v := m[k]
		switch k {
		case "type":
			spec.typ = strings.ToLower(fmt.Sprint(v))
		case "authorizerUri":
			spec.uri, _ = v.(string)
		case "identitySource":
			str, ok := v.(string)
			if !ok {
				l.probs.add(kp, "must be a string of comma-separated identity sources")
				continue
			}
			for _, src := range strings.Split(str, ",") {
				if src = strings.TrimSpace(src); src != "" {
					spec.identitySource = append(spec.identitySource, src)
				}
			}
		case "identityValidationExpression":
			spec.validationExpression, _ = v.(string)
		case "authorizerResultTtlInSeconds":
			n, ok := number(v)
			if !ok || n < 0 || n > 3600 {
				l.probs.add(kp, "must be 0 to 3600 seconds")
				continue
			}
			d := time.Duration(n) * time.Second
			spec.ttl = &d
		case "providerARNs":
			list, ok := decoded.StringList(v)
			if !ok {
				l.probs.add(kp, "must be a list of user pool ARNs")
			}
			spec.providerARNs = list
		case "jwtConfiguration":
			jc, ok := v.(map[string]any)
			if !ok {
				l.probs.add(kp, "must be an object with issuer and audience")
				continue
			}
			for _, jk := range sortedKeys(jc) {
				switch jk {
				case "issuer":
					spec.issuer, _ = jc[jk].(string)
				case "audience":
					list, ok := decoded.StringList(jc[jk])
					if !ok || len(list) == 0 || slices.Contains(list, "") {
						// Without one, the authorizer would take a token the
						// issuer made for any application.
						l.probs.add(kp.at(jk), "must be a list of one or more audiences")
					}
					spec.audience = list
				default:
					l.probs.add(kp.at(jk), "unknown property of a JWT configuration")
				}
			}
			if _, ok := jc["audience"]; !ok {
				l.probs.add(kp.at("audience"), "required: the audiences a token's aud (or client_id) must name, as AWS requires")
			}
		case "authorizerPayloadFormatVersion":
			spec.payloadVersion = versionString(v)
		case "enableSimpleResponses":
			spec.simpleResponses, _ = v.(bool)
		case "authorizerCredentials":
			// The IAM role API Gateway assumes to invoke the function:
			// in-process and local endpoints need none.
		default:
			l.probs.add(kp, "unknown property of %s", extAuthorizer)
		}
	}
	sc := &scheme{authorizer: name, kind: spec.typ}
	if a, ok := l.b.Authorizers[name]; ok {
		l.def = append(l.def, gateway.WithAuthorizer(name, a))
		l.authorizer[name] = true
		return sc
	}
	var a authorizer.Authorizer
	switch {
	case l.http && (spec.typ == "token" || spec.typ == "cognito_user_pools"):
		l.probs.add(ap.at("type"), "%s: HTTP APIs have Lambda (request) and JWT authorizers (a Cognito user pool is a JWT issuer)", spec.typ)
		return nil
	case !l.http && spec.typ == "jwt":
		l.probs.add(ap.at("type"), "jwt: REST APIs have token, request and cognito_user_pools authorizers")
		return nil
	}
	switch spec.typ {
	case "token":
		a = l.tokenAuthorizer(ap, s, spec)
	case "request":
		a = l.requestAuthorizer(ap, s, spec)
	case "cognito_user_pools":
		a = l.cognitoAuthorizer(ap, name, s, spec)
	case "jwt":
		a = l.jwtAuthorizer(ap, name, s, spec)
	default:
		l.probs.add(ap.at("type"), "%q: not an authorizer type (token, request, cognito_user_pools, jwt)", spec.typ)
	}
	if a == nil {
		return nil
	}
	l.def = append(l.def, gateway.WithAuthorizer(name, a))
	l.authorizer[name] = true
	return sc
}

func versionString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return fmt.Sprint(v)
}

// authFunction returns the Invoker of an authorizer's function.
func (l *loader) authFunction(ptr pointer, uri string) lambdaevent.Invoker {
	if uri == "" {
		l.probs.add(ptr, "authorizerUri: required for a Lambda authorizer")
		return nil
	}
	ref, err := parseLambdaURI(uri)
	if err != nil {
		l.probs.add(ptr.at("authorizerUri"), "%v", err)
		return nil
	}
	fn, err := l.b.function(ref, l.o.Check)
	if err != nil {
		l.probs.add(ptr.at("authorizerUri"), "%v", err)
		return nil
	}
	inv, err := lambdaevent.NewInvoker(fn)
	if err != nil {
		l.probs.add(ptr.at("authorizerUri"), "function %s: %v", ref, err)
		return nil
	}
	return inv
}

func (l *loader) ttl(spec authorizerSpec) time.Duration {
	switch {
	case spec.ttl == nil && l.http:
		return authorizer.NoCache // HTTP APIs cache only when told
	case spec.ttl == nil:
		return 0 // AWS's default, 300 s
	case *spec.ttl == 0:
		return authorizer.NoCache
	}
	return *spec.ttl
}

func (l *loader) tokenAuthorizer(ptr pointer, s *openapi3.SecurityScheme, spec authorizerSpec) authorizer.Authorizer {
	inv := l.authFunction(ptr, spec.uri)
	if inv == nil {
		return nil
	}
	header := s.Name
	if len(spec.identitySource) > 0 {
		header = spec.identitySource[0]
	}
	if len(spec.identitySource) > 1 {
		l.probs.add(ptr.at("identitySource"), "a TOKEN authorizer has one identity source, a header")
	}
	a, err := authorizer.NewToken(authorizer.TokenConfig{
		Func:                 invokeAs[events.APIGatewayCustomAuthorizerRequest, events.APIGatewayCustomAuthorizerResponse](inv),
		Header:               header,
		ValidationExpression: spec.validationExpression,
		TTL:                  l.ttl(spec),
		Now:                  l.b.Now,
	})
	if err != nil {
		l.probs.add(ptr, "%v", err)
		return nil
	}
	return a
}

func (l *loader) requestAuthorizer(ptr pointer, s *openapi3.SecurityScheme, spec authorizerSpec) authorizer.Authorizer {
	inv := l.authFunction(ptr, spec.uri)
	if inv == nil {
		return nil
	}
	if spec.validationExpression != "" {
		l.probs.add(ptr.at("identityValidationExpression"), "only TOKEN authorizers validate their identity")
	}
	sources := spec.identitySource
	if len(sources) == 0 && s.Name != "" && s.Name != "Unused" {
		switch s.In {
		case "header":
			sources = []string{"method.request.header." + s.Name}
		case "query":
			sources = []string{"method.request.querystring." + s.Name}
		}
	}
	cfg := authorizer.RequestConfig{IdentitySources: sources, TTL: l.ttl(spec), Now: l.b.Now}
	version := spec.payloadVersion
	if version == "" {
		version = "1.0"
		if l.http {
			version = "2.0"
		}
	}
	switch {
	case version == "1.0" && !spec.simpleResponses:
		cfg.Func = invokeAs[events.APIGatewayCustomAuthorizerRequestTypeRequest, events.APIGatewayCustomAuthorizerResponse](inv)
	case version == "2.0" && spec.simpleResponses:
		cfg.SimpleFunc = invokeAs[events.APIGatewayV2CustomAuthorizerV2Request, events.APIGatewayV2CustomAuthorizerSimpleResponse](inv)
	case version == "1.0":
		l.probs.add(ptr.at("enableSimpleResponses"), "simple responses need authorizerPayloadFormatVersion 2.0")
		return nil
	case version == "2.0":
		l.probs.add(ptr.at("authorizerPayloadFormatVersion"), "a payload 2.0 authorizer answering with an IAM policy is not supported (package authorizer takes 1.0 policies and 2.0 simple responses); set enableSimpleResponses or use 1.0")
		return nil
	default:
		l.probs.add(ptr.at("authorizerPayloadFormatVersion"), "%q: must be 1.0 or 2.0", version)
		return nil
	}
	a, err := authorizer.NewRequest(cfg)
	if err != nil {
		l.probs.add(ptr, "%v", err)
		return nil
	}
	return a
}

func (l *loader) cognitoAuthorizer(ptr pointer, name string, s *openapi3.SecurityScheme, spec authorizerSpec) authorizer.Authorizer {
	if len(spec.providerARNs) != 1 {
		l.probs.add(ptr.at("providerARNs"), "apigw verifies the tokens of one user pool: give exactly one ARN")
		return nil
	}
	// arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID
	parts := strings.SplitN(spec.providerARNs[0], ":", 6)
	pool, ok := "", len(parts) == 6 && parts[0] == "arn" && parts[2] == "cognito-idp"
	if ok {
		pool, ok = strings.CutPrefix(parts[5], "userpool/")
	}
	if !ok || pool == "" || parts[3] == "" {
		l.probs.add(ptr.at("providerARNs", "0"), "%q is not a user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID)", spec.providerARNs[0])
		return nil
	}
	cfg, err := authorizer.CognitoConfig{Region: parts[3], UserPoolID: pool}.JWTConfig()
	if err != nil {
		l.probs.add(ptr.at("providerARNs", "0"), "%v", err)
		return nil
	}
	cfg.Header = s.Name
	if len(spec.identitySource) == 1 {
		cfg.Header = spec.identitySource[0]
	} else if len(spec.identitySource) > 1 {
		l.probs.add(ptr.at("identitySource"), "a Cognito authorizer reads one header")
	}
	return l.buildJWT(ptr, name, cfg)
}

func (l *loader) jwtAuthorizer(ptr pointer, name string, s *openapi3.SecurityScheme, spec authorizerSpec) authorizer.Authorizer {
	issuer := spec.issuer
	if issuer == "" && s.OpenIdConnectUrl != "" {
		issuer = strings.TrimSuffix(s.OpenIdConnectUrl, "/.well-known/openid-configuration")
	}
	if issuer == "" {
		l.probs.add(ptr.at("jwtConfiguration", "issuer"), "required")
		return nil
	}
	cfg := authorizer.JWTConfig{Issuer: issuer, Audience: spec.audience}
	if strings.HasPrefix(issuer, "https://cognito-idp.") {
		cfg.JWKSURL = issuer + "/.well-known/jwks.json"
	}
	switch len(spec.identitySource) {
	case 0:
	case 1:
		cfg.Header = spec.identitySource[0]
	default:
		l.probs.add(ptr.at("identitySource"), "a JWT authorizer reads one header")
	}
	return l.buildJWT(ptr, name, cfg)
}

// buildJWT lets Bindings.JWT adjust cfg and builds the authorizer.
func (l *loader) buildJWT(ptr pointer, name string, cfg authorizer.JWTConfig) authorizer.Authorizer {
	cfg.Now = l.b.Now
	if l.b.JWT != nil {
		l.b.JWT(name, &cfg)
	}
	if cfg.Keys != nil {
		cfg.JWKSURL = ""
	}
	if cfg.JWKSURL == "" && cfg.Keys == nil {
		if !l.o.Check {
			l.probs.add(ptr, "issuer %q is not a Cognito user pool: give its JWKS URL or keys with Bindings.JWT (apigw does no OpenID discovery)", cfg.Issuer)
			return nil
		}
		cfg.JWKSURL = strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/jwks.json"
	}
	a, err := authorizer.NewJWT(cfg)
	if err != nil {
		l.probs.add(ptr, "%v", err)
		return nil
	}
	return a
}

// addIAM adds the AWS_IAM authorizer once.
func (l *loader) addIAM(ptr pointer) {
	if l.authorizer[iamAuthorizer] {
		return
	}
	l.authorizer[iamAuthorizer] = true
	if a, ok := l.b.Authorizers[iamAuthorizer]; ok {
		l.def = append(l.def, gateway.WithAuthorizer(iamAuthorizer, a))
		return
	}
	creds := l.b.Credentials
	if creds == nil {
		if !l.o.Check {
			l.probs.add(ptr, "AWS_IAM authorization needs Bindings.Credentials to look up the callers' access keys")
			return
		}
		creds = iam.CredentialsFunc(func(context.Context, string) (iam.Credential, error) {
			return iam.Credential{}, iam.ErrUnknownAccessKey
		})
	}
	a, err := iam.New(iam.Config{Region: l.region, Credentials: creds, Now: l.b.Now})
	if err != nil {
		l.probs.add(ptr, "%v", err)
		return
	}
	l.def = append(l.def, gateway.WithAuthorizer(iamAuthorizer, a))
}

// Security requirement names that SAM writes as markers and leaves in the
// definitions it deploys: an event's Auth.Authorizer NONE and
// ApiKeyRequired false. API Gateway's import passes over them.
const (
	markerNone     = "NONE"
	markerNoAPIKey = "api_key_false"
	implicitAPIKey = "api_key"
)

// security sets the method's authorizer and API key requirement from its
// security requirements and x-amazon-apigateway-auth.
//
// A REST API's method has the security its operation writes: API Gateway
// ignores the document's root-level security ("Amazon API Gateway
// important notes for REST APIs"), so a method that relies on it is a
// problem — AWS would serve it open. Its requirement objects all apply
// (SAM writes an authorizer and the API key as two); an HTTP API's
// operation takes one, else the root's.
func (l *loader) security(ptr pointer, op *openapi3.Operation, m *gateway.Method) {
	reqs := l.d.t.Security
	sp := pointer("").at("security")
	if op.Security != nil {
		reqs, sp = *op.Security, ptr.at("security")
	} else if len(reqs) > 0 && !l.http {
		l.probs.add(ptr, "no security of its own: API Gateway ignores the security at the root of a REST API's definition, so AWS would serve this method without it; write it on the operation (security: [] for an open method)")
		return
	}
	authType := ""
	if v, ok := op.Extensions[extAuth]; ok {
		spec, ok := v.(map[string]any)
		if !ok {
			l.probs.add(ptr.at(extAuth), "must be an object with type")
		} else {
			for _, k := range sortedKeys(spec) {
				if k != "type" {
					l.probs.add(ptr.at(extAuth, k), "unknown property of %s", extAuth)
				}
			}
			authType = strings.ToUpper(fmt.Sprint(spec["type"]))
			switch authType {
			case "NONE":
			case iamAuthorizer:
				l.addIAM(ptr.at(extAuth))
				m.Authorizer = iamAuthorizer
			default:
				l.probs.add(ptr.at(extAuth, "type"), "%q: must be NONE or AWS_IAM", spec["type"])
			}
		}
	}
	if len(reqs) > 1 && l.http {
		l.probs.add(sp, "an HTTP API's method takes one security requirement (API Gateway refuses several)")
		return
	}
	authorizerAt := pointer("")
	for i, req := range reqs {
		rp := sp.at(strconv.Itoa(i))
		for _, name := range sortedKeys(req) {
			np := rp.at(name)
			sc, ok := l.schemes[name]
			switch {
			case !ok && name == implicitAPIKey:
				sc = &scheme{apiKey: true} // API Gateway's implicit API key scheme
			case !ok && (name == markerNone || name == markerNoAPIKey):
				continue
			case !ok:
				l.probs.add(np, "no security scheme %q", name)
				continue
			}
			if sc.broken {
				continue
			}
			if sc.apiKey && l.http {
				l.probs.add(np, "HTTP APIs have no API keys")
				continue
			}
			if sc.apiKey {
				m.APIKeyRequired = true
				l.apiKeys = true
				continue
			}
			if authType != "" && sc.authorizer != m.Authorizer {
				l.probs.add(np, "x-amazon-apigateway-auth %s already sets the method's authorization: a method has one (write one of them)", authType)
				continue
			}
			if m.Authorizer != "" && m.Authorizer != sc.authorizer {
				l.probs.add(np, "a method has one authorizer: %s already names %q", authorizerAt, m.Authorizer)
				continue
			}
			m.Authorizer, authorizerAt = sc.authorizer, np
			if scopes := req[name]; len(scopes) > 0 {
				if sc.kind != "cognito_user_pools" && sc.kind != "jwt" {
					l.probs.add(np, "scopes are checked only by Cognito and JWT authorizers")
					continue
				}
				m.AuthorizationScopes = append([]string(nil), scopes...)
			}
		}
	}
}

// invokeAs turns an Invoker into a typed function: the request marshalled
// to JSON, the answer unmarshalled from it, as Lambda does.
func invokeAs[Req, Resp any](inv lambdaevent.Invoker) func(context.Context, Req) (Resp, error) {
	return func(ctx context.Context, req Req) (Resp, error) {
		var resp Resp
		payload, err := json.Marshal(req)
		if err != nil {
			return resp, err
		}
		out, err := inv.Invoke(ctx, payload)
		if err != nil {
			return resp, err
		}
		if err := unmarshalExact(out, &resp); err != nil {
			return resp, fmt.Errorf("openapi: the function's answer is not the expected JSON: %w", err)
		}
		return resp, nil
	}
}
