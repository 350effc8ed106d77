package openapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/lambdainvoke"
	"github.com/apigw/apigw/openapi"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// authorizersDoc uses the security definitions of AWS's
// x-amazon-apigateway-authorizer examples (a TOKEN authorizer with a
// validation expression, a REQUEST authorizer on a header and a query
// string parameter) and a Cognito user pool authorizer with scopes, on mock
// integrations that echo $context.authorizer.
const authorizersDoc = `{
  "swagger": "2.0",
  "info": {"title": "authorizers", "version": "1"},
  "securityDefinitions": {
    "test-authorizer": {
      "type": "apiKey", "name": "Authorization", "in": "header",
      "x-amazon-apigateway-authtype": "oauth2",
      "x-amazon-apigateway-authorizer": {
        "type": "token",
        "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:function-name/invocations",
        "authorizerCredentials": "arn:aws:iam::123456789012:role",
        "identityValidationExpression": "^x-[a-z]+",
        "authorizerResultTtlInSeconds": 60
      }
    },
    "request_authorizer_header_query": {
      "type": "apiKey", "name": "Unused", "in": "header",
      "x-amazon-apigateway-authtype": "custom",
      "x-amazon-apigateway-authorizer": {
        "type": "request",
        "identitySource": "method.request.header.HeaderAuth1, method.request.querystring.QueryString1",
        "authorizerCredentials": "arn:aws:iam::123456789012:role/AWSepIntegTest-CS-LambdaRole",
        "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:APIGateway-Request-Authorizer:vtwo/invocations",
        "authorizerResultTtlInSeconds": 300
      }
    },
    "cognito": {
      "type": "apiKey", "name": "Authorization", "in": "header",
      "x-amazon-apigateway-authtype": "cognito_user_pools",
      "x-amazon-apigateway-authorizer": {
        "type": "cognito_user_pools",
        "providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_PoolA"]
      }
    }
  },
  "paths": {
    "/token": {"get": {
      "security": [{"test-authorizer": []}],
      "responses": {"200": {"description": "ok"}},
      "x-amazon-apigateway-integration": {"type": "mock",
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "{\"principal\": \"$context.authorizer.principalId\", \"tier\": \"$context.authorizer.tier\"}"}}}}
    }},
    "/request": {"get": {
      "security": [{"request_authorizer_header_query": []}],
      "x-amazon-apigateway-integration": {"type": "mock",
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "{\"principal\": \"$context.authorizer.principalId\"}"}}}}
    }},
    "/pets": {"post": {
      "security": [{"cognito": ["pets/write"]}],
      "x-amazon-apigateway-integration": {"type": "mock",
        "requestTemplates": {"application/json": "{\"statusCode\": 201}"},
        "responses": {"default": {"statusCode": "201", "responseTemplates": {"application/json": "{\"by\": \"$context.authorizer.claims.sub\"}"}}}}
    }}
  }
}`

func allow(principal string, ctx map[string]any) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: principal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
			{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"*"}}}},
		Context: ctx,
	}
}

