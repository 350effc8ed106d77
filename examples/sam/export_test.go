package main

import (
	"log/slog"
	"testing"

	"github.com/apigw/apigw/internal/exampletest"
	"github.com/apigw/apigw/openapi"
)

// TestExport: the API loaded from template.yaml, exported as OpenAPI and
// loaded back, answers as the template's.
func TestExport(t *testing.T) {
	keys, err := newIssuer()
	if err != nil {
		t.Fatal(err)
	}
	token, _ := keys.token("demo-user")
	o := func() options {
		return options{store: newStore(), keys: keys, logger: slog.New(slog.DiscardHandler)}
	}
	a, err := newGateway(o())
	if err != nil {
		t.Fatal(err)
	}
	b, err := newGateway(o())
	if err != nil {
		t.Fatal(err)
	}
	key := map[string]string{"x-api-key": demoKey}
	write := map[string]string{"x-api-key": demoKey, "Authorization": token, "Content-Type": "application/json"}
	exampletest.RoundTrip(t, a, b, openapi.ExportOptions{Title: "pets"}, []exampletest.Request{
		{Method: "GET", Path: "/pets"},
		{Method: "GET", Path: "/pets", Header: key},
		{Method: "GET", Path: "/pets/2", Header: key},
		{Method: "GET", Path: "/pets/9", Header: key},
		{Method: "POST", Path: "/pets", Body: `{"name": "Rex", "type": "dog"}`, Header: key},
		{Method: "POST", Path: "/pets", Body: `{"name": "Rex", "type": "unicorn"}`, Header: write},
		{Method: "POST", Path: "/pets", Body: `{"name": "Rex", "type": "dog"}`, Header: write},
		{Method: "OPTIONS", Path: "/pets", Header: map[string]string{"Origin": "https://pets.example", "Access-Control-Request-Method": "POST"}},
	})
}
