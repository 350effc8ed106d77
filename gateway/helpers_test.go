package gateway

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// do sends one request through h and returns the recorded answer.
func do(t *testing.T, h http.Handler, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// mustNew builds a gateway or fails the test.
func mustNew(t testing.TB, opts ...Option) *Gateway {
	t.Helper()
	gw, err := New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return gw
}

// wantError checks an AWS-style gateway error response.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, message, errorType string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status = %d, want %d (body %s)", rec.Code, status, rec.Body)
	}
	var body struct {
		Message *string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body, err)
	}
	got := "null"
	if body.Message != nil {
		got = *body.Message
	}
	if got != message {
		t.Errorf("message = %q, want %q", got, message)
	}
	if et := rec.Header().Get("x-amzn-ErrorType"); et != errorType {
		t.Errorf("x-amzn-ErrorType = %q, want %q", et, errorType)
	}
	if rec.Header().Get("x-amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId")
	}
}

// echo answers with what it saw, as JSON.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c := apigwContext(r)
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"path":     r.URL.Path,
		"query":    r.URL.RawQuery,
		"resource": c.ResourcePath,
		"params":   c.PathParameters,
		"stage":    c.Stage,
		"vars":     c.StageVariables,
		"canary":   c.IsCanaryRequest,
		"body":     string(body),
	})
})

func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return m
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
