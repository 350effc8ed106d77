package cors_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apigw/apigw/cors"
)

// sink is a ResponseWriter that keeps only its header map, so that the
// benchmarks measure the middleware, not a recorder.
type sink struct {
	h      http.Header
	status int
}

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) Write(p []byte) (int, error) { return len(p), nil }
func (s *sink) WriteHeader(code int)        { s.status = code }

// bare is the backend the benchmarks put behind the middleware: it writes a
// small JSON answer, as most API handlers do.
var bare = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = []string{"application/json"}
	_, _ = w.Write([]byte(`{"breed":"beagle"}`))
})

// hotPath lists the requests whose cost CORS adds to every call of an API:
// actual (non-preflight) requests. budget is the allocation budget pinned by
// TestAllocs: a request with an Origin costs the writer that keeps the
// policy's headers final over what the backend sets.
var hotPath = []struct {
	name   string
	opts   cors.Config
	origin string
	budget float64
}{
	{"exact", creds, "https://pet.com", 1},
	{"wildcard", creds, "https://shop.pet.com", 1},
	{"star", zero, "https://pet.com", 1},
	{"func", shopFunc, "https://a.shop.example", 1},
	{"refused", exact, "https://evil.example", 1},
	{"no origin", exact, "", 0},
	{"odd spacing", exact, " https://pet.com ", 2}, // the trimmed origin needs its own slice
}

func actualRequest(origin string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/identify", nil)
	if origin != "" {
		r.Header["Origin"] = []string{origin}
	}
	return r
}

func preflightRequest() *http.Request {
	r := httptest.NewRequest(http.MethodOptions, "/identify", nil)
	r.Header["Origin"] = []string{"https://shop.pet.com"}
	r.Header["Access-Control-Request-Method"] = []string{"PUT"}
	r.Header["Access-Control-Request-Headers"] = []string{"content-type,x-breed"}
	return r
}

// BenchmarkActual compares an actual request through the middleware with
// the bare handler, in one run: the difference is what CORS adds.
func BenchmarkActual(b *testing.B) {
	b.Run("bare", func(b *testing.B) {
		benchServe(b, bare, actualRequest("https://pet.com"))
	})
	for _, tc := range hotPath {
		b.Run(tc.name, func(b *testing.B) {
			benchServe(b, mustNew(b, tc.opts).Handler(bare), actualRequest(tc.origin))
		})
	}
}

// BenchmarkAdded measures what CORS adds to an actual request on a busy
// machine: it alternates batches through the bare handler and through the
// middleware, so that both see the same load, and reports the difference
// as added-ns/op.
func BenchmarkAdded(b *testing.B) {
	for _, tc := range hotPath {
		b.Run(tc.name, func(b *testing.B) {
			r := actualRequest(tc.origin)
			withCORS := mustNew(b, tc.opts).Handler(bare)
			w := &sink{h: make(http.Header)}
			const batch = 512
			var plain, cors time.Duration
			for b.Loop() {
				start := time.Now()
				for range batch {
					clear(w.h)
					bare.ServeHTTP(w, r)
				}
				mid := time.Now()
				for range batch {
					clear(w.h)
					withCORS.ServeHTTP(w, r)
				}
				plain += mid.Sub(start)
				cors += time.Since(mid)
			}
			n := float64(b.N) * batch
			b.ReportMetric(float64(plain)/n, "bare-ns/op")
			b.ReportMetric(float64(cors-plain)/n, "added-ns/op")
		})
	}
}

func BenchmarkPreflight(b *testing.B) {
	b.Run("allowed", func(b *testing.B) {
		benchServe(b, mustNew(b, creds).Handler(bare), preflightRequest())
	})
	b.Run("refused", func(b *testing.B) {
		benchServe(b, mustNew(b, exact).Handler(bare), preflightRequest())
	})
}

func benchServe(b *testing.B, h http.Handler, r *http.Request) {
	w := &sink{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// TestAllocs pins the allocation budget of the hot path: what the
// middleware adds to the bare handler, with a fresh header map per request
// as net/http gives each response.
func TestAllocs(t *testing.T) {
	if raceEnabled || testing.CoverMode() != "" {
		t.Skip("allocation counts differ under the race detector and coverage")
	}
	fresh := func(h http.Handler, r *http.Request) float64 {
		return testing.AllocsPerRun(200, func() {
			h.ServeHTTP(&sink{h: make(http.Header)}, r)
		})
	}
	for _, tc := range hotPath {
		t.Run(tc.name, func(t *testing.T) {
			r := actualRequest(tc.origin)
			added := fresh(mustNew(t, tc.opts).Handler(bare), r) - fresh(bare, r)
			if added > tc.budget {
				t.Errorf("CORS adds %v allocations per request, budget %v", added, tc.budget)
			}
		})
	}
	t.Run("preflight", func(t *testing.T) {
		c := mustNew(t, creds)
		r := preflightRequest()
		w := &sink{h: make(http.Header)}
		allocs := testing.AllocsPerRun(200, func() {
			clear(w.h)
			c.ServePreflight(w, r)
		})
		if allocs > 0 {
			t.Errorf("a preflight allocates %v times, budget 0", allocs)
		}
		if w.h.Get("Access-Control-Allow-Origin") == "" {
			t.Error("preflight refused")
		}
	})
}
