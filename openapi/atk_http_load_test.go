package openapi_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/stage"
)

// Attacks on the loader's security (review atk-http): a document whose
// protection apigw cannot honour must fail to load with a problem, or be
// served protected. Uses trust_test.go's token authorizer "tok" (lets in
// Authorization: allow) and proxy function.

// atkLoadServe loads doc; a load error is the attack held (logged). Else
// it sends each request without credentials and reports those served.
func atkLoadServe(t *testing.T, doc string, reqs ...string) {
	t.Helper()
	gw, err := openapi.New([]byte(doc), trustBindings(), gateway.WithStage(stage.Stage{Name: "prod"}))
	if err != nil {
		t.Logf("refused (held): %v", err)
		return
	}
	defer gw.Close()
	for _, r := range reqs {
		method, path, _ := strings.Cut(r, " ")
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		if w.Code < 300 {
			t.Errorf("%s without credentials: %d %s (the document protects it)", r, w.Code, w.Body)
		}
	}
}

// TestAtkHTTPLoadTwoSpellingsOfOneResource: two path items that are one
// resource (a trailing slash; two names for one parameter), the guarded
// and an open one, never leave the method open.
func TestAtkHTTPLoadTwoSpellingsOfOneResource(t *testing.T) {
	guarded := `{"security": [{"tok": []}], ` + proxy + `}`
	open := `{` + proxy + `}`
	for name, paths := range map[string]string{
		"trailing slash, guarded first": `"/pets": {"get": ` + guarded + `}, "/pets/": {"get": ` + open + `}`,
		"trailing slash, open first":    `"/pets/": {"get": ` + guarded + `}, "/pets": {"get": ` + open + `}`,
		"two parameter names":           `"/pets/{id}": {"get": ` + guarded + `}, "/pets/{petId}": {"get": ` + open + `}`,
		"any method beside get":         `"/pets": {"x-amazon-apigateway-any-method": ` + guarded + `, "get": ` + guarded + `}`,
	} {
		t.Run(name, func(t *testing.T) {
			atkLoadServe(t, v2doc("", "", paths), "GET /pets", "GET /pets/", "GET /pets/1")
		})
	}
}

// TestAtkHTTPLoadSecurityConstructs: security written where or how API
// Gateway's loader does not read it is a problem, never dropped.
func TestAtkHTTPLoadSecurityConstructs(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"x-amazon-apigateway-auth on the path item", v2doc("", "",
			`"/pets": {"x-amazon-apigateway-auth": {"type": "AWS_IAM"}, "get": {`+proxy+`}}`)},
		{"x-amazon-apigateway-auth of an unknown type", v2doc("", "",
			`"/pets": {"get": {"x-amazon-apigateway-auth": {"type": "COGNITO"}, `+proxy+`}}`)},
		{"an http bearer scheme", v3doc("", `, "bearer": {"type": "http", "scheme": "bearer"}`,
			`"/pets": {"get": {"security": [{"bearer": []}], `+proxy+`}}`)},
		{"an oauth2 scheme", v3doc("", `, "oa": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://x.example/t", "scopes": {"a": "a"}}}}`,
			`"/pets": {"get": {"security": [{"oa": ["a"]}], `+proxy+`}}`)},
		{"authtype cognito without an authorizer", v2doc("", `, "c": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "cognito_user_pools"}`,
			`"/pets": {"get": {"security": [{"c": []}], `+proxy+`}}`)},
		{"an undefined scheme beside a good one", v2doc("", "",
			`"/pets": {"get": {"security": [{"tok": [], "nope": []}], `+proxy+`}}`)},
		{"an any-method key capitalised", v2doc("", "",
			`"/pets": {"X-Amazon-Apigateway-Any-Method": {"security": [{"tok": []}], `+proxy+`}, "get": {`+proxy+`}}`)},
		{"security null under root security", v3doc(`"security": [{"tok": []}], `, "",
			`"/pets": {"get": {"security": null, `+proxy+`}}`)},
		{"an authorizer in lower-case extension spelling on the scheme", strings.Replace(v2doc("", "",
			`"/pets": {"get": {"security": [{"tok": []}], `+proxy+`}}`), `"x-amazon-apigateway-authorizer"`, `"X-Amazon-Apigateway-Authorizer"`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			atkLoadServe(t, tc.doc, "GET /pets")
		})
	}
}

// TestAtkHTTPLoadHTTPAPICORSCredentials: an HTTP API's
// x-amazon-apigateway-cors with allowCredentials and origin "*" (AWS
// refuses it) is a problem.
func TestAtkHTTPLoadHTTPAPICORSCredentials(t *testing.T) {
	doc := v3doc(`"x-amazon-apigateway-importexport-version": "1.0", "x-amazon-apigateway-cors": {"allowOrigins": ["*"], "allowCredentials": true}, `,
		"", `"/pets": {"get": {`+proxy+`}}`)
	_, err := openapi.Load([]byte(doc), trustBindings())
	if err == nil || !strings.Contains(err.Error(), "x-amazon-apigateway-cors") {
		t.Errorf("CORS with credentials and origin * loaded: %v", err)
	}
}

// atkJWTDoc is an HTTP API with one JWT-guarded route; audience is the
// jwtConfiguration's audience property as JSON ("" leaves it out).
func atkJWTDoc(audience string) string {
	aud := ""
	if audience != "" {
		aud = `, "audience": ` + audience
	}
	return `{"openapi": "3.0.1", "info": {"title": "http", "version": "1"},
  "paths": {"/admin": {"get": {"security": [{"jwt": []}], "x-amazon-apigateway-integration": {
      "type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0",
      "uri": "arn:aws:lambda:us-east-1:123456789012:function:admin"}}}},
  "components": {"securitySchemes": {"jwt": {"type": "oauth2", "flows": {},
    "x-amazon-apigateway-authorizer": {"type": "jwt", "identitySource": "$request.header.Authorization",
      "jwtConfiguration": {"issuer": "https://issuer.example"` + aud + `}}}}}}`
}

