package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apigw/apigw/internal/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m, main) }

// TestSignals: apigw serve stops gracefully on SIGTERM, as Kubernetes,
// Docker and systemd stop it, as on SIGINT: a request in flight (its body
// read by the method's request validator) is answered, and the command
// exits with status 0.
func TestSignals(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "api.json")
	if err := os.WriteFile(spec, []byte(`{"openapi": "3.0.1", "info": {"title": "signals", "version": "1"},
		"x-amazon-apigateway-request-validators": {"body": {"validateRequestBody": true}},
		"paths": {"/in/flight": {"post": {
			"x-amazon-apigateway-request-validator": "body",
			"requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
			"responses": {"200": {"description": "ok"}},
			"x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
				"responses": {"default": {"statusCode": "200"}}}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	exampletest.TestSignals(t, "POST /in/flight", "serve", "-addr", "127.0.0.1:0", spec)
}
