package usageplan

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apigw/apigw"
)

// nopWriter is a ResponseWriter that keeps nothing, so that a benchmark
// measures the middleware and not the recorder.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// hotPath returns a handler and a request whose key is admitted every time
// (huge throttles and quota), with the apigw.Context already attached as
// the gateway's entry phase would. With all set, every level applies: the
// plan's per-client per-method and per-client buckets, the quota, the
// method's and the account's buckets; else the common case: the plan's
// per-client bucket and quota, and the account.
func hotPath(tb testing.TB, opts Config, all bool) (http.Handler, *http.Request, *nopWriter) {
	tb.Helper()
	clock := newClock(t0)
	opts.Now = clock.Now
	opts.AccountThrottle = &Throttle{Rate: 1e9, Burst: 1e9}
	r := MustNew(opts)
	plan := Plan{
		ID: "bench", Throttle: &Throttle{Rate: 1e9, Burst: 1e9},
		Quota:  &Quota{Limit: 1 << 50, Period: Month},
		Stages: prod,
	}
	if all {
		plan.Stages = []APIStage{{APIID: "pets", Stage: "prod", Throttle: map[string]Throttle{"/breeds/GET": {Rate: 1e9, Burst: 1e9}}}}
	}
	if err := r.AddPlan(plan); err != nil {
		tb.Fatal(err)
	}
	keys := make([]APIKey, 10_000)
	keys[0].Value = standardKey
	if _, err := r.ImportKeys(keys, "bench"); err != nil {
		tb.Fatal(err)
	}
	spec := breeds
	if all {
		spec.Throttle = &Throttle{Rate: 1e9, Burst: 1e9}
	}
	h := mustHandler(tb, r, spec)
	req := httptest.NewRequest(http.MethodGet, "/breeds", nil)
	req.Header.Set("x-api-key", standardKey)
	req = req.WithContext(apigw.NewContext(req.Context(), apigw.NewRequestContext(req, t0)))
	return h, req, &nopWriter{h: http.Header{}}
}

// BenchmarkMiddleware is the measure: key lookup, throttle and
// quota in memory for one admitted request, in the common configuration
// (plan throttle and quota, account level) and with every level set.
func BenchmarkMiddleware(b *testing.B) {
	for _, all := range []bool{false, true} {
		name := "plan+account"
		if all {
			name = "all-levels"
		}
		b.Run(name, func(b *testing.B) {
			h, req, w := hotPath(b, Config{}, all)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, req)
			}
		})
	}
}

func BenchmarkMiddlewareParallel(b *testing.B) {
	h, req, _ := hotPath(b, Config{}, true)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &nopWriter{h: http.Header{}}
		for pb.Next() {
			h.ServeHTTP(w, req)
		}
	})
}

func BenchmarkMiddlewareRateLimitHeaders(b *testing.B) {
	h, req, w := hotPath(b, Config{RateLimitHeaders: true}, true)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// BenchmarkForbidden is the cost of refusing an unknown key.
func BenchmarkForbidden(b *testing.B) {
	h, req, w := hotPath(b, Config{}, true)
	req.Header.Set("x-api-key", "unknown-key-000000000000000001")
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

func BenchmarkKeyLookup(b *testing.B) {
	r := MustNew(Config{})
	keys := make([]APIKey, 100_000)
	keys[0].Value = standardKey
	if _, err := r.ImportKeys(keys); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r.lookup(standardKey) == nil {
			b.Fatal("not found")
		}
	}
}

// TestAllocBudget pins the allocations of the hot path: the issue allows 2
// per request; the middleware makes none.
func TestAllocBudget(t *testing.T) {
	h, req, w := hotPath(t, Config{}, true)
	got := testing.AllocsPerRun(1000, func() { h.ServeHTTP(w, req) })
	if got > 0 {
		t.Fatalf("%v allocations per request, want 0 (budget 2)", got)
	}
	// Without a Context attached (standalone use) EnsureContext makes one.
	bare := httptest.NewRequest(http.MethodGet, "/breeds", nil)
	bare.Header.Set("x-api-key", standardKey)
	if got := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, bare) }); got > 12 {
		t.Fatalf("%v allocations per standalone request", got)
	}
}

// TestStandaloneTiming documents, without asserting speed, that the clock
// the benchmark injects is the only time source.
func TestStandaloneTiming(t *testing.T) {
	h, req, w := hotPath(t, Config{}, true)
	start := time.Now()
	for range 1000 {
		h.ServeHTTP(w, req)
	}
	t.Logf("1000 requests in %v", time.Since(start))
}
