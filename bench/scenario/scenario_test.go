package scenario

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	credsOnce sync.Once
	creds     *Credentials
	credsErr  error
)

func testCredentials(t testing.TB) *Credentials {
	t.Helper()
	credsOnce.Do(func() { creds, credsErr = NewCredentials() })
	if credsErr != nil {
		t.Fatal(credsErr)
	}
	return creds
}

// testEnv returns the Env of the scenarios, with a backend on 127.0.0.1
// (in this process) for the HTTP proxies.
func testEnv(t testing.TB) Env {
	t.Helper()
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := testCredentials(t).WriteJWKS(jwks); err != nil {
		t.Fatal(err)
	}
	return Env{Keys: testCredentials(t).Public, JWKSPath: jwks, BackendURL: newLoopbackBackend(t)}
}

// newLoopbackBackend serves Backend on 127.0.0.1 until the test ends.
func newLoopbackBackend(t testing.TB) string {
	backend := httptest.NewServer(Backend)
	t.Cleanup(backend.Close)
	return backend.URL
}

// benchmarkScenario repeats s's request through h.
func benchmarkScenario(b *testing.B, s *Scenario, h http.Handler) {
	d, err := newDriver(s, h, testCredentials(b).Token)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		d.serve()
	}
}

// build builds s's handler for the test, which it skips for a peer that is
// not compiled in.
func build(tb testing.TB, s *Scenario, env Env) http.Handler {
	tb.Helper()
	if s.Peer && !PeersBuilt {
		tb.Skip("peer not compiled in: go test -tags peers")
	}
	h, closeFn, err := s.Build(env)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(closeFn)
	return h
}

// TestScenariosInProcess calls every scenario's handler directly and
// checks its answer and the allocation figures.
func TestScenariosInProcess(t *testing.T) {
	env := testEnv(t)
	token := testCredentials(t).Token
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			ip, err := Measure(s, build(t, s, env), token, 5*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if ip.N < 100 || ip.NsPerOp <= 0 {
				t.Errorf("figures %+v", ip)
			}
			t.Logf("%s: %.0f allocs/op, %.0f B/op, %.0f ns/op", s.Name, ip.AllocsPerOp, ip.BytesPerOp, ip.NsPerOp)
		})
	}
}

// do sends req to srv and returns the answer's status and body.
func do(t *testing.T, srv *httptest.Server, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// TestScenariosOverHTTP serves every scenario on 127.0.0.1 and checks the
// answer a client gets, and that a scenario refuses a request whose token,
// API key or body is wrong, where its request has one: the benchmark's
// request passes every check a scenario makes, and every check is made.
func TestScenariosOverHTTP(t *testing.T) {
	env := testEnv(t)
	token := testCredentials(t).Token
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			srv := httptest.NewServer(build(t, s, env))
			defer srv.Close()
			for i := range 3 {
				req, err := s.Request(token).NewHTTPRequest(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				status, header, body := do(t, srv, req)
				if err := s.Check(status, header, body, i > 0); err != nil {
					t.Fatal(err)
				}
			}
			sent := s.Request(token)
			for name, c := range map[string]struct {
				applies bool
				mutate  func(*http.Request)
			}{
				"bad token": {sent.Header.Get("Authorization") != "", func(r *http.Request) {
					r.Header.Set("Authorization", "Bearer "+token[:len(token)-4]+"AAAA")
				}},
				"no token": {sent.Header.Get("Authorization") != "", func(r *http.Request) { r.Header.Del("Authorization") }},
				"no key":   {sent.Header.Get("X-Api-Key") != "", func(r *http.Request) { r.Header.Del("X-Api-Key") }},
				"bad body": {sent.Body != "", func(r *http.Request) {
					r.Body = io.NopCloser(stringsReader(`{"popularity":"high"}`))
					r.ContentLength = -1
				}},
			} {
				if !c.applies || s.Name == "bare-post" {
					continue
				}
				req, _ := sent.NewHTTPRequest(srv.URL)
				c.mutate(req)
				if status, _, _ := do(t, srv, req); status < 400 || status > 403 {
					t.Errorf("%s: status %d, want a refusal", name, status)
				}
			}
		})
	}
}

// TestRateLimited: the two rate-limited scenarios doing KrakenD's job do
// limit the rate, with the limit they are given.
func TestRateLimited(t *testing.T) {
	env := testEnv(t)
	token := testCredentials(t).Token
	for name, c := range map[string]struct {
		build func(Env) (http.Handler, func(), error)
		want  int
	}{
		"apigw-krakend": {func(env Env) (http.Handler, func(), error) { return apigwKrakenDJob(env, 1e-3, 1) }, http.StatusTooManyRequests},
		"krakend":       {func(env Env) (http.Handler, func(), error) { return krakenD(env, 1e-3, 1) }, http.StatusServiceUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := ByName(name)
			if err != nil {
				t.Fatal(err)
			}
			s.Build = c.build
			srv := httptest.NewServer(build(t, s, env))
			defer srv.Close()
			for i, want := range []int{http.StatusOK, c.want} {
				req, _ := s.Request(token).NewHTTPRequest(srv.URL)
				if status, _, _ := do(t, srv, req); status != want {
					t.Errorf("request %d: status %d, want %d", i+1, status, want)
				}
			}
		})
	}
}
func stringsReader(s string) io.Reader { return &stringReader{s: s} }

type stringReader struct{ s string }

func (r *stringReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p, r.s)
	r.s = r.s[n:]
	return n, nil
}
