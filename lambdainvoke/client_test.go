package lambdainvoke_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/apigw/apigw/lambdainvoke"
)

// invokeAPI is Lambda's Invoke API as the tests need it: it records the
// requests, checks they are signed, and answers with fn.
type invokeAPI struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func newFakeLambda(t *testing.T, fns map[string]any) (*httptest.Server, *invokeAPI) {
	t.Helper()
	h, err := lambdainvoke.NewHandler(fns)
	if err != nil {
		t.Fatal(err)
	}
	rec := &invokeAPI{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r.Clone(context.Background()))
		rec.mu.Unlock()
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=") {
			http.Error(w, `{"message":"not signed"}`, http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

func TestInvoke(t *testing.T) {
	srv, rec := newFakeLambda(t, map[string]any{
		"echo": func(_ context.Context, in map[string]any) (map[string]any, error) {
			return map[string]any{"got": in["x"]}, nil
		},
		"echo:v2": func(_ context.Context, in map[string]any) (string, error) { return "v2", nil },
		"fail":    func(context.Context) error { return errors.New("Unauthorized") },
		"panic":   func(context.Context) error { panic("boom") },
	})
	c, err := lambdainvoke.New(lambdainvoke.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	out, err := c.Function("echo", "").Invoke(ctx, []byte(`{"x": 1}`))
	if err != nil || string(out) != `{"got":1}` {
		t.Fatalf("echo: %s, %v", out, err)
	}
	out, err = c.Function("echo", "v2").Invoke(ctx, []byte(`{}`))
	if err != nil || string(out) != `"v2"` {
		t.Fatalf("echo:v2: %s, %v", out, err)
	}
	if q := rec.reqs[len(rec.reqs)-1].URL.Query().Get("Qualifier"); q != "v2" {
		t.Errorf("Qualifier %q, want v2", q)
	}

	_, err = c.Function("fail", "").Invoke(ctx, nil)
	var fe *lambdainvoke.FunctionError
	if !errors.As(err, &fe) || err.Error() != "Unauthorized" || fe.Kind != "Unhandled" {
		t.Fatalf("fail: %v (%#v)", err, fe)
	}
	var doc map[string]string
	if json.Unmarshal(fe.Payload, &doc) != nil || doc["errorMessage"] != "Unauthorized" {
		t.Errorf("payload %s", fe.Payload)
	}
	if _, err = c.Function("panic", "").Invoke(ctx, nil); !errors.As(err, &fe) || fe.Type != "Runtime.Panic" || fe.Message != "boom" {
		t.Fatalf("panic: %v", err)
	}
	if _, err = c.Function("nobody", "").Invoke(ctx, nil); err == nil || errors.As(err, &fe) || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("unknown function: %v", err)
	}

	// The Runtime Interface Emulator's single function.
	rie, err := lambdainvoke.New(lambdainvoke.Config{Endpoint: srv.URL, FunctionName: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := rie.Function("HelloWorld", "").Invoke(ctx, []byte(`{"x":"rie"}`)); err != nil || string(out) != `{"got":"rie"}` {
		t.Fatalf("renamed: %s, %v", out, err)
	}
}

func TestInvokeHonoursTheContext(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	srv, _ := newFakeLambda(t, map[string]any{"slow": func(ctx context.Context) error {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return nil
	}})
	c, _ := lambdainvoke.New(lambdainvoke.Config{Endpoint: srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Function("slow", "").Invoke(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestConfig(t *testing.T) {
	if _, err := lambdainvoke.New(lambdainvoke.Config{}); err == nil {
		t.Error("AWS Lambda without credentials: no error")
	}
	if _, err := lambdainvoke.New(lambdainvoke.Config{Endpoint: "localhost:3001"}); err == nil {
		t.Error("an endpoint without a scheme: no error")
	}
	if _, err := lambdainvoke.NewHandler(map[string]any{"bad": 42}); err == nil {
		t.Error("a function that is not one: no error")
	}
}
