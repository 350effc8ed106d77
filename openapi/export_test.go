package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// request is one request of a round trip.
type request struct {
	method, path, body string
	header             map[string]string
}

// ignoredHeaders differ between two answers to the same request.
var ignoredHeaders = map[string]bool{"X-Amzn-Requestid": true, "Apigw-Requestid": true, "Date": true, "Content-Length": true, "X-Amzn-Trace-Id": true}

// roundTrip exports b's definition, validates the document with
// kin-openapi, loads it with the bindings Export returned, deploys it onto
// b, and checks that b then answers every request exactly as a, built as b
// was, does.
func roundTrip(t *testing.T, a, b *gateway.Gateway, o openapi.ExportOptions, reqs []request) []byte {
	t.Helper()
	doc, bindings, err := openapi.Export(b, o)
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	parsed, err := loader.LoadFromData(doc)
	if err != nil {
		t.Fatalf("kin-openapi cannot read the export: %v\n%s", err, doc)
	}
	if err := parsed.Validate(context.Background()); err != nil {
		t.Fatalf("kin-openapi finds the export invalid: %v\n%s", err, doc)
	}
	api, err := openapi.Load(doc, bindings)
	if err != nil {
		t.Fatalf("the export does not load: %v\n%s", err, doc)
	}
	if _, err := b.Deploy(api.Definition...); err != nil {
		t.Fatalf("the export does not deploy: %v\n%s", err, doc)
	}
	for _, r := range reqs {
		want, got := answer(a, r), answer(b, r)
		if want != got {
			t.Errorf("%s %s:\nthe original answers %s\nthe export answers   %s", r.method, r.path, want, got)
		}
	}
	return doc
}

func answer(h http.Handler, r request) string {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var hs []string
	for k, vs := range w.Header() {
		if !ignoredHeaders[k] {
			hs = append(hs, k+": "+strings.Join(vs, ","))
		}
	}
	sort.Strings(hs)
	return w.Result().Status + " " + strings.Join(hs, "; ") + " " + w.Body.String()
}

