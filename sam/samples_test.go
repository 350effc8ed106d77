package sam_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/lambdainvoke"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
	"github.com/apigw/apigw/usageplan"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

func readTemplate(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// hello answers as the handler of `sam init`'s Go hello-world application
// does: a greeting to the caller's source IP.
func hello(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	greeting := "Hello, world!\n"
	if ip := req.RequestContext.Identity.SourceIP; ip != "" {
		greeting = fmt.Sprintf("Hello, %s!\n", ip)
	}
	return events.APIGatewayProxyResponse{Body: greeting, StatusCode: 200}, nil
}

func policy(effect, principal string) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{PrincipalID: principal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
			{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{"*"}}}}}
}

// tokenAuthorizer allows the token "allow" and refuses every other.
func tokenAuthorizer(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	if req.AuthorizationToken != "allow" {
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	}
	return policy("Allow", "user"), nil
}

type call struct {
	name       string
	method     string
	path       string
	header     map[string]string
	wantStatus int
	wantBody   string
	wantHeader map[string]string
}

func serve(t *testing.T, h http.Handler, calls []call) {
	t.Helper()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.path, nil)
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, c.wantStatus, w.Body)
			}
			if c.wantBody != "" && !strings.Contains(w.Body.String(), c.wantBody) {
				t.Errorf("body %q, want %q", w.Body, c.wantBody)
			}
			for k, v := range c.wantHeader {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
}

// TestHelloWorld loads `sam init`'s Go hello-world template: the implicit
// API with its Prod stage, the function bound by its logical id, in-process
// and behind Lambda's Invoke API.
func TestHelloWorld(t *testing.T) {
	tmpl := readTemplate(t, "hello-world.yaml")
	api, err := sam.Load(tmpl, sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"HelloWorldFunction": hello}}})
	if err != nil {
		t.Fatal(err)
	}
	if api.Name != "ServerlessRestApi" || api.Stage.Name != "Prod" {
		t.Errorf("API %s, stage %q", api.Name, api.Stage.Name)
	}
	gw, err := sam.New(tmpl, sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"HelloWorldFunction": hello}}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	calls := []call{
		{name: "hello", method: "GET", path: "/hello", wantStatus: 200, wantBody: "Hello, 192.0.2.1!\n"},
		{name: "POST", method: "POST", path: "/hello", wantStatus: 403, wantBody: "Missing Authentication Token"},
	}
	serve(t, gw, calls)

	h, err := lambdainvoke.NewHandler(map[string]any{"HelloWorldFunction": hello})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client, _ := lambdainvoke.New(lambdainvoke.Config{Endpoint: srv.URL})
	remote, err := sam.New(tmpl, sam.Bindings{Bindings: openapi.Bindings{
		Invoke: func(name, qualifier string) openapi.Invoker { return client.Function(name, qualifier) }}})
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	serve(t, remote, calls)
}

// TestTokenAuthorizer loads the Lambda TOKEN authorizer example of the AWS
// SAM Developer Guide: DefaultAuthorizer on every event.
func TestTokenAuthorizer(t *testing.T) {
	gw, err := sam.New(readTemplate(t, "token-authorizer.yaml"), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{
		"MyFunction": hello, "MyAuthFunction": tokenAuthorizer}}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{
		{name: "no token", method: "GET", path: "/", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "refused", method: "GET", path: "/", header: map[string]string{"Authorization": "deny"}, wantStatus: 401},
		{name: "allowed", method: "GET", path: "/", header: map[string]string{"Authorization": "allow"}, wantStatus: 200, wantBody: "Hello"},
	})
}

// TestRequestAuthorizer loads the Lambda REQUEST authorizer example: the
// auth query string parameter is the identity source.
func TestRequestAuthorizer(t *testing.T) {
	auth := func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		if req.QueryStringParameters["auth"] == "letmein" {
			return policy("Allow", "q"), nil
		}
		return policy("Deny", "q"), nil
	}
	gw, err := sam.New(readTemplate(t, "request-authorizer.yaml"), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{
		"MyFunction": hello, "MyAuthFunction": auth}}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{
		{name: "no identity", method: "GET", path: "/", wantStatus: 401},
		{name: "denied", method: "GET", path: "/?auth=nope", wantStatus: 403, wantBody: "explicit deny"},
		{name: "allowed", method: "GET", path: "/?auth=letmein", wantStatus: 200},
	})
}

