package cache

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/testkit"
)

// newFakeClock is a clock tests move by hand.
func newFakeClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 3, 4, 19, 15, 17, 0, time.UTC))
}

// counter is a backend that answers "<body> #<n>" where n counts its calls.
type counter struct {
	calls  atomic.Int64
	status int
	body   string
	header http.Header
}

func (b *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := b.calls.Add(1)
	for k, vs := range b.header {
		w.Header()[k] = vs
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/plain")
	}
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	io.WriteString(w, b.body+" #"+itoa(n))
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// mustNew builds a Cache or fails the test.
func mustNew(t testing.TB, cfg Config) *Cache {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// mustWrap builds the method middleware around next or fails the test.
func mustWrap(t testing.TB, c *Cache, spec MethodSettings, next http.Handler) http.Handler {
	t.Helper()
	mw, err := c.Middleware(spec)
	if err != nil {
		t.Fatalf("Middleware: %v", err)
	}
	return mw(next)
}

// routed is a request as package gateway hands it to the cache phase: with
// an apigw.Context carrying the stage, resource template and path parameters.
type routed struct {
	method, target string
	stage          string
	resource       string
	pathParams     map[string]string
	header         http.Header
	canary         bool
}

func (rt routed) request() *http.Request {
	method := rt.method
	if method == "" {
		method = http.MethodGet
	}
	r := httptest.NewRequest(method, rt.target, nil)
	for k, vs := range rt.header {
		r.Header[http.CanonicalHeaderKey(k)] = vs
	}
	ac := apigw.NewRequestContext(r, time.Time{})
	ac.Stage = rt.stage
	ac.ResourcePath = rt.resource
	ac.PathParameters = rt.pathParams
	ac.IsCanaryRequest = rt.canary
	return r.WithContext(apigw.NewContext(r.Context(), ac))
}

// do serves r through h and returns the recorded response.
func do(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// get is do for a plain GET of target with optional header pairs.
func get(h http.Handler, target string, headerPairs ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headerPairs); i += 2 {
		r.Header.Add(headerPairs[i], headerPairs[i+1])
	}
	return do(h, r)
}

func wantBody(t *testing.T, w *httptest.ResponseRecorder, want string) {
	t.Helper()
	if got := w.Body.String(); got != want {
		t.Fatalf("body = %q, want %q (status %d, headers %v)", got, want, w.Code, w.Header())
	}
}

func wantContains(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("err = %q, want it to contain %q", err, p)
		}
	}
}

func contextWithCancel(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithCancel(r.Context())
}
