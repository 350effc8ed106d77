package gateway

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/stage"
	"github.com/aws/aws-lambda-go/events"
)

// Attack tests: ways a request could get in that should not, through the
// public API. Each asserts the secure outcome: a failure is a finding.

// counting is a backend that counts the requests it sees.
func counting(n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Write([]byte(r.Method + " " + r.URL.Path))
	})
}

// serveRaw sends one raw HTTP/1.1 request line through a real net/http
// server in front of h, as a client on the wire would, and returns the
// status code.
func serveRaw(t *testing.T, h http.Handler, raw string) int {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestAttackResourcePolicyDenySpellings: a resource policy that allows the
// API but denies GET /pets/secret and every method under /admin cannot be
// spelled around by the method's case, an encoded stage, a query string
// holding a path, an absolute-form request target, method override
// headers or HEAD on an ANY route.
func TestAttackResourcePolicyDenySpellings(t *testing.T) {
	const doc = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":[
			"execute-api:/prod/GET/pets/secret","execute-api:/prod/*/admin/*","execute-api:/prod/*/admin"]}]}`
	var n atomic.Int64
	gw := mustNew(t, WithStage(stage.Stage{Name: "prod"}), WithStage(stage.Stage{Name: "test"}),
		WithResourcePolicy(doc),
		Route("GET /pets/{id}", Method{Integration: Handler(counting(&n))}),
		Route("ANY /admin", Method{Integration: Handler(counting(&n))}),
		Route("ANY /admin/{proxy+}", Method{Integration: Handler(counting(&n))}),
	)
	type tc struct {
		method, target string
		hdr            []string
	}
	cases := []tc{
		{"GET", "/prod/pets/secret", nil},
		{"get", "/prod/pets/secret", nil},
		{"Get", "/prod/pets/secret", nil},
		{"gET", "/prod/pets/secret", nil},
		{"GET", "/pr%6Fd/pets/secret", nil},
		{"GET", "/%70rod/pets/secret", nil},
		{"GET", "/prod/pets/secret?x=/pets/public", nil},
		{"GET", "/prod/pets/secret?/pets/public", nil},
		{"GET", "http://evil.example/prod/pets/secret", nil},
		{"GET", "/prod/pets/secret", []string{"X-HTTP-Method-Override", "POST"}},
		{"HEAD", "/prod/admin", nil},
		{"head", "/prod/admin/x", nil},
		{"DELETE", "/prod/admin/users/1", nil},
		{"delete", "/prod//admin/./users/1/", nil},
		{"OPTIONS", "/prod/admin/x", nil},
		{"PATCH", "/prod/admin/%2e%2E/admin/x", nil},
		{"GET", "/prod/pets/x/../secret", nil},
		{"GET", "/prod/x/../pets/secret", nil},
		{"GET", "/test/../prod/pets/secret", nil},
	}
	for _, c := range cases {
		before := n.Load()
		rec := do(t, gw, c.method, c.target, "", c.hdr...)
		if rec.Code/100 == 2 || n.Load() != before {
			t.Errorf("%s %s %v: %d %q: a denied resource was served", c.method, c.target, c.hdr, rec.Code, rec.Body)
		}
	}
	// A stage in another case is no stage at all.
	for _, target := range []string{"/PROD/pets/secret", "/Prod/pets/secret"} {
		before := n.Load()
		rec := do(t, gw, "GET", target, "")
		if rec.Code/100 == 2 || n.Load() != before {
			t.Errorf("GET %s: %d %q", target, rec.Code, rec.Body)
		}
	}
	// Over the wire too: absolute-form targets and lower-case methods as a
	// real server parses them.
	for _, raw := range []string{
		"GET http://evil.example/prod/pets/secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"get /prod/pets/secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /prod/pets/sec%72et HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET //prod/pets/secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"DELETE /prod/admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	} {
		before := n.Load()
		code := serveRaw(t, gw, raw)
		if code/100 == 2 || n.Load() != before {
			t.Errorf("wire %q: %d: a denied resource was served", strings.SplitN(raw, "\r\n", 2)[0], code)
		}
	}
	// A '#' in the request line is no fragment to net/http: the resource is
	// "secret#frag", another one, and the backend sees that one too.
	var seen atomic.Value
	gw2 := mustNew(t, WithResourcePolicy(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/pets/secret"}]}`),
		Route("GET /pets/{id}", Method{Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen.Store(r.URL.Path)
		}))}))
	if code := serveRaw(t, gw2, "GET /pets/secret#frag HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); code/100 == 2 {
		if p, _ := seen.Load().(string); p == "/pets/secret" {
			t.Errorf("GET /pets/secret#frag: %d, the backend saw %q", code, p)
		}
	}
	// Sanity: the policy lets other resources through.
	if rec := do(t, gw, "GET", "/prod/pets/public", ""); rec.Code != 200 {
		t.Fatalf("GET /prod/pets/public: %d %s", rec.Code, rec.Body)
	}
}

