package redisstore

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/usageplan"
	"github.com/redis/go-redis/v9"
)

// BenchmarkMiddleware is one admitted request through the usage-plan phase
// with its state in the local Redis: one script call per request.
func BenchmarkMiddleware(b *testing.B) {
	c := newClient(b, &redis.Options{ContextTimeoutEnabled: true})
	clock := newClock(t0)
	plan := usageplan.Plan{
		ID: "bench", Throttle: &usageplan.Throttle{Rate: 1e9, Burst: 1e9},
		Quota: &usageplan.Quota{Limit: 1 << 50, Period: usageplan.Month}, Stages: prodStage,
	}
	h := replica(b, newStore(b, c, testPrefix(b, c)), clock, plan, usageplan.Config{
		OnStoreError: usageplan.FailClosed, AccountThrottle: &usageplan.Throttle{Rate: usageplan.Unlimited}})
	req := httptest.NewRequest(http.MethodGet, "/breeds", nil)
	req.Header.Set("x-api-key", apiKey)
	req = req.WithContext(apigw.NewContext(req.Context(), apigw.NewRequestContext(req, t0)))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
	if w.Code != http.StatusOK {
		b.Fatalf("status %d", w.Code)
	}
}

// BenchmarkAdmitLatency measures the latency distribution of the store's
// calls under load (many concurrent requests, on one key and on many), the
// figures behind the default Timeout: it reports the 50th, 99th and 99.9th
// percentiles and the maximum, and how many calls would have failed a
// 100 ms timeout. Run it with -benchtime=5s and a -cpu of your cores.
func BenchmarkAdmitLatency(b *testing.B) {
	for _, conc := range []int{16, 256, 1024} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			c := newClient(b, &redis.Options{ContextTimeoutEnabled: true})
			s, err := New(Options{Client: c, Prefix: testPrefix(b, c), Timeout: time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			day := usageplan.DateOf(t0)
			var mu sync.Mutex
			var lat []time.Duration
			var n atomic.Int64
			b.SetParallelism(max(1, conc/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				mine := make([]time.Duration, 0, 1024)
				for pb.Next() {
					id := fmt.Sprintf("plan/key%d", n.Add(1)%1000)
					req := usageplan.AdmitRequest{
						Counter: usageplan.Counter{ID: id, Limit: 1 << 50, Period: day, PeriodEnd: day + 1, Today: day},
						Now:     t0, N: 1, Throttle: &usageplan.Throttle{Rate: 1e9, Burst: 1e9},
					}
					start := time.Now()
					if _, err := s.Admit(context.Background(), req); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			slices.Sort(lat)
			q := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			over := len(lat) - sort.Search(len(lat), func(i int) bool { return lat[i] > 100*time.Millisecond })
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			b.ReportMetric(q(0.999), "p99.9-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
			b.ReportMetric(100*float64(over)/float64(len(lat)), "%>100ms")
		})
	}
}
