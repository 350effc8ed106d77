package sam_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Attacks on SAM templates' Auth (review atk-http): a protection SAM
// deploys must be served, or the template must fail to load with a
// problem. Tests named ...Finding fail while the finding stands.

func atkSAMBindings() sam.Bindings {
	return sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{
		"AuthFn": func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			if req.AuthorizationToken != "allow" {
				return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
			}
			return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "p", PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
				Version: "2012-10-17", Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"*"}}}}}, nil
		},
		"Fn": func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: "secret"}, nil
		},
	}}}
}

const atkSAMFunctions = `
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Handler: x, Runtime: provided.al2}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /pets, Method: get}}
`

// atkSAMServe loads tmpl; a load error is the attack held (logged). Else
// each request ("METHOD /path", optional headers as "k: v" after a "|")
// must not be served.
func atkSAMServe(t *testing.T, tmpl string, b sam.Bindings, reqs ...string) {
	t.Helper()
	api, err := sam.Load([]byte(tmpl), b)
	if err != nil {
		t.Logf("refused (held): %v", err)
		return
	}
	gw, err := newGateway(api)
	if err != nil {
		t.Logf("refused by gateway.New (held): %v", err)
		return
	}
	defer gw.Close()
	for _, r := range reqs {
		line, hdrs, _ := strings.Cut(r, "|")
		method, path, _ := strings.Cut(line, " ")
		req := httptest.NewRequest(method, path, nil)
		for _, h := range strings.Split(hdrs, ";") {
			if k, v, ok := strings.Cut(h, ":"); ok {
				req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, req)
		if w.Code < 300 {
			t.Errorf("%s: %d %s — the template protects it", r, w.Code, w.Body)
		}
	}
}

// TestAtkSAMStringApiKeyRequiredFinding: Auth.ApiKeyRequired written as
// the string 'true' (common in CloudFormation YAML, and what a
// !If/!Ref to a parameter yields) is read as false: every method is served
// without an API key. SAM's translator tests the value for truth (Python:
// any non-empty string, 'false' included) and adds the api_key requirement
// to every method, so AWS answers 403 Forbidden. The event-level
// ApiKeyRequired is checked ("must be true or false"); the API-level one
// is not. Fix: sam/auth.go, case k == "ApiKeyRequired": refuse a non-bool
// (or accept "true"/"false" as CloudFormation does) instead of
// `a.apiKeyRequired, _ = v.(bool)`. The same pattern drops EnableIamAuthorizer
// (harmless: events then fail to name AWS_IAM).
func TestAtkSAMStringApiKeyRequiredFinding(t *testing.T) {
	atkSAMServe(t, atkSAMApiKeyTemplate, atkSAMBindings(), "GET /pets")
}

const atkSAMApiKeyTemplate = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        ApiKeyRequired: 'true'
` + atkSAMFunctions

// TestAtkSAMDefaultAuthorizerNotAStringFinding: Auth.DefaultAuthorizer
// that is not a string (a list, an object) is dropped without a problem
// (`a.defaultAuthorizer, _ = v.(string)`): every method is open. SAM
// refuses such a template ("DefaultAuthorizer is not a string" — from
// memory of the translator, not verified), so the template never deploys
// open on AWS. Fix: sam/auth.go, case k == "DefaultAuthorizer": a problem
// for a non-string.
func TestAtkSAMDefaultAuthorizerNotAStringFinding(t *testing.T) {
	tmpl := `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: [Tok]
        Authorizers:
          Tok:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {ReauthorizeEvery: 0}
` + atkSAMFunctions
	atkSAMServe(t, tmpl, atkSAMBindings(), "GET /pets")
}

// TestAtkSAMHttpApiScopesNotAListFinding: an HttpApi JWT authorizer's
// AuthorizationScopes written as one string instead of a list is dropped
// (`list, _ := v.([]any)`): the default authorizer then requires no scope
// and any valid token of the issuer — an ID token, another client's token —
// reaches routes the author restricted to a scope. SAM refuses a
// non-list ("AuthorizationScopes must be a list" — from memory, not
// verified). The REST loader checks the same property ("must be a list of
// scopes"). Fix: sam/auth.go httpAuthorizer, case "AuthorizationScopes".
func TestAtkSAMHttpApiScopesNotAListFinding(t *testing.T) {
	atkSAMScopes(t, "admin/write")
}

// TestAtkSAMControls: the findings' templates with the property written
// as SAM documents it are served protected (so the findings are the
// spelling's, not the construct's).
func TestAtkSAMControls(t *testing.T) {
	t.Run("scopes as a list", func(t *testing.T) { atkSAMScopes(t, "[admin/write]") })
	t.Run("ApiKeyRequired true", func(t *testing.T) {
		atkSAMServe(t, strings.Replace(atkSAMApiKeyTemplate, "'true'", "true", 1), atkSAMBindings(), "GET /pets")
	})
}

// TestAtkSAMHttpApiJWTAudienceStringFinding: an HttpApi JwtConfiguration
// whose audience is one string (not a list) reaches package openapi as it
// is and is dropped there (see openapi's TestAtkHTTPLoadJWTAudienceFinding):
// a token of the issuer for another application (aud other-app) is let in.
// AWS requires the audience of a JWT authorizer and checks aud against it.
func TestAtkSAMHttpApiJWTAudienceStringFinding(t *testing.T) {
	atkSAMJWT(t, "[admin/write]", "app", []string{"other-app"}, "admin/write")
}

func atkSAMScopes(t *testing.T, scopes string) {
	atkSAMJWT(t, scopes, "[app]", []string{"app"}, "profile")
}

func atkSAMJWT(t *testing.T, scopes, audience string, tokenAud []string, tokenScope string) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	priv, _ := jwk.FromRaw(key)
	_ = priv.Set(jwk.KeyIDKey, "k1")
	_ = priv.Set(jwk.AlgorithmKey, jwa.RS256)
	pub, _ := priv.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	tok, _ := jwt.NewBuilder().Issuer("https://issuer.example").Subject("ada").Audience(tokenAud).
		Expiration(time.Now().Add(time.Hour)).Claim("scope", tokenScope).Build()
	signed, _ := jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv))
	b := sam.Bindings{Bindings: openapi.Bindings{
		Functions: map[string]any{"Fn": func(context.Context, events.APIGatewayV2HTTPRequest) (string, error) { return "admin area", nil }},
		JWT:       func(_ string, cfg *authorizer.JWTConfig) { cfg.Keys = set },
	}}
	tmpl := `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            JwtConfiguration: {issuer: "https://issuer.example", audience: ` + audience + `}
            IdentitySource: $request.header.Authorization
            AuthorizationScopes: ` + scopes + `
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Admin: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /admin, Method: post}}
`
	atkSAMServe(t, tmpl, b, "POST /admin|Authorization: Bearer "+string(signed))
}

// TestAtkSAMAuthHolds: constructs that held — each refused or served
// protected.
func TestAtkSAMAuthHolds(t *testing.T) {
	auth := `
      Auth:
        DefaultAuthorizer: Tok
        Authorizers:
          Tok:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {ReauthorizeEvery: 0}
