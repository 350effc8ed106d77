package redisstore

import (
	"net/http"
	"net/http/httptest"
	"testing"

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
	h := replica(b, newStore(b, c, testPrefix(b, c)), clock, plan, usageplan.Options{OnStoreError: usageplan.FailClosed})
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
