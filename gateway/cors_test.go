package gateway

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/apigw/apigw/cors"
)

func TestCORS(t *testing.T) {
	var calls atomic.Int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Write([]byte("ok"))
	})
	proxied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*") // the gateway's policy must win
		w.Write([]byte("proxied"))
	}))
	defer proxied.Close()
	gw := mustNew(t,
		WithCORS(cors.Options{AllowOrigins: []string{"https://pet.example"}, AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"X-Custom"}}),
		Route("POST /identify", Method{Integration: Handler(backend)}),
		Route("GET /boom", Method{Integration: Lambda(func() error { return errors.New("boom") })}),
		Route("GET /open", Method{Integration: Handler(backend), CORS: &cors.Options{AllowOrigins: []string{"*"}}}),
		Route("GET /proxied", Method{Integration: HTTP(proxied.URL)}),
		Route("POST /v", Method{Integration: Handler(backend), RequestParameters: map[string]bool{"method.request.header.x-id": true}}),
	)
	origin := "https://pet.example"
	tests := []struct {
		name       string
		method     string
		path       string
		header     []string
		wantStatus int
		wantAllow  string
	}{
		{"preflight without OPTIONS route", "OPTIONS", "/identify", []string{"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-custom"}, 204, origin},
		{"preflight from another origin", "OPTIONS", "/identify", []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "POST"}, 204, ""},
		{"preflight for a method not allowed", "OPTIONS", "/identify", []string{"Origin", origin, "Access-Control-Request-Method", "DELETE"}, 204, ""},
		{"preflight to an unknown path", "OPTIONS", "/nope", []string{"Origin", origin, "Access-Control-Request-Method", "GET"}, 204, origin},
		{"route override", "OPTIONS", "/open", []string{"Origin", "https://any.example", "Access-Control-Request-Method", "GET"}, 204, "*"},
		{"actual request", "POST", "/identify", []string{"Origin", origin}, 200, origin},
		{"5xx carries CORS", "GET", "/boom", []string{"Origin", origin}, 502, origin},
		{"400 carries CORS", "POST", "/v", []string{"Origin", origin}, 400, origin},
		{"403 carries CORS", "GET", "/nope", []string{"Origin", origin}, 403, origin},
		{"proxied backend's CORS removed", "GET", "/proxied", []string{"Origin", origin}, 200, origin},
		{"OPTIONS without preflight headers", "OPTIONS", "/identify", []string{"Origin", origin}, 403, origin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := calls.Load()
			rec := do(t, gw, tc.method, tc.path, "", tc.header...)
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d (%s)", rec.Code, tc.wantStatus, rec.Body)
			}
			if got := rec.Header().Values("Access-Control-Allow-Origin"); len(got) > 1 || (len(got) == 1) != (tc.wantAllow != "") || (len(got) == 1 && got[0] != tc.wantAllow) {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.wantAllow)
			}
			if tc.method == "OPTIONS" && calls.Load() != before {
				t.Error("a preflight reached the backend")
			}
		})
	}
}