// TestHTTPAPIAuthorizer loads the HTTP API Lambda authorizer example: a
// payload 2.0 authorizer with simple responses, a payload 2.0 function.
func TestHTTPAPIAuthorizer(t *testing.T) {
	auth := func(_ context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: req.Headers["authorization"] == "secret"}, nil
	}
	fn := func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "route " + req.RouteKey}, nil
	}
	api, err := sam.Load(readTemplate(t, "httpapi-authorizer.yaml"), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{
		"MyFunction": fn, "MyAuthFunction": auth}}})
	if err != nil {
		t.Fatal(err)
	}
	// An HTTP API serves its named stages under /{stageName}/.
	if api.Type != "AWS::Serverless::HttpApi" || api.Stage.Name != "Prod" {
		t.Errorf("%s, stage %q", api.Type, api.Stage.Name)
	}
	gw, err := sam.New(readTemplate(t, "httpapi-authorizer.yaml"), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{
		"MyFunction": fn, "MyAuthFunction": auth}}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{
		{name: "no identity", method: "GET", path: "/Prod/", wantStatus: 401},
		{name: "not authorized", method: "GET", path: "/Prod/", header: map[string]string{"Authorization": "guess"}, wantStatus: 403},
		{name: "authorized", method: "GET", path: "/Prod/", header: map[string]string{"Authorization": "secret"}, wantStatus: 200, wantBody: "route GET /"},
	})
}

// TestAPIKey loads the API key example: every method requires a key of a
// usage plan, which the test adds (SAM would generate the key's value).
func TestAPIKey(t *testing.T) {
	api, err := sam.Load(readTemplate(t, "api-key.yaml"), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"MyFunction": hello}}})
	if err != nil {
		t.Fatal(err)
	}
	if api.UsagePlans == nil {
		t.Fatal("no usage plans")
	}
	_ = api.UsagePlans.AddPlan(usageplan.Plan{ID: "p", Stages: []usageplan.APIStage{{APIID: "MyApi", Stage: "Prod"}}})
	if _, err := api.UsagePlans.AddKey(usageplan.APIKey{ID: "k", Value: "sam-example-key-000000001"}, "p"); err != nil {
		t.Fatal(err)
	}
	gw, err := newGateway(api)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{
		{name: "no key", method: "GET", path: "/", wantStatus: 403, wantBody: `{"message":"Forbidden"}`},
		{name: "key", method: "GET", path: "/", header: map[string]string{"x-api-key": "sam-example-key-000000001"}, wantStatus: 200},
	})
}

// TestCognito loads the Amazon Cognito user pool example: the pool the
// template defines verifies the tokens (its keys given in the test). Cors
// "'*'" is an OPTIONS mock on / (SAM's translator writes one per path),
// which the DefaultAuthorizer protects too: AddDefaultAuthorizerToCorsPreflight
// is true unless the template says otherwise, so on AWS a preflight
// without a token is refused. The function's own answer carries no
// Access-Control-Allow-Origin: a Lambda proxy function sends its own.
func TestCognito(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := jwk.FromRaw(key)
	_ = priv.Set(jwk.KeyIDKey, "k")
	_ = priv.Set(jwk.AlgorithmKey, jwa.RS256)
	pub, _ := priv.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	var issuer string
	b := sam.Bindings{Bindings: openapi.Bindings{
		Functions: map[string]any{"MyFunction": hello},
		JWT: func(name string, cfg *authorizer.JWTConfig) {
			issuer = cfg.Issuer
			cfg.Keys = set
		},
	}}
	gw, err := sam.New(readTemplate(t, "cognito.yaml"), b)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	if issuer != "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_MyCognitoUserPool" {
		t.Errorf("issuer %q", issuer)
	}
	tok, _ := jwt.NewBuilder().Issuer(issuer).Subject("alice").Audience([]string{"client"}).Expiration(time.Now().Add(time.Hour)).Claim("token_use", "id").Build()
	signed, _ := jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv))
	serve(t, gw, []call{
		{name: "no token", method: "GET", path: "/", wantStatus: 401},
		{name: "token", method: "GET", path: "/", header: map[string]string{"Authorization": string(signed), "Origin": "https://app.example"},
			wantStatus: 200, wantHeader: map[string]string{"Access-Control-Allow-Origin": ""}},
		{name: "preflight without a token", method: "OPTIONS", path: "/", header: map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
			wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "preflight with a token", method: "OPTIONS", path: "/",
			header:     map[string]string{"Authorization": string(signed), "Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
			wantStatus: 200, wantBody: "{}", wantHeader: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET,OPTIONS"}},
	})
}

// TestGatewayResponses loads the customized response example: a 4XX
// gateway response carries the headers the template gives it.
func TestGatewayResponses(t *testing.T) {
	fails := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{}, errors.New("Check out the response headers!")
	}
	gw, err := sam.New(readTemplate(t, "gateway-responses.yaml"), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"GetFunction": fails}}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{
		{name: "4XX", method: "GET", path: "/nowhere", wantStatus: 403,
			wantHeader: map[string]string{"Access-Control-Expose-Headers": "WWW-Authenticate", "Access-Control-Allow-Origin": "*"}},
		{name: "a failing function is a 5XX", method: "GET", path: "/error", wantStatus: 502,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": ""}},
	})
}