`
	for name, tc := range map[string]struct {
		tmpl string
		reqs []string
	}{
		"ResourcePolicy IpRangeBlacklist (not honoured: must be a problem)": {`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        ResourcePolicy:
          IpRangeBlacklist: ['192.0.2.0/24']
` + atkSAMFunctions, []string{"GET /pets"}},
		"ResourcePolicy CustomStatements deny": {`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        ResourcePolicy:
          CustomStatements:
            - {Effect: Allow, Principal: '*', Action: execute-api:Invoke, Resource: execute-api:/*}
            - {Effect: Deny, Principal: '*', Action: execute-api:Invoke, Resource: execute-api:/*, Condition: {IpAddress: {aws:SourceIp: 192.0.2.0/24}}}
` + atkSAMFunctions, []string{"GET /pets"}},
		"Globals Api Auth reaches the implicit API": {`
Transform: AWS::Serverless-2016-10-31
Globals:
  Api:` + auth + `
Resources:
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Handler: x, Runtime: provided.al2}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: Api, Properties: {Path: /pets, Method: get}}
`, []string{"GET /pets", "GET /Prod/pets"}},
		"preflight takes the default authorizer (AddDefaultAuthorizerToCorsPreflight default true)": {`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors: "'https://app.example'"` + auth + atkSAMFunctions,
			[]string{"GET /pets", "OPTIONS /pets|Origin: https://app.example; Access-Control-Request-Method: GET"}},
		"AddDefaultAuthorizerToCorsPreflight as a string": {`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors: "'https://app.example'"` + auth + `        AddDefaultAuthorizerToCorsPreflight: 'true'
` + atkSAMFunctions, []string{"GET /pets", "OPTIONS /pets|Origin: https://app.example; Access-Control-Request-Method: GET"}},
		"an event's Authorizer NONE opens that event only": {`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod` + auth + atkSAMFunctions + `        Open: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /open, Method: get, Auth: {Authorizer: NONE}}}
`, []string{"GET /pets"}},
		"an event's Auth ResourcePolicy": {`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /pets, Method: get, Auth: {ResourcePolicy: {IpRangeBlacklist: ['192.0.2.0/24']}}}}
`, []string{"GET /pets"}},
		"an HttpApi's Auth ResourcePolicy": {`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        ResourcePolicy:
          CustomStatements: [{Effect: Deny, Principal: '*', Action: execute-api:Invoke, Resource: execute-api:/*}]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /pets, Method: get}}
`, []string{"GET /pets"}},
		"DefinitionBody method with its own body-defined scheme beside DefaultAuthorizer": {`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod` + auth + `
      DefinitionBody:
        swagger: '2.0'
        info: {title: t, version: '1'}
        paths:
          /pets:
            get:
              x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations'}
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Handler: x, Runtime: provided.al2}
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: x, Runtime: provided.al2}
`, []string{"GET /pets"}},
	} {
		t.Run(name, func(t *testing.T) {
			atkSAMServe(t, tc.tmpl, atkSAMBindings(), tc.reqs...)
		})
	}
}

// TestAtkSAMGlobalsUnknownSectionFinding: a Globals section SAM does not
// know (RestApi for Api, here carrying the DefaultAuthorizer) is ignored
// without a problem, so every method is served open. SAM refuses an
// unknown Globals section (InvalidGlobalsSectionException: "'RestApi' is
// not supported. Must be one of the following values - [Function, Api,
// HttpApi, SimpleTable, StateMachine, LayerVersion]" — wording from
// memory), so the template never deploys on AWS. Fix: sam/sam.go (or
// sam/api.go apiProperties): a problem for every Globals key but the
// sections SAM knows (and for a Globals section key in the wrong case).
func TestAtkSAMGlobalsUnknownSectionFinding(t *testing.T) {
	auth := `
      Auth:
        DefaultAuthorizer: Tok
        Authorizers:
          Tok:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {ReauthorizeEvery: 0}
`
	for _, section := range []string{"RestApi", "api", "APIs"} {
		t.Run(section, func(t *testing.T) {
			atkSAMServe(t, `
Transform: AWS::Serverless-2016-10-31
Globals:
  `+section+`:`+auth+`
Resources:
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Handler: x, Runtime: provided.al2}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: Api, Properties: {Path: /pets, Method: get}}
`, atkSAMBindings(), "GET /pets", "GET /Prod/pets")
		})
	}
}
