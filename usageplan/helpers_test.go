package usageplan

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/testkit"
)

// t0 is a Wednesday, noon UTC.
var t0 = time.Date(2024, 6, 5, 12, 0, 0, 0, time.UTC)

// newClock is the tests' injected clock: it moves only when told.
func newClock(t time.Time) *testkit.Clock { return testkit.NewClock(t) }

const (
	basicKey    = "demo-basic-key-000000000001"
	standardKey = "demo-standard-key-0000000001"
	premiumKey  = "demo-premium-key-00000000001"
)

var prod = []APIStage{{APIID: "pets", Stage: "prod"}}

// demoPlans are the three plans of the story.
func demoPlans() []Plan {
	return []Plan{
		{ID: "basic", Throttle: &Throttle{Rate: 1, Burst: 2}, Quota: &Quota{Limit: 100, Period: Day}, Stages: prod},
		{ID: "standard", Throttle: &Throttle{Rate: 10, Burst: 20}, Quota: &Quota{Limit: 10000, Period: Day}, Stages: prod},
		{ID: "premium", Throttle: &Throttle{Rate: 100, Burst: 200}, Stages: prod},
	}
}

// newDemo returns a registry with the demo plans and keys on a fake clock.
func newDemo(t testing.TB, opts Config) (*Registry, *testkit.Clock) {
	t.Helper()
	clock := newClock(t0)
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range demoPlans() {
		if err := r.AddPlan(p); err != nil {
			t.Fatal(err)
		}
	}
	for id, v := range map[string]string{"basic": basicKey, "standard": standardKey, "premium": premiumKey} {
		if _, err := r.AddKey(APIKey{ID: id + "-key", Name: id, Value: v}, id); err != nil {
			t.Fatal(err)
		}
	}
	return r, clock
}

// breeds is GET /breeds on pets/prod, requiring a key.
var breeds = MethodSpec{APIID: "pets", Stage: "prod", Resource: "/breeds", HTTPMethod: "GET", APIKeyRequired: true}

// mustHandler wraps an OK backend in the middleware of spec.
func mustHandler(t testing.TB, r *Registry, spec MethodSpec) http.Handler {
	t.Helper()
	mw, err := r.Middleware(spec)
	if err != nil {
		t.Fatal(err)
	}
	return mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
}

// send runs one GET with key (none when "") through h.
func send(h http.Handler, key string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/breeds", nil)
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// countOK sends n requests with key and counts the 200s.
func countOK(h http.Handler, key string, n int) int {
	ok := 0
	for range n {
		if send(h, key).Code == http.StatusOK {
			ok++
		}
	}
	return ok
}

// failingStore fails every call, or panics when panicking is set.
type failingStore struct {
	panicking bool
	calls     atomic.Int64
}

var errStoreDown = errors.New("store down")

func (s *failingStore) Admit(context.Context, AdmitRequest) (Decision, error) {
	s.calls.Add(1)
	if s.panicking {
		panic("boom")
	}
	return Decision{}, errStoreDown
}

func (s *failingStore) SetRemaining(context.Context, Counter, int64) error { return errStoreDown }

func (s *failingStore) Usage(context.Context, string, Date, Date) ([]DayUsage, error) {
	return nil, errStoreDown
}

// switchStore delegates to a MemoryStore, or fails while down is set.
type switchStore struct {
	*MemoryStore
	down atomic.Bool
}

func (s *switchStore) Admit(ctx context.Context, req AdmitRequest) (Decision, error) {
	if s.down.Load() {
		return Decision{}, errStoreDown
	}
	return s.MemoryStore.Admit(ctx, req)
}
