package main

import (
	"testing"

	"github.com/apigw/apigw/internal/exampletest"
	"github.com/apigw/apigw/openapi"
)

// TestExport: the canary API, its function aliases chosen by a stage
// variable, exported as OpenAPI and loaded back answers as the one built
// in Go (the draw fixed: all to the canary, then none).
func TestExport(t *testing.T) {
	for _, draw := range []float64{0, 0.99} {
		o := options{canaryPercent: 50, random: func() float64 { return draw }}
		a, err := newGateway(o)
		if err != nil {
			t.Fatal(err)
		}
		b, err := newGateway(o)
		if err != nil {
			t.Fatal(err)
		}
		exampletest.RoundTrip(t, a, b, openapi.ExportOptions{Functions: map[string]string{"GET /hello": "hello"}}, []exampletest.Request{
			{Method: "GET", Path: "/hello"},
		})
	}
}
