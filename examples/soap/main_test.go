package main

import (
	"context"
	"encoding/json"
	"github.com/apigw/apigw/internal/exampletest"
	"io"
	"net/http"
	"strings"
	"testing"
)

func start(t *testing.T) string {
	t.Helper()
	return exampletest.Start(t, func(ctx context.Context, addr string, ready chan<- string) error { return run(ctx, nil, addr, ready) })
}

func TestSOAP(t *testing.T) {
	base := start(t)
	tests := []struct {
		name, contentType, body string
		wantStatus              int
		want                    map[string]any
	}{
		{"price", "application/json", `{"item":"widget","quantity":3}`, 200,
			map[string]any{"price": 37.5, "currency": "EUR", "discounts": []any{0.5, 1.25}}},
		{"quantity defaults to one", "application/json", `{"item":"sprocket"}`, 200,
			map[string]any{"price": 3.2, "currency": "EUR", "discounts": []any{0.5, 1.25}}},
		{"SOAP fault", "application/json", `{"item":"gad<get>"}`, 502, map[string]any{"error": "Unknown item gad<get>"}},
		{"model refuses", "application/json", `{"quantity":2}`, 400, map[string]any{"message": "Invalid request body"}},
		{"XML is not passed through", "text/xml", `<GetPrice/>`, 415, map[string]any{"message": "Unsupported Media Type"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(base+"/prices", tc.contentType, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("answer %d %s is not JSON: %v", resp.StatusCode, b, err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, b)
			}
			if id := got["requestId"]; id != nil && id != resp.Header.Get("x-amzn-RequestId") {
				t.Errorf("requestId %v, header %q", id, resp.Header.Get("x-amzn-RequestId"))
			}
			delete(got, "requestId")
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(tc.want)
			if string(gb) != string(wb) {
				t.Errorf("answer %s, want %s", gb, wb)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}
