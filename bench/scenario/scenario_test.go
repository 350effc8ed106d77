package scenario

import (
	"io"
	"net/http"
	"net/http/httptest"
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
	return Env{Keys: testCredentials(t).Public, BackendURL: newLoopbackBackend(t)}
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

// TestScenariosInProcess calls every scenario's handler directly and
// checks its answer and the allocation figures.
func TestScenariosInProcess(t *testing.T) {
	env := testEnv(t)
	token := testCredentials(t).Token
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			h, closeFn, err := s.Build(env)
			if err != nil {
				t.Fatal(err)
			}
			defer closeFn()
			ip, err := Measure(s, h, token, 5*time.Millisecond)
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

// TestScenariosOverHTTP serves every scenario on 127.0.0.1 and checks the
// answer a client gets, and that a wrong request is refused where the
// scenario authenticates.
func TestScenariosOverHTTP(t *testing.T) {
	env := testEnv(t)
	token := testCredentials(t).Token
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			h, closeFn, err := s.Build(env)
			if err != nil {
				t.Fatal(err)
			}
			defer closeFn()
			srv := httptest.NewServer(h)
			defer srv.Close()
			for i := range 3 {
				req, err := s.Request(token).NewHTTPRequest(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err := s.Check(resp.StatusCode, resp.Header, b, i > 0); err != nil {
					t.Fatal(err)
				}
			}
			if s.WantHeader["Access-Control-Allow-Origin"] == "" {
				return
			}
			// The authenticated scenarios refuse a bad token and a missing key.
			for name, mutate := range map[string]func(*http.Request){
				"bad token": func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token[:len(token)-4]+"AAAA") },
				"no key":    func(r *http.Request) { r.Header.Del("X-Api-Key") },
				"bad body": func(r *http.Request) {
					r.Body = io.NopCloser(stringsReader(`{"popularity":"high"}`))
					r.ContentLength = -1
				},
			} {
				req, _ := s.Request(token).NewHTTPRequest(srv.URL)
				mutate(req)
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode < 400 || resp.StatusCode > 403 {
					t.Errorf("%s: status %d, want a refusal", name, resp.StatusCode)
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
