package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/mapping"
)

type atkSeen struct {
	Path   string      `json:"path"`
	Raw    string      `json:"raw"`
	Header http.Header `json:"header"`
	Host   string      `json:"host"`
}

func atkEchoServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(atkSeen{Path: r.URL.Path, Raw: r.RequestURI, Header: r.Header, Host: r.Host})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func atkDecode(t *testing.T, rec *httptest.ResponseRecorder) atkSeen {
	t.Helper()
	var s atkSeen
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
		t.Fatalf("status %d body %q: %v", rec.Code, rec.Body, err)
	}
	return s
}

// An HTTP API maps a header for the backend (here the authorizer's
// verdict, a literal for brevity). The client names it in Connection:
// httputil.ReverseProxy then drops the header the gateway set, as a
// hop-by-hop header of the client's.
func TestAtkBodyConnectionDropsMappedHeader(t *testing.T) {
	srv := atkEchoServer(t)
	gw := mustNew(t, WithHTTPAPI(), Route("GET /items", Method{
		Integration: HTTP(srv.URL + "/items"),
		ParameterMapping: &ParameterMapping{Request: map[string]string{
			"overwrite:header.x-tenant": "acme",
		}},
	}))
	s := atkDecode(t, do(t, gw, "GET", "/items", "", "Connection", "x-tenant"))
	if s.Header.Get("X-Tenant") != "acme" {
		t.Errorf("backend got X-Tenant %q, want the mapped acme (Connection: x-tenant dropped it)", s.Header.Get("X-Tenant"))
	}
	s = atkDecode(t, do(t, gw, "GET", "/items", "", "Connection", "close, x-tenant", "X-Tenant", "evil"))
	if got := s.Header.Values("X-Tenant"); len(got) != 1 || got[0] != "acme" {
		t.Errorf("backend got X-Tenant %q, want [acme]", got)
	}
}

// REST API, non-proxy HTTP integration: the integration request carries
// only mapped headers, so Connection cannot drop one.
func TestAtkBodyConnectionRESTMapped(t *testing.T) {
	srv := atkEchoServer(t)
	gw := mustNew(t, Route("GET /items", Method{
		Integration: HTTP(srv.URL + "/items"),
		Request: mapping.RequestConfig{Parameters: map[string]string{
			"integration.request.header.x-tenant": "'acme'",
		}},
	}))
	rec := do(t, gw, "GET", "/items", "", "Connection", "x-tenant")
	if rec.Code != 200 || !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	var s atkSeen
	_ = json.Unmarshal(rec.Body.Bytes(), &s)
	if s.Header.Get("X-Tenant") != "acme" {
		t.Errorf("backend got X-Tenant %q, want acme", s.Header.Get("X-Tenant"))
	}
}

// Host and X-Forwarded-* from the client.
func TestAtkBodyHostAndForwarded(t *testing.T) {
	srv := atkEchoServer(t)
	gw := mustNew(t, Route("GET /items", Method{Integration: HTTP(srv.URL + "/items")}))
	req := httptest.NewRequest("GET", "/items", nil)
	req.Host = "internal.admin"
	req.Header.Set("X-Forwarded-For", "10.0.0.1")
	req.Header.Set("X-Forwarded-Host", "internal.admin")
	req.RemoteAddr = "203.0.113.9:1234"
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	s := atkDecode(t, rec)
	if s.Host == "internal.admin" {
		t.Errorf("backend Host = client's %q", s.Host)
	}
	if xff := s.Header.Get("X-Forwarded-For"); xff == "10.0.0.1" || len(xff) >= 8 && xff[:8] == "10.0.0.1" {
		t.Logf("X-Forwarded-For starts with the client's claim: %q", xff)
	}
	t.Logf("X-Forwarded-For %q, X-Forwarded-Host %q", s.Header.Get("X-Forwarded-For"), s.Header.Get("X-Forwarded-Host"))
}

