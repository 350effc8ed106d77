package gateway

import (
	"errors"
	"github.com/apigw/apigw/cache"
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
		WithCORS(cors.Config{AllowOrigins: []string{"https://pet.example"}, AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"X-Custom"}}),
		Route("POST /identify", Method{Integration: Handler(backend)}),
		Route("GET /boom", Method{Integration: Lambda(func() error { return errors.New("boom") })}),
		Route("GET /open", Method{Integration: Handler(backend), CORS: &cors.Config{AllowOrigins: []string{"*"}}}),
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

// echoOrigin is the classic misconfigured backend: it grants whatever
// origin asks, with credentials.
func echoOrigin(req http.Header) map[string]string {
	o := req.Get("Origin")
	if o == "" {
		return nil
	}
	return map[string]string{"Access-Control-Allow-Origin": o, "Access-Control-Allow-Credentials": "true"}
}

// TestCORSOverIntegrations: an integration's own CORS headers never
// override the API's policy, for every integration kind, cached or not; and
// without a policy a cached answer never replays one caller's grant to
// another.
func TestCORSOverIntegrations(t *testing.T) {
	policy := cors.Config{AllowOrigins: []string{"https://pet.example"}}
	for _, k := range everyKind(t, answering(echoOrigin)) {
		for _, cached := range []bool{false, true} {
			opts := []Option{WithCORS(policy), Route("GET /pets/{id}", Method{Integration: k.build("/pets/{id}")})}
			if cached {
				opts = append(opts, WithCache(cache.Config{}))
			}
			gw := mustNew(t, opts...)
			for range 2 { // the second time from the cache, where it is on
				for origin, want := range map[string]string{"https://pet.example": "https://pet.example", "https://evil.example": ""} {
					rec := do(t, gw, "GET", "/pets/1", "", "Origin", origin)
					got := rec.Header()["Access-Control-Allow-Origin"]
					if rec.Code != 200 || want == "" && len(got) != 0 || want != "" && (len(got) != 1 || got[0] != want) ||
						rec.Header().Get("Access-Control-Allow-Credentials") != "" {
						t.Errorf("%s cached=%v Origin %s: %d, ACAO %q, ACAC %q", k.name, cached, origin, rec.Code, got,
							rec.Header().Get("Access-Control-Allow-Credentials"))
					}
				}
			}
		}
		if !k.echoes {
			continue // a mock sets no CORS headers of its own
		}
		// No policy: the backend's grant is its own, but a cached answer
		// does not carry one caller's grant to another.
		gw := mustNew(t, WithCache(cache.Config{}), Route("GET /pets/{id}", Method{Integration: k.build("/pets/{id}")}))
		for _, origin := range []string{"https://a.example", "https://b.example", "https://a.example"} {
			rec := do(t, gw, "GET", "/pets/1", "", "Origin", origin)
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != origin {
				t.Errorf("%s without a policy, Origin %s: ACAO %q", k.name, origin, got)
			}
		}
	}
}

// TestCORSUnknownStage: with several stages, a request or a preflight for
// a stage that does not exist, or for a path that cannot be served, gets
// the API's CORS headers like every other error.
func TestCORSUnknownStage(t *testing.T) {
	gw := mustNew(t, WithStage(stageNamed("prod")), WithStage(stageNamed("test")),
		WithCORS(cors.Config{AllowOrigins: []string{"https://pet.example"}}),
		Route("GET /pets", Method{Integration: Mock(200, `{}`)}))
	for _, path := range []string{"/nostage/pets", "/", "/prod/a%2Fb"} {
		rec := do(t, gw, "GET", path, "", "Origin", "https://pet.example")
		wantError(t, rec, 403, "Missing Authentication Token", "MissingAuthenticationTokenException")
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "https://pet.example" {
			t.Errorf("GET %s: ACAO %q", path, got)
		}
		rec = do(t, gw, "OPTIONS", path, "", "Origin", "https://pet.example", "Access-Control-Request-Method", "GET")
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "https://pet.example" {
			t.Errorf("preflight %s: %d, ACAO %q", path, rec.Code, got)
		}
	}
}
