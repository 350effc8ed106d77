package cors_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
)

// TestPolicyBehindReverseProxy checks that a proxied backend's own CORS
// headers, which a reverse proxy adds to the policy's, are dropped, leaving
// the policy's one Access-Control-Allow-Origin value.
func TestPolicyBehindReverseProxy(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Access-Control-Max-Age", "86400")
		w.Header().Set("X-Breed", "beagle")
		w.Header().Add("Vary", "Accept-Encoding")
	}))
	defer backend.Close()
	target, err := url.Parse(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := httptest.NewRequest(http.MethodGet, "/breeds", nil)
	r.Header.Set("Origin", "https://pet.com")
	w := httptest.NewRecorder()
	mustNew(t, exact).Handler(proxy).ServeHTTP(w, r)
	h := w.Header()
	if got := h["Access-Control-Allow-Origin"]; len(got) != 1 || got[0] != "https://pet.com" {
		t.Errorf("Access-Control-Allow-Origin = %q", got)
	}
	if h.Get("Access-Control-Allow-Credentials") != "" || h.Get("Access-Control-Max-Age") != "" {
		t.Errorf("backend CORS headers kept: %v", h)
	}
	if h.Get("X-Breed") != "beagle" || len(h["Vary"]) != 2 {
		t.Errorf("backend headers lost: %v", h)
	}
}

// TestPolicyOverHandler: a handler that echoes any Origin (the classic
// misconfiguration) cannot grant an origin the policy refuses, with Set,
// Add or through a flush.
func TestPolicyOverHandler(t *testing.T) {
	for _, how := range []string{"set", "add", "flush"} {
		h := mustNew(t, exact).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o := r.Header.Get("Origin")
			switch how {
			case "set":
				w.Header().Set("Access-Control-Allow-Origin", o)
				w.Header().Set("Access-Control-Allow-Credentials", "true")
			case "add":
				w.Header().Add("Access-Control-Allow-Origin", o)
			case "flush":
				w.Header().Set("Access-Control-Allow-Origin", o)
				w.(http.Flusher).Flush()
			}
			_, _ = w.Write([]byte("ok"))
		}))
		for _, origin := range []string{"https://evil.example", "https://pet.com"} {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Origin", origin)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			got := w.Header()["Access-Control-Allow-Origin"]
			want := []string{origin}
			if origin == "https://evil.example" {
				want = nil
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || w.Header().Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("%s, Origin %s: ACAO %q, ACAC %q", how, origin, got, w.Header().Get("Access-Control-Allow-Credentials"))
			}
		}
	}
}