// Path parameters that try to climb out of the integration's prefix.
func TestAtkBodyProxyTraversal(t *testing.T) {
	srv := atkEchoServer(t)
	gw := mustNew(t, Route("ANY /files/{proxy+}", Method{Integration: HTTP(srv.URL + "/api/public/{proxy}")}))
	for _, target := range []string{
		"/files/..%2F..%2Fadmin", "/files/%2e%2e/%2e%2e/admin", "/files/a/%2e%2e/%2e%2e/%2e%2e/admin",
		"/files/%252e%252e/admin", "/files/..%5c..%5cadmin", "/files/a%00/admin", "/files/.%2e/admin",
	} {
		rec := do(t, gw, "GET", target, "")
		if rec.Code != 200 {
			continue
		}
		s := atkDecode(t, rec)
		if len(s.Path) < len("/api/public/") || s.Path[:len("/api/public/")] != "/api/public/" {
			t.Errorf("%s: backend path %q (raw %q) outside /api/public/", target, s.Path, s.Raw)
		}
		t.Logf("%s -> %d raw %q", target, rec.Code, s.Raw)
	}
}

// A REST non-proxy mapping puts a query-string value into a path
// parameter of the integration URL; ".." is a segment of its own.
func TestAtkBodyMappedPathDotDot(t *testing.T) {
	srv := atkEchoServer(t)
	gw := mustNew(t, Route("GET /users/{id}", Method{
		Integration: HTTP(srv.URL + "/api/users/{id}/profile"),
		Request: mapping.RequestConfig{Parameters: map[string]string{
			"integration.request.path.id": "method.request.querystring.u",
		}},
	}))
	rec := do(t, gw, "GET", "/users/1?u=..", "")
	s := atkDecode(t, rec)
	t.Logf("u=.. -> backend raw %q", s.Raw)
}

// A REST non-proxy HTTP integration whose integration.request.path.id is
// mapped from something the client does not choose (the authorizer's
// principal in practice; a literal here). AWS fills the integration URI's
// {id} from integration.request.path.id; apigw fills it from the client's
// method path parameter and ignores the mapping: the client picks the id.
func TestAtkBodyMappedPathIgnoredByHTTP(t *testing.T) {
	srv := atkEchoServer(t)
	gw := mustNew(t, Route("GET /users/{id}", Method{
		Integration: HTTP(srv.URL + "/api/users/{id}"),
		Request: mapping.RequestConfig{Parameters: map[string]string{
			"integration.request.path.id": "'me'",
		}},
	}))
	s := atkDecode(t, do(t, gw, "GET", "/users/victim", ""))
	if s.Path != "/api/users/me" {
		t.Errorf("backend path %q, want /api/users/me (integration.request.path.id ignored; the client's {id} used)", s.Path)
	}
}

// HTTP API overwrite:path from a query value.
func TestAtkBodyHTTPAPIOverwritePath(t *testing.T) {
	t.Skip("open: whether AWS escapes values interpolated into overwrite:path is not documented; to be checked against AWS")
	srv := atkEchoServer(t)
	gw := mustNew(t, WithHTTPAPI(), Route("GET /users", Method{
		Integration: HTTP(srv.URL + "/api/users"),
		ParameterMapping: &ParameterMapping{Request: map[string]string{
			"overwrite:path": "/api/users/${request.querystring.u}",
		}},
	}))
	for _, u := range []string{"..%2F..%2Fadmin", "%2e%2e/%2e%2e/admin", "1%3Fx=1", "1%23frag", "1%0d%0aX:1"} {
		rec := do(t, gw, "GET", "/users?u="+u, "")
		if rec.Code != 200 {
			t.Logf("u=%s -> %d %s", u, rec.Code, rec.Body)
			continue
		}
		s := atkDecode(t, rec)
		t.Logf("u=%s -> backend raw %q path %q", u, s.Raw, s.Path)
		if strings.Contains(s.Path, "/../") {
			t.Errorf("u=%s: backend asked for %q: a query value climbs out of /api/users/ (unsure what AWS sends)", u, s.Raw)
		}
	}
}
