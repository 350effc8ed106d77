package openapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/openapi"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// TestHTTPAPIIntegrations loads the x-amazon-apigateway-integrations
// example of AWS's developer guide: routes sharing integrations by $ref.
func TestHTTPAPIIntegrations(t *testing.T) {
	reply := func(name string) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: name + " " + ev.Path}, nil
		}
	}
	gw, err := openapi.New(readTestdata(t, "aws-http-api-integrations.json"), openapi.Bindings{Functions: map[string]any{
		"my-function": reply("my-function"), "example-function": reply("example-function")}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{
		{name: "/", method: "GET", path: "/", wantStatus: 200, wantBody: "my-function /"},
		{name: "/pets", method: "GET", path: "/pets", wantStatus: 200, wantBody: "my-function /pets"},
		{name: "/checkout", method: "GET", path: "/checkout", wantStatus: 200, wantBody: "example-function /checkout"},
		{name: "no route: HTTP APIs' 404", method: "GET", path: "/nowhere", wantStatus: 404, wantBody: `{"message":"Not Found"}`},
	})
}

const httpAPIDoc = `{
  "openapi": "3.0.1",
  "info": {"title": "http", "version": "1"},
  "paths": {
    "$default": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
      "type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0",
      "uri": "arn:aws:lambda:us-east-1:123456789012:function:catchall"}}},
    "/pets/{id}": {"get": {
      "security": [{"jwt": ["pets/read"]}],
      "x-amazon-apigateway-integration": {
        "type": "http_proxy", "httpMethod": "GET", "payloadFormatVersion": "1.0",
        "uri": "http://backend.example/pets/{id}",
        "requestParameters": {"append:header.x-request-id": "$context.requestId", "overwrite:querystring.src": "apigw"},
        "responseParameters": {"200": {"append:header.x-served-by": "backend"}}}}}
  },
  "components": {"securitySchemes": {"jwt": {
    "type": "oauth2", "flows": {},
    "x-amazon-apigateway-authorizer": {"type": "jwt", "identitySource": "$request.header.Authorization",
      "jwtConfiguration": {"issuer": "https://issuer.example", "audience": ["app"]}}}}}
}`

// TestHTTPAPI loads an HTTP API with a $default route, a JWT authorizer
// with scopes and parameter mapping on an HTTP proxy integration.
func TestHTTPAPI(t *testing.T) {
	var seen *http.Request
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Clone(context.Background())
		_, _ = w.Write([]byte(`{"id": "` + r.URL.Path + `"}`))
	}))
	defer backend.Close()
	key := someRSAKey(t)
	pub, _ := key.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	gw, err := openapi.New([]byte(httpAPIDoc), openapi.Bindings{
		Functions: map[string]any{"catchall": func(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "catchall " + ev.RouteKey + " " + ev.RawPath}, nil
		}},
		Hosts: map[string]string{"http://backend.example": backend.URL},
		JWT:   func(_ string, cfg *authorizer.JWTConfig) { cfg.Keys = set },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	tok, _ := jwt.NewBuilder().Issuer("https://issuer.example").Audience([]string{"app"}).Subject("bob").
		Expiration(time.Now().Add(time.Hour)).Claim("scope", "pets/read").Build()
	signed, _ := jwt.Sign(tok, jwt.WithKey(jwa.RS256, key))
	runExchanges(t, gw, []exchange{
		{name: "$default", method: "DELETE", path: "/anything/at/all", wantStatus: 200, wantBody: "catchall $default /anything/at/all"},
		{name: "no token", method: "GET", path: "/pets/1", wantStatus: 401},
		{name: "token", method: "GET", path: "/pets/1", header: map[string]string{"Authorization": "Bearer " + string(signed)},
			wantStatus: 200, wantHeader: map[string]string{"x-served-by": "backend"}, wantBody: `{"id": "/pets/1"}`},
	})
	if seen == nil || seen.Header.Get("x-request-id") == "" || seen.URL.Query().Get("src") != "apigw" {
		t.Errorf("the backend got %v", seen)
	}
}

func someRSAKey(t *testing.T) jwk.Key {
	t.Helper()
	k, err := jwk.FromRaw(mustRSA(t))
	if err != nil {
		t.Fatal(err)
	}
	_ = k.Set(jwk.KeyIDKey, "k1")
	_ = k.Set(jwk.AlgorithmKey, jwa.RS256)
	return k
}