// TestExportRoundTrip builds an API in Go with every kind of integration,
// authorizer and mapping that has an OpenAPI form, exports it and checks
// that what loads from the export answers as the original.
func TestExportRoundTrip(t *testing.T) {
	backend := http.NewServeMux()
	backend.HandleFunc("GET /pets/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id": "` + r.PathValue("id") + `", "name": "Rex", "q": "` + r.URL.Query().Get("q") + `"}`))
	})
	backend.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Header.Get("X-Mapped"))
		_, _ = w.Write(b)
	})
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("remote " + r.Method + " " + r.URL.Path))
	}))
	defer remote.Close()
	key := mustRSA(t)
	priv, _ := jwk.FromRaw(key)
	_ = priv.Set(jwk.KeyIDKey, "k")
	_ = priv.Set(jwk.AlgorithmKey, jwa.RS256)
	pub, _ := priv.PublicKey()
	keys := jwk.NewSet()
	_ = keys.AddKey(pub)
	tok, _ := jwt.NewBuilder().Issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool").Subject("ann").
		Expiration(time.Now().Add(time.Hour)).Claim("token_use", "access").Claim("scope", "pets/write").Build()
	signed, _ := jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv))

	build := func() *gateway.Gateway {
		t.Helper()
		cognitoCfg, _ := authorizer.CognitoConfig{Region: "us-east-1", UserPoolID: "us-east-1_Pool"}.JWTConfig()
		cognitoCfg.Keys, cognitoCfg.JWKSURL = keys, ""
		cognito := authorizer.MustNewJWT(cognitoCfg)
		token := authorizer.MustNewToken(authorizer.TokenConfig{Header: "X-Token", ValidationExpression: "^t-.*", TTL: time.Minute,
			Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
				if req.AuthorizationToken != "t-ok" {
					return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
				}
				return allow("tokened", map[string]any{"tier": "gold"}), nil
			}})
		plans := usageplan.MustNew(usageplan.Config{})
		_ = plans.AddPlan(usageplan.Plan{ID: "p", Stages: []usageplan.APIStage{{APIID: "apigw", Stage: "prod"}}})
		_, _ = plans.AddKey(usageplan.APIKey{ID: "k", Value: "export-test-key-000000001"}, "p")
		hello := func(who string) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
				return events.APIGatewayProxyResponse{StatusCode: 200, Body: who + " " + req.Resource + " " + req.RequestContext.Authorizer["principalId"].(string)}, nil
			}
		}
		gw, err := gateway.New(
			gateway.WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"alias": "beta"}}),
			gateway.WithUsagePlans(plans),
			gateway.WithCache(cache.Config{}),
			gateway.WithDescription("everything"),
			gateway.WithModel("Pet", `{"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}`),
			gateway.WithCORS(cors.Config{AllowOrigins: []string{"https://pets.example"}}),
			gateway.WithGatewayResponses(map[apigw.ResponseType]apigw.GatewayResponse{
				apigw.Unauthorized: {StatusCode: 401, Headers: map[string]string{"X-Why": "'no token'"}, Templates: map[string]string{"application/json": `{"error": $context.error.messageString}`}},
			}),
			gateway.WithAuthorizer("cognito", cognito),
			gateway.WithAuthorizer("token", token),
			gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Handler(backend),
				Cache: &gateway.CacheSettings{KeyParameters: []string{"method.request.path.id"}}}),
			gateway.Route("GET /pets/{id}/name", gateway.Method{Integration: gateway.Handler(backend, gateway.Path("/pets/{id}")),
				Response: mapping.MustCompile(`{"name": input.json.name}`)}),
			gateway.Route("POST /pets", gateway.Method{Integration: gateway.Handler(backend, gateway.Path("/echo")),
				Authorizer: "cognito", AuthorizationScopes: []string{"pets/write"},
				RequestModels: map[string]string{"application/json": "Pet"},
				Request: mapping.RequestConfig{
					Templates:  map[string]*mapping.Template{"application/json": mapping.MustCompileVTL(`{"pet": $input.json('$.name'), "by": "$context.authorizer.claims.sub"}`)},
					Parameters: map[string]string{"integration.request.header.X-Mapped": "'yes'"},
				},
				Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{{StatusCode: 201,
					Parameters: map[string]string{"method.response.header.X-Seen": "integration.response.header.X-Seen"}}}},
			}),
			gateway.Route("ANY /remote/{proxy+}", gateway.Method{Integration: gateway.HTTP(remote.URL + "/up/{proxy}")}),
			gateway.Route("GET /hello", gateway.Method{Integration: gateway.Lambda(hello("hello")), Authorizer: "token", APIKeyRequired: true}),
			gateway.Route("GET /alias", gateway.Method{Integration: gateway.Lambda(gateway.Aliases{Selector: "${stageVariables.alias}",
				Functions: map[string]any{"prod": hello("prod"), "beta": hello("beta")}}), Authorizer: "token"}),
			gateway.Route("GET /mock", gateway.Method{Integration: gateway.Mock(202, `{"stage": "$context.stage"}`)}),
			gateway.Route("GET /search", gateway.Method{Integration: gateway.Mock(200, `{}`),
				RequestParameters: map[string]bool{"method.request.querystring.q": true}, Timeout: 2 * time.Second}),
		)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = gw.Close() })
		return gw
	}
	key0 := "export-test-key-000000001"
	doc := roundTrip(t, build(), build(), openapi.ExportOptions{Title: "pets", Functions: map[string]string{"GET /hello": "hello"}}, []request{
		{method: "GET", path: "/pets/1?q=x"},
		{method: "GET", path: "/pets/1/name"},
		{method: "POST", path: "/pets", body: `{"name": "Tom"}`, header: map[string]string{"Authorization": string(signed), "Content-Type": "application/json"}},
		{method: "POST", path: "/pets", body: `{"nom": "Tom"}`, header: map[string]string{"Authorization": string(signed), "Content-Type": "application/json"}},
		{method: "POST", path: "/pets", body: `{"name": "Tom"}`},
		{method: "DELETE", path: "/remote/a/b?c=d"},
		{method: "GET", path: "/hello", header: map[string]string{"X-Token": "t-ok", "x-api-key": key0}},
		{method: "GET", path: "/hello", header: map[string]string{"X-Token": "t-ok"}},
		{method: "GET", path: "/hello", header: map[string]string{"X-Token": "bad", "x-api-key": key0}},
		{method: "GET", path: "/alias", header: map[string]string{"X-Token": "t-ok"}},
		{method: "GET", path: "/mock"},
		{method: "GET", path: "/search"},
		{method: "GET", path: "/search?q=cats"},
		{method: "GET", path: "/nowhere", header: map[string]string{"Origin": "https://pets.example"}},
		{method: "OPTIONS", path: "/pets", header: map[string]string{"Origin": "https://pets.example", "Access-Control-Request-Method": "POST"}},
	})
	var d map[string]any
	_ = json.Unmarshal(doc, &d)
	if _, ok := d["x-apigw-cors"]; !ok || !strings.Contains(string(doc), `"x-apigw-cel"`) || !strings.Contains(string(doc), "function:hello/invocations") {
		t.Errorf("the export lacks apigw's extensions or the function's name:\n%s", doc)
	}
}

func TestExportRefuses(t *testing.T) {
	gw, err := gateway.New(
		gateway.Route("GET /a", gateway.Method{Integration: gateway.LambdaV2(func() (string, error) { return "", nil })}),
		gateway.Route("GET /b", gateway.Method{Integration: gateway.Mock(200, ""), CORS: &cors.Config{}}),
		gateway.Route("GET /c", gateway.Method{Integration: gateway.Mock(200, ""), Response: mustResponseMapping(t)}),
	)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = openapi.Export(gw, openapi.ExportOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`"GET /a": a REST API's Lambda proxy integrations use payload format 1.0`, `"GET /b": a method's own CORS policy`, `"GET /c": Response: a compiled *mapping.ResponseMapping`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nlacks %s", err, want)
		}
	}
}

func mustResponseMapping(t *testing.T) *mapping.ResponseMapping {
	m, err := mapping.NewResponseMapping(mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{{}}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