// TestAttackSourceIPClientHeaders: aws:SourceIp is the connection's
// address, never a client's X-Forwarded-For or similar header.
func TestAttackSourceIPClientHeaders(t *testing.T) {
	const doc = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*",
		 "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	var n atomic.Int64
	gw := mustNew(t, WithResourcePolicy(doc), Route("GET /pets/{id}", Method{Integration: Handler(counting(&n))}))
	for _, h := range [][]string{
		{"X-Forwarded-For", "10.0.0.1"},
		{"X-Forwarded-For", "10.0.0.1", "X-Forwarded-For", "10.0.0.2"},
		{"X-Real-Ip", "10.0.0.1"},
		{"Forwarded", "for=10.0.0.1"},
		{"True-Client-Ip", "10.0.0.1"},
		{"X-Client-Ip", "10.0.0.1"},
	} {
		req := httptest.NewRequest("GET", "/pets/1", nil)
		req.RemoteAddr = "198.51.100.7:1234"
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Add(h[i], h[i+1])
		}
		rec := httptest.NewRecorder()
		gw.ServeHTTP(rec, req)
		if rec.Code != 403 {
			t.Errorf("%v from 198.51.100.7: %d %s, want 403", h, rec.Code, rec.Body)
		}
	}
	if n.Load() != 0 {
		t.Errorf("the backend was reached %d times", n.Load())
	}
}

// TestAttackSourceIPDenyForms: a Deny of a source range applies to every
// spelling of an address in it that a connection can have: IPv4, IPv4
// mapped into IPv6, and an IPv6 address with a zone (a link-local peer:
// net/http's RemoteAddr is then "[fe80::1%eth0]:port").
func TestAttackSourceIPDenyForms(t *testing.T) {
	const doc = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*",
		 "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","fe80::/10","2001:db8::/32"]}}}]}`
	var n atomic.Int64
	gw := mustNew(t, WithResourcePolicy(doc), Route("GET /pets/{id}", Method{Integration: Handler(counting(&n))}))
	for _, remote := range []string{
		"10.0.0.1:1234",
		"[::ffff:10.0.0.1]:1234",
		"[::ffff:a00:1]:1234",
		"[fe80::1]:1234",
		"[fe80::1%eth0]:1234",
		"[fe80::1%25eth0]:1234",
		"[2001:db8::1]:1234",
		"[2001:db8::1%1]:1234",
	} {
		req := httptest.NewRequest("GET", "/pets/1", nil)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		before := n.Load()
		gw.ServeHTTP(rec, req)
		if rec.Code != 403 || n.Load() != before {
			t.Errorf("from %s: %d %s, want 403 (the address is in a denied range)", remote, rec.Code, rec.Body)
		}
	}
}

// TestAttackRouteFallbackAroundAuthorizer: a method a resource lacks must
// not be served by a less specific resource with weaker authorization. In
// AWS, once a resource matches the path, a method it lacks is 403 Missing
// Authentication Token; the gateway falls back to {param} or {proxy+}
// routes (a documented difference), so an unauthenticated catch-all serves
// the protected resource's path.
func TestAttackRouteFallbackAroundAuthorizer(t *testing.T) {
	denyAll := func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
	}
	tok, err := authorizer.NewToken(authorizer.TokenConfig{Func: denyAll, TTL: authorizer.NoCache})
	if err != nil {
		t.Fatal(err)
	}
	var admin, public atomic.Int64
	gw := mustNew(t, WithAuthorizer("tok", tok),
		Route("GET /admin/users/{id}", Method{Authorizer: "tok", Integration: Handler(counting(&admin))}),
		Route("DELETE /admin/users/{id}", Method{Authorizer: "tok", Integration: Handler(counting(&admin))}),
		Route("ANY /{proxy+}", Method{Integration: Handler(counting(&public))}),
	)
	if rec := do(t, gw, "DELETE", "/admin/users/1", "", "Authorization", "x"); rec.Code != 401 {
		t.Fatalf("DELETE with the authorizer: %d", rec.Code)
	}
	for _, m := range []string{"POST", "PUT", "PATCH"} {
		rec := do(t, gw, m, "/admin/users/1", "")
		if rec.Code/100 == 2 {
			t.Errorf("%s /admin/users/1 without credentials: %d %q: served by the unauthenticated ANY /{proxy+} (AWS: 403 Missing Authentication Token)", m, rec.Code, rec.Body)
		}
	}
}

type unauthorizedErr struct{}

func (unauthorizedErr) Error() string { return "Unauthorized" }

var errUnauthorized error = unauthorizedErr{}
