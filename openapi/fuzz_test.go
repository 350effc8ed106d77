package openapi_test

import (
	"os"
	"testing"

	"github.com/apigw/apigw/openapi"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// FuzzLoad: no document, however malformed, panics the loader. (Check
// also builds the gateway, which FuzzLoad leaves out to stay fast.)
func FuzzLoad(f *testing.F) {
	// Small seeds: the fuzzer mutates them quickly; the AWS samples are
	// the unit tests'.
	f.Add(readSeed(f, "aws-simple-petstore.json"))
	f.Add(readSeed(f, "aws-http-api-integrations.json"))
	f.Add([]byte(httpAPIDoc))
	f.Add([]byte(authorizersDoc))
	f.Add([]byte("openapi: 3.0.1\npaths: {/a: {x-amazon-apigateway-any-method: {x-amazon-apigateway-integration: {type: mock}}}}"))
	f.Add([]byte(`{"swagger": "2.0", "paths": {"/a": null}}`)) // panicked
	f.Add([]byte("swagger: 2.0\npaths:\n  /a/:\n    get: {parameters: [{in: body, name: b, schema: {$ref: B}}, {in: body, name: b, schema: {$ref: B}}]}\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		b := openapi.Bindings{Functions: map[string]any{"f": func() error { return nil }},
			// No credential chain to load: nothing leaves the process.
			AWS: openapi.AWSBindings{Credentials: credentials.NewStaticCredentialsProvider("AKIA", "secret", ""), Endpoint: "http://127.0.0.1:9"}}
		if api, err := openapi.Load(doc, b); err == nil {
			_ = api.Options()
		}
	})
}

func readSeed(f *testing.F, name string) []byte {
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	return data
}