// atkJWTServe loads doc and sends a valid token of the issuer minted for
// another application (aud other-app): it must be refused.
func atkJWTServe(t *testing.T, doc string) {
	t.Helper()
	key := someRSAKey(t)
	pub, _ := key.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	gw, err := openapi.New([]byte(doc), openapi.Bindings{
		Functions: map[string]any{"admin": func(context.Context, events.APIGatewayV2HTTPRequest) (string, error) { return "admin area", nil }},
		JWT:       func(_ string, cfg *authorizer.JWTConfig) { cfg.Keys = set },
	})
	if err != nil {
		t.Logf("refused (held): %v", err)
		return
	}
	defer gw.Close()
	tok, _ := jwt.NewBuilder().Issuer("https://issuer.example").Audience([]string{"other-app"}).Subject("eve").
		Expiration(time.Now().Add(time.Hour)).Build()
	signed, _ := jwt.Sign(tok, jwt.WithKey(jwa.RS256, key))
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/admin", nil)
	r.Header.Set("Authorization", "Bearer "+string(signed))
	gw.ServeHTTP(w, r)
	if w.Code < 300 {
		t.Errorf("a token minted for another application (aud other-app) was let in: %d %s", w.Code, w.Body)
	}
}

// TestAtkHTTPLoadJWTAudienceFinding: an HTTP API JWT authorizer whose
// jwtConfiguration.audience is a string instead of a list, an empty list,
// or missing loads without a problem and checks no audience at all
// (openapi/security.go: `spec.audience, _ = decoded.StringList(...)`, and
// authorizer.JWTConfig's empty Audience means "not checked"): any token the
// issuer signs for any of its applications — another Cognito app client,
// another Auth0 application — is let in. AWS documents Audience as
// "Required for the JWT authorizer type" (AWS::ApiGatewayV2::Authorizer
// JWTConfiguration), and checks the aud claim against it; whether AWS's
// OpenAPI import takes a lone string as a one-element list is not certain,
// but it never serves the route with no audience check. SAM's HttpApi
// JwtConfiguration is passed through to this code, so SAM templates are
// affected the same way. Fix: openapi/security.go loadAuthorizer, case
// "jwtConfiguration": a problem for a non-list (or accept a string as
// one audience), and jwtAuthorizer: a problem when no audience is given.
func TestAtkHTTPLoadJWTAudienceFinding(t *testing.T) {
	for name, aud := range map[string]string{
		"audience a string": `"app"`,
		"audience empty":    `[]`,
		"audience missing":  ``,
	} {
		t.Run(name, func(t *testing.T) { atkJWTServe(t, atkJWTDoc(aud)) })
	}
}

// TestAtkHTTPLoadJWTAudienceControl: with audience ["app"] the other
// application's token is refused.
func TestAtkHTTPLoadJWTAudienceControl(t *testing.T) {
	atkJWTServe(t, atkJWTDoc(`["app"]`))
}

// TestAtkHTTPLoadSimpleResponseFieldCaseFinding: a Lambda authorizer's
// simple response is JSON; Lambda's callers read its keys as written.
// apigw unmarshals it with encoding/json, which matches keys without
// regard to case, so {"IsAuthorized": true} or {"ISAUTHORIZED": true} —
// and {"isAuthorized": false, "IsAuthorized": true}, where the last of the
// case-folded keys wins — let the caller in. On AWS a response without a
// boolean isAuthorized is no Allow (we believe a 500 or a 403; not
// verified), and the duplicate keeps isAuthorized false. Matters for a
// function (a remote one through lambdainvoke, or a Go one answering a map)
// that builds its answer from a template or copies keys. Fix:
// openapi/security.go invokeAs (and lambdaevent for the 1.0 policy answer):
// decode the answer case-sensitively (e.g. into map[string]any and read the
// exact keys).
func TestAtkHTTPLoadSimpleResponseFieldCaseFinding(t *testing.T) {
	doc := `{"openapi": "3.0.1", "info": {"title": "http", "version": "1"},
  "paths": {"/admin": {"get": {"security": [{"lam": []}], "x-amazon-apigateway-integration": {
      "type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0",
      "uri": "arn:aws:lambda:us-east-1:123456789012:function:admin"}}}},
  "components": {"securitySchemes": {"lam": {"type": "apiKey", "name": "x-key", "in": "header",
    "x-amazon-apigateway-authorizer": {"type": "request", "identitySource": "$request.header.x-key",
      "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": true,
      "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"}}}}}`
	for name, answer := range map[string]string{
		"IsAuthorized":                 `{"IsAuthorized": true}`,
		"ISAUTHORIZED":                 `{"ISAUTHORIZED": true}`,
		"isAuthorized false then true": `{"isAuthorized": false, "IsAuthorized": true}`,
		"control: isAuthorized false":  `{"isAuthorized": false}`,
	} {
		t.Run(name, func(t *testing.T) {
			gw, err := openapi.New([]byte(doc), openapi.Bindings{Functions: map[string]any{
				"auth":  func(context.Context, map[string]any) (json.RawMessage, error) { return json.RawMessage(answer), nil },
				"admin": func(context.Context, events.APIGatewayV2HTTPRequest) (string, error) { return "admin area", nil },
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer gw.Close()
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/admin", nil)
			r.Header.Set("x-key", "anything")
			gw.ServeHTTP(w, r)
			if w.Code < 300 {
				t.Errorf("authorizer answered %s: let in, %d %s", answer, w.Code, w.Body)
			}
		})
	}
}
