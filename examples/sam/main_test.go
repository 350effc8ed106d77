package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/internal/exampletest"
	"github.com/apigw/apigw/lambdainvoke"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
)

type exchange struct {
	name       string
	method     string
	path       string
	header     map[string]string
	body       string
	wantStatus int
	wantBody   string
	wantHeader map[string]string
}

func do(t *testing.T, base string, cases []exchange) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.wantStatus, body)
			}
			if c.wantBody != "" && !strings.Contains(string(body), c.wantBody) {
				t.Errorf("body %s, want %s", body, c.wantBody)
			}
			for k, v := range c.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
}

// writes are the exchanges that need the key, a token and a valid pet.
func writes(token string) []exchange {
	key := map[string]string{"x-api-key": demoKey, "Content-Type": "application/json"}
	withToken := map[string]string{"x-api-key": demoKey, "Content-Type": "application/json", "Authorization": token}
	return []exchange{
		{name: "POST without a token", method: "POST", path: "/pets", header: key, body: `{"name":"Rex","type":"dog"}`, wantStatus: 401},
		{name: "POST an invalid pet", method: "POST", path: "/pets", header: withToken, body: `{"name":"Rex","type":"unicorn"}`,
			wantStatus: 400, wantBody: `{"message":"Invalid request body"}`},
		{name: "POST", method: "POST", path: "/pets", header: withToken, body: `{"name":"Rex","type":"dog"}`,
			wantStatus: 201, wantBody: `{"id":3,"name":"Rex","type":"dog","owner":"demo-user"}`},
		{name: "the new pet is listed", method: "GET", path: "/pets", header: key, wantStatus: 200, wantBody: `"name":"Rex"`},
	}
}

// TestExample runs the whole API of template.yaml in-process.
func TestExample(t *testing.T) {
	keys, err := newIssuer()
	if err != nil {
		t.Fatal(err)
	}
	token, _ := keys.token("demo-user")
	st := newStore()
	base := exampletest.Start(t, func(ctx context.Context, addr string, ready chan<- string) error {
		return run(ctx, addr, options{store: st, keys: keys, logger: slog.New(slog.DiscardHandler)}, ready)
	})
	key := map[string]string{"x-api-key": demoKey}
	do(t, base, []exchange{
		{name: "no API key", method: "GET", path: "/pets", wantStatus: 403, wantBody: `{"message":"Forbidden"}`},
		{name: "list, with the stage variable", method: "GET", path: "/pets", header: key, wantStatus: 200,
			wantBody: `{"pets":[{"id":1,"name":"Fido","type":"dog"},{"id":2,"name":"Tom","type":"cat"}],"store":"Downtown"}`},
		{name: "get", method: "GET", path: "/pets/1", header: key, wantStatus: 200, wantBody: `"name":"Fido"`},
		{name: "get, cached", method: "GET", path: "/pets/1", header: key, wantStatus: 200, wantBody: `"name":"Fido"`},
		// SAM's Cors is an OPTIONS mock on each path answering with the
		// template's headers, whatever the Origin; the functions' answers
		// carry only the headers the functions send.
		{name: "CORS preflight of the shop", method: "OPTIONS", path: "/pets",
			header:     map[string]string{"Origin": "https://pets.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"},
			wantStatus: 200, wantHeader: map[string]string{"Access-Control-Allow-Origin": "https://pets.example", "Access-Control-Max-Age": "600",
				"Access-Control-Allow-Methods": "GET,POST"}},
		{name: "CORS for another origin", method: "GET", path: "/pets", header: map[string]string{"x-api-key": demoKey, "Origin": "https://evil.example"},
			wantStatus: 200, wantHeader: map[string]string{"Access-Control-Allow-Origin": ""}},
	})
	st.mu.Lock()
	gets := st.gets
	st.mu.Unlock()
	if gets != 1 {
		t.Errorf("GetPetFunction ran %d times, want 1: the second GET /pets/1 is the cache's", gets)
	}
	do(t, base, writes(token))
}

// TestLambdaMode runs the functions behind the Invoke API (-lambda-addr)
// and serves the template as `apigw serve -lambda-endpoint -jwks` does.
func TestLambdaMode(t *testing.T) {
	keys, err := newIssuer()
	if err != nil {
		t.Fatal(err)
	}
	token, _ := keys.token("demo-user")
	lambdaBase := exampletest.Start(t, func(ctx context.Context, addr string, ready chan<- string) error {
		return run(ctx, addr, options{lambda: true, keys: keys, logger: slog.New(slog.DiscardHandler)}, ready)
	})
	resp, err := http.Get(lambdaBase + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	var jwks map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&jwks)
	resp.Body.Close()
	if keys, _ := jwks["keys"].([]any); len(keys) != 1 {
		t.Fatalf("JWKS %v", jwks)
	}
	client, err := lambdainvoke.New(lambdainvoke.Config{Endpoint: lambdaBase})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := sam.New(template, sam.Bindings{Bindings: openapi.Bindings{
		Invoke: func(name, qualifier string) openapi.Invoker { return client.Function(name, qualifier) },
		JWT:    func(_ string, cfg *authorizer.JWTConfig) { cfg.JWKSURL = lambdaBase + "/.well-known/jwks.json" },
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	apiBase := exampletest.Start(t, func(ctx context.Context, addr string, ready chan<- string) error {
		return serveHandler(ctx, addr, gw, ready)
	})
	do(t, apiBase, writes(token))
}
