package main

import (
	"testing"

	"github.com/apigw/apigw/examples/petbreed/petbreed"
	"github.com/apigw/apigw/internal/exampletest"
	"github.com/apigw/apigw/openapi"
)

// TestExport: the breed API, its CORS policy, model and TOKEN authorizer,
// exported as OpenAPI and loaded back answers as the one built in Go.
func TestExport(t *testing.T) {
	const origin = "http://127.0.0.1:8081"
	a, err := petbreed.NewAPI(origin, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := petbreed.NewAPI(origin, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	photo := `{"photo": "a dog"}`
	json := map[string]string{"Content-Type": "application/json", "Origin": origin}
	premium := map[string]string{"Content-Type": "application/json", "Origin": origin, "Authorization": "Bearer " + petbreed.PremiumToken}
	exampletest.RoundTrip(t, a, b, openapi.ExportOptions{Title: "petbreed"}, []exampletest.Request{
		{Method: "POST", Path: "/identify", Body: photo, Header: json},
		{Method: "POST", Path: "/identify", Body: `{}`, Header: json},
		{Method: "POST", Path: "/identify/premium", Body: photo, Header: json},
		{Method: "POST", Path: "/identify/premium", Body: photo, Header: premium},
		{Method: "OPTIONS", Path: "/identify", Header: map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "content-type, " + petbreed.ClientHeader}},
		{Method: "OPTIONS", Path: "/identify", Header: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}},
	})
}
