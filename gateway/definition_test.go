package gateway_test

import (
	"net/http"
	"testing"

	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/gateway"
)

func TestDefinition(t *testing.T) {
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	gw, err := gateway.New(
		gateway.WithDescription("v1"),
		gateway.WithBinaryMediaTypes("image/png"),
		gateway.WithModel("Pet", `{"type": "object"}`),
		gateway.WithCORS(cors.Config{AllowOrigins: []string{"https://a.example"}}),
		gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Handler(h, gateway.Path("/v1/pets/{id}"))}),
		gateway.Route("POST /pets", gateway.Method{Integration: gateway.HTTP("https://backend.example/pets"), RequestModels: map[string]string{"application/json": "Pet"}}),
		gateway.Route("GET /mock", gateway.Method{Integration: gateway.Mock(201, `{"ok": true}`)}),
	)
	if err != nil {
		t.Fatal(err)
	}
	d := gw.Definition()
	if d.Description != "v1" || len(d.BinaryMediaTypes) != 1 || len(d.Routes) != 3 || d.Models["Pet"] == "" || d.CORS == nil || d.HTTPAPI {
		t.Fatalf("%+v", d)
	}
	if r := d.Routes[0]; r.Pattern != "GET /pets/{id}" {
		t.Errorf("route 0: %s", r.Pattern)
	}
	for i, want := range []gateway.IntegrationInfo{
		{Kind: gateway.KindHandler, Path: "/v1/pets/{id}"},
		{Kind: gateway.KindHTTP, URL: "https://backend.example/pets"},
		{Kind: gateway.KindMock, Status: 201, Body: `{"ok": true}`},
	} {
		got := gateway.DescribeIntegration(d.Routes[i].Method.Integration)
		got.Handler = nil
		if got != want {
			t.Errorf("route %d: %+v, want %+v", i, got, want)
		}
	}
	// The copy is the caller's.
	d.Models["X"] = "{}"
	if _, ok := gw.Definition().Models["X"]; ok {
		t.Error("Definition shares its maps with the deployment")
	}
	// A new deployment is the definition from then on.
	if _, err := gw.Deploy(gateway.Route("GET /v2", gateway.Method{Integration: gateway.LambdaV2(func() (string, error) { return "", nil })})); err != nil {
		t.Fatal(err)
	}
	d = gw.Definition()
	if len(d.Routes) != 1 || gateway.DescribeIntegration(d.Routes[0].Method.Integration).PayloadVersion != "2.0" {
		t.Fatalf("after Deploy: %+v", d)
	}
}
