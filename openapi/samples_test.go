package openapi_test

import (
	"net/http/httptest"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

// TestRequestValidationSample loads "OpenAPI definitions of a sample API
// with basic request validation" from AWS's developer guide: the
// params-only validator inherited by GET, the all validator on POST, the
// api_key requirement, the header mapping to custom_h1.
func TestRequestValidationSample(t *testing.T) {
	backend := &petstore{}
	srv := httptest.NewServer(backend)
	defer srv.Close()
	api, err := openapi.Load(readTestdata(t, "aws-request-validation.json"), openapi.Bindings{Hosts: petstoreHosts(srv)})
	if err != nil {
		t.Fatal(err)
	}
	if api.UsagePlans == nil {
		t.Fatal("no usage plans for a definition that requires API keys")
	}
	if err := api.UsagePlans.AddPlan(usageplan.Plan{ID: "basic", Stages: []usageplan.APIStage{{APIID: "apigw", Stage: "v1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.UsagePlans.AddKey(usageplan.APIKey{ID: "k", Value: "demo-validation-key-0001"}, "basic"); err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(append(api.Options(), gateway.WithStage(stage.Stage{Name: "v1"}))...)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	key := map[string]string{"x-api-key": "demo-validation-key-0001"}
	runExchanges(t, gw, []exchange{
		{name: "no API key", method: "GET", path: "/validation?q1=cat", wantStatus: 403, wantBody: `{"message":"Forbidden"}`},
		{name: "GET without q1", method: "GET", path: "/validation", header: key, wantStatus: 400,
			wantBody: `{"message":"Missing required request parameters: [q1]"}`},
		{name: "GET with q1", method: "GET", path: "/validation?q1=cat", header: key, wantStatus: 200,
			wantBody: `[{"id":2,"type":"cat","price":124.99}]`},
		{name: "POST without h1", method: "POST", path: "/validation", header: key,
			body: `{"name":"Rex","type":"dog","price":249.99}`, wantStatus: 400,
			wantBody: `{"message":"Missing required request parameters: [h1]"}`},
		{name: "POST with a price out of range", method: "POST", path: "/validation",
			header: map[string]string{"x-api-key": "demo-validation-key-0001", "h1": "v", "Content-Type": "application/json"},
			body:   `{"name":"Rex","type":"dog","price":10}`, wantStatus: 400, wantBody: `{"message":"Invalid request body"}`},
		{name: "POST valid", method: "POST", path: "/validation",
			header: map[string]string{"x-api-key": "demo-validation-key-0001", "h1": "v1", "Content-Type": "application/json"},
			body:   `{"name":"Rex","type":"dog","price":249.99}`, wantStatus: 200,
			wantBody: `{"pet":{"name":"Rex","type":"dog","price":249.99},"message":"success"}`},
	})
	last, _ := backend.lastRequest()
	if got := last.Header.Get("custom_h1"); got != "v1" {
		t.Errorf("the backend got custom_h1 %q, want v1 (mapped from h1)", got)
	}
}

// TestHTTPAPISample loads the HTTP API definition of AWS's "Working with
// OpenAPI definitions for HTTP APIs": HTTP_PROXY integrations and
// x-amazon-apigateway-cors.
func TestHTTPAPISample(t *testing.T) {
	backend := &petstore{}
	srv := httptest.NewServer(backend)
	defer srv.Close()
	api, err := openapi.Load(readTestdata(t, "aws-http-api-petstore.json"), openapi.Bindings{Hosts: petstoreHosts(srv)})
	if err != nil {
		t.Fatal(err)
	}
	if !api.HTTP {
		t.Error("not recognised as an HTTP API")
	}
	gw, err := gateway.New(api.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{
		{name: "pets", method: "GET", path: "/pets?type=dog", header: map[string]string{"Origin": "https://pets.example"}, wantStatus: 200,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "*"},
			wantBody:   `[{"id":1,"type":"dog","price":249.99}]`},
		{name: "pet", method: "GET", path: "/pets/3", wantStatus: 200, wantBody: `{"id":3,"type":"fish","price":0.99}`},
		{name: "new pet, not validated as HTTP APIs do not", method: "POST", path: "/pets", body: `{"type":"unicorn"}`, wantStatus: 200,
			wantBody: `{"pet":{"type":"unicorn"},"message":"success"}`},
		{name: "preflight", method: "OPTIONS", path: "/pets", header: map[string]string{
			"Origin": "https://pets.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"},
			wantStatus: 204, wantHeader: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, OPTIONS, POST"}},
		{name: "no route: HTTP APIs' 404", method: "GET", path: "/cats", wantStatus: 404, wantBody: `{"message":"Not Found"}`},
	})
}
