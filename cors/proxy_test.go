package cors_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/apigw/apigw/cors"
)

// TestRemoveHeadersBehindReverseProxy checks that a proxied backend's own
// CORS headers, which a reverse proxy would add to the policy's, are
// dropped, leaving one Access-Control-Allow-Origin value.
func TestRemoveHeadersBehindReverseProxy(t *testing.T) {
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
	for _, remove := range []bool{false, true} {
		proxy := httputil.NewSingleHostReverseProxy(target)
		if remove {
			proxy.ModifyResponse = func(res *http.Response) error {
				cors.RemoveHeaders(res.Header)
				return nil
			}
		}
		r := httptest.NewRequest(http.MethodGet, "/breeds", nil)
		r.Header.Set("Origin", "https://pet.com")
		w := httptest.NewRecorder()
		mustNew(t, exact).Handler(proxy).ServeHTTP(w, r)
		h := w.Header()
		if !remove {
			if len(h["Access-Control-Allow-Origin"]) != 2 {
				t.Fatalf("without RemoveHeaders: %q; the test no longer shows the problem", h["Access-Control-Allow-Origin"])
			}
			continue
		}
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
}
