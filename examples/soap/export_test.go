package main

import (
	"testing"

	"github.com/apigw/apigw/internal/exampletest"
	"github.com/apigw/apigw/openapi"
)

// TestExport: the SOAP API, CEL text templates included, exported as
// OpenAPI and loaded back answers as the one built in Go.
func TestExport(t *testing.T) {
	a, err := newGateway()
	if err != nil {
		t.Fatal(err)
	}
	b, err := newGateway()
	if err != nil {
		t.Fatal(err)
	}
	json := map[string]string{"Content-Type": "application/json"}
	exampletest.RoundTrip(t, a, b, openapi.ExportOptions{Title: "prices"}, []exampletest.Request{
		{Method: "POST", Path: "/prices", Body: `{"item": "apple"}`, Header: json},
		{Method: "POST", Path: "/prices", Body: `{"item": "unobtainium"}`, Header: json},
		{Method: "POST", Path: "/prices", Body: `{"thing": "apple"}`, Header: json},
		{Method: "POST", Path: "/prices", Body: `item=apple`, Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
	})
}