func TestAuthorizers(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := jwk.FromRaw(key)
	_ = priv.Set(jwk.KeyIDKey, "k1")
	_ = priv.Set(jwk.AlgorithmKey, jwa.RS256)
	pub, _ := priv.PublicKey()
	keys := jwk.NewSet()
	_ = keys.AddKey(pub)
	token := func(scope string) string {
		tok, _ := jwt.NewBuilder().Issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_PoolA").Subject("alice").
			Expiration(time.Now().Add(time.Hour)).Claim("token_use", "access").Claim("scope", scope).Build()
		signed, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv))
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + string(signed)
	}

	tokenCalls := 0
	b := openapi.Bindings{
		Functions: map[string]any{
			"function-name": func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
				tokenCalls++
				if req.AuthorizationToken != "x-allow" {
					return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
				}
				return allow("user-"+req.AuthorizationToken, map[string]any{"tier": "gold"}), nil
			},
			// Bound to the vtwo alias: a REQUEST authorizer's event.
			"APIGateway-Request-Authorizer:vtwo": func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
				// Headers keep the names as sent: Go's client canonicalises them.
				return allow(req.Headers["Headerauth1"]+"/"+req.QueryStringParameters["QueryString1"], nil), nil
			},
		},
		JWT: func(name string, cfg *authorizer.JWTConfig) {
			if name != "cognito" || !strings.HasSuffix(cfg.JWKSURL, "/us-east-1_PoolA/.well-known/jwks.json") {
				t.Errorf("JWT binding of %q: JWKS %q", name, cfg.JWKSURL)
			}
			cfg.Keys = keys
		},
	}
	gw, err := openapi.New([]byte(authorizersDoc), b)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{
		{name: "token: none", method: "GET", path: "/token", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "token: not matching the validation expression", method: "GET", path: "/token",
			header: map[string]string{"Authorization": "Bearer abc"}, wantStatus: 401},
		{name: "token: refused by the function", method: "GET", path: "/token",
			header: map[string]string{"Authorization": "x-deny"}, wantStatus: 401},
		{name: "token: allowed", method: "GET", path: "/token",
			header: map[string]string{"Authorization": "x-allow"}, wantStatus: 200, wantBody: `{"principal":"user-x-allow","tier":"gold"}`},
		{name: "token: cached", method: "GET", path: "/token",
			header: map[string]string{"Authorization": "x-allow"}, wantStatus: 200},
		{name: "request: a source missing", method: "GET", path: "/request",
			header: map[string]string{"HeaderAuth1": "h"}, wantStatus: 401},
		{name: "request: allowed", method: "GET", path: "/request?QueryString1=q",
			header: map[string]string{"HeaderAuth1": "h"}, wantStatus: 200, wantBody: `{"principal":"h/q"}`},
		{name: "cognito: no token", method: "POST", path: "/pets", wantStatus: 401},
		{name: "cognito: without the scope", method: "POST", path: "/pets",
			header: map[string]string{"Authorization": token("pets/read")}, wantStatus: 403},
		{name: "cognito: with the scope", method: "POST", path: "/pets",
			header: map[string]string{"Authorization": token("pets/read pets/write")}, wantStatus: 201, wantBody: `{"by":"alice"}`},
	})
	if tokenCalls != 2 {
		t.Errorf("the TOKEN function was called %d times, want 2 (x-deny, then x-allow once: cached for 60 s)", tokenCalls)
	}
}

func TestAuthorizerProblems(t *testing.T) {
	doc := strings.Replace(authorizersDoc, `"type": "token",`, `"type": "token", "bogus": 1,`, 1)
	doc = strings.Replace(doc, `"providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_PoolA"]`, `"providerARNs": ["a", "b"]`, 1)
	ps := openapi.Check([]byte(doc))
	want := []string{
		"/securityDefinitions/cognito/x-amazon-apigateway-authorizer/providerARNs: apigw verifies the tokens of one user pool: give exactly one ARN",
		"/securityDefinitions/test-authorizer/x-amazon-apigateway-authorizer/bogus: unknown property of x-amazon-apigateway-authorizer",
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_ = gateway.DefaultTimeout
}

// TestAuthorizerRemote invokes the TOKEN authorizer's function through
// Lambda's Invoke API: its "Unauthorized" error is a 401, its policy lets
// the request through.
func TestAuthorizerRemote(t *testing.T) {
	h, err := lambdainvoke.NewHandler(map[string]any{
		"function-name": func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			if req.AuthorizationToken != "x-allow" {
				return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
			}
			return allow("remote", map[string]any{"tier": "silver"}), nil
		},
		"APIGateway-Request-Authorizer": func(context.Context, json.RawMessage) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("boom")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client, _ := lambdainvoke.New(lambdainvoke.Config{Endpoint: srv.URL})
	b := openapi.Bindings{
		Invoke: func(name, qualifier string) openapi.Invoker { return client.Function(name, qualifier) },
		JWT:    func(_ string, cfg *authorizer.JWTConfig) { cfg.Keys = someKeys(t) },
	}
	gw, err := openapi.New([]byte(authorizersDoc), b)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{
		{name: "refused", method: "GET", path: "/token", header: map[string]string{"Authorization": "x-deny"}, wantStatus: 401},
		{name: "allowed", method: "GET", path: "/token", header: map[string]string{"Authorization": "x-allow"},
			wantStatus: 200, wantBody: `{"principal":"remote","tier":"silver"}`},
		{name: "a failing function", method: "GET", path: "/request?QueryString1=q", header: map[string]string{"HeaderAuth1": "h"}, wantStatus: 500},
	})
}

// someKeys is a key set of one RSA key, for authorizers a test never calls.
func someKeys(t *testing.T) jwk.Set {
	t.Helper()
	pub, err := jwk.FromRaw(mustRSA(t).Public())
	if err != nil {
		t.Fatal(err)
	}
	_ = pub.Set(jwk.KeyIDKey, "some")
	_ = pub.Set(jwk.AlgorithmKey, jwa.RS256)
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	return set
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
