package gateway

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/stage"
)

func TestHTTPProxy(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Backend-Path", r.URL.Path)
		w.Header().Set("X-Backend-Raw", r.URL.EscapedPath())
		w.Header().Set("X-Backend-Query", r.URL.RawQuery)
		w.Header().Set("X-Backend-Host", r.Host)
		w.Header().Set("X-Saw-Connection", r.Header.Get("Connection")+"|"+r.Header.Get("X-Hop"))
		w.Header().Set("X-Forwarded-For-Seen", r.Header.Get("X-Forwarded-For"))
		w.Header().Set("X-Method", r.Method)
		w.WriteHeader(201)
		_, _ = w.Write(body)
	}))
	defer backend.Close()
	gw := mustNew(t,
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "v2"}}),
		Route("ANY /api/{proxy+}", Method{Integration: HTTP(backend.URL + "/${stageVariables.ver}/{proxy}?src=gw")}),
		Route("GET /artists/{id}", Method{Integration: HTTP(backend.URL + "/artists/{id}")}),
	)
	req := httptest.NewRequest("POST", "/api/a/b%20c?x=1", strings.NewReader("payload"))
	req.Header.Set("Connection", "X-Hop")
	req.Header.Set("X-Hop", "secret")
	req.RemoteAddr = "198.51.100.7:5555"
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	h := rec.Header()
	if rec.Code != 201 || rec.Body.String() != "payload" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	checks := map[string]string{
		"X-Backend-Path":       "/v2/a/b c",
		"X-Backend-Query":      "src=gw&x=1",
		"X-Backend-Host":       strings.TrimPrefix(backend.URL, "http://"),
		"X-Saw-Connection":     "|",
		"X-Forwarded-For-Seen": "198.51.100.7",
		"X-Method":             "POST",
	}
	for k, want := range checks {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if h.Get("x-amzn-RequestId") == "" {
		t.Error("no request id on a proxied answer")
	}
	// An escaped character of a {param} stays escaped on the way out; an
	// escaped slash is refused before any backend (path.go).
	rec = do(t, gw, "GET", "/artists/x%3Fy", "")
	if got := rec.Header().Get("X-Backend-Raw"); got != "/artists/x%3Fy" {
		t.Errorf("backend path = %q, want /artists/x%%3Fy", got)
	}
	wantError(t, do(t, gw, "GET", "/artists/x%2Fy", ""), 403, "Missing Authentication Token", "MissingAuthenticationTokenException")
}

func TestHTTPProxyFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	gw := mustNew(t,
		Route("GET /dead", Method{Integration: HTTP(dead + "/x")}),
		Route("GET /slow", Method{Timeout: 100 * time.Millisecond, Integration: HTTP(slow.URL)}),
	)
	wantError(t, do(t, gw, "GET", "/dead", ""), 502, "Internal server error", "InternalServerErrorException")
	start := time.Now()
	wantError(t, do(t, gw, "GET", "/slow", ""), 504, "Endpoint request timed out", "InternalServerErrorException")
	if time.Since(start) > 3*time.Second {
		t.Error("the timeout did not cut the slow endpoint short")
	}
}
