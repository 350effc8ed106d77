package usageplan

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/testkit"
)

// pressure sends one request every step for d of simulated time and counts
// the admitted ones.
func pressure(clock *testkit.Clock, h http.Handler, key string, d, step time.Duration) int {
	ok := 0
	for end := clock.Now().Add(d); clock.Now().Before(end); clock.Advance(step) {
		if send(h, key).Code == http.StatusOK {
			ok++
		}
	}
	return ok
}

// TestAccuracy is the measure: rate 100/s, burst 10, 5 simulated
// seconds of constant pressure admit 510 ± 1 %, at each level.
func TestAccuracy(t *testing.T) {
	limit := &Throttle{Rate: 100, Burst: 10}
	tests := []struct {
		name    string
		plan    Plan
		spec    func(MethodSpec) MethodSpec
		account *Throttle
	}{
		{name: "per-client", plan: Plan{ID: "p", Throttle: limit, Stages: prod}},
		{name: "per-client per-method", plan: Plan{ID: "p", Stages: []APIStage{{APIID: "pets", Stage: "prod",
			Throttle: map[string]Throttle{"/breeds/GET": *limit}}}}},
		{name: "method", plan: Plan{ID: "p", Stages: prod}, spec: func(s MethodSpec) MethodSpec { s.Throttle = limit; return s }},
		{name: "stage default", plan: Plan{ID: "p", Stages: prod}, spec: func(s MethodSpec) MethodSpec { s.StageThrottle = limit; return s }},
		{name: "account", plan: Plan{ID: "p", Stages: prod}, account: limit},
	}
	for _, tt := range tests {
		for _, step := range []time.Duration{time.Millisecond, 3 * time.Millisecond, 7 * time.Millisecond} {
			t.Run(tt.name+"/every "+step.String(), func(t *testing.T) {
				clock := newClock(t0)
				r := MustNew(Config{Now: clock.Now, AccountThrottle: tt.account})
				if err := r.AddPlan(tt.plan); err != nil {
					t.Fatal(err)
				}
				if _, err := r.AddKey(APIKey{Value: basicKey}, "p"); err != nil {
					t.Fatal(err)
				}
				spec := breeds
				if tt.spec != nil {
					spec = tt.spec(spec)
				}
				got := pressure(clock, mustHandler(t, r, spec), basicKey, 5*time.Second, step)
				if got < 505 || got > 515 {
					t.Fatalf("admitted %d, want 510 ± 1 %%", got)
				}
			})
		}
	}
}

// TestPrecedence: each level refuses on its own, and a request needs a
// token at every level.
func TestPrecedence(t *testing.T) {
	tests := []struct {
		name    string
		plan    Plan
		method  *Throttle
		account *Throttle
		want    int // admitted of 20 at one instant: the smallest burst
	}{
		{"per-client per-method", Plan{ID: "p", Throttle: &Throttle{Rate: 1, Burst: 9},
			Stages: []APIStage{{APIID: "pets", Stage: "prod", Throttle: map[string]Throttle{"/breeds/GET": {Rate: 1, Burst: 2}}}}},
			&Throttle{Rate: 1, Burst: 8}, &Throttle{Rate: 1, Burst: 7}, 2},
		{"per-client", Plan{ID: "p", Throttle: &Throttle{Rate: 1, Burst: 3}, Stages: prod}, &Throttle{Rate: 1, Burst: 8}, &Throttle{Rate: 1, Burst: 7}, 3},
		{"method", Plan{ID: "p", Throttle: &Throttle{Rate: 1, Burst: 9}, Stages: prod}, &Throttle{Rate: 1, Burst: 4}, &Throttle{Rate: 1, Burst: 7}, 4},
		{"account", Plan{ID: "p", Throttle: &Throttle{Rate: 1, Burst: 9}, Stages: prod}, &Throttle{Rate: 1, Burst: 8}, &Throttle{Rate: 1, Burst: 5}, 5},
		{"quota", Plan{ID: "p", Quota: &Quota{Limit: 6, Period: Day}, Stages: prod}, nil, nil, 6},
		{"method 0/0 refuses all", Plan{ID: "p", Stages: prod}, &Throttle{}, nil, 0},
		{"unlimited account", Plan{ID: "p", Stages: prod}, nil, &Throttle{Rate: Unlimited}, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0)
			r := MustNew(Config{Now: clock.Now, AccountThrottle: tt.account})
			if err := r.AddPlan(tt.plan); err != nil {
				t.Fatal(err)
			}
			if _, err := r.AddKey(APIKey{Value: basicKey}, "p"); err != nil {
				t.Fatal(err)
			}
			spec := breeds
			spec.Throttle = tt.method
			if got := countOK(mustHandler(t, r, spec), basicKey, 20); got != tt.want {
				t.Fatalf("admitted %d, want %d", got, tt.want)
			}
		})
	}
}

// TestThrottledClientSparesOthers: requests the plan refuses take no token
// from the method and account levels other clients share.
func TestThrottledClientSparesOthers(t *testing.T) {
	r, _ := newDemo(t, Config{AccountThrottle: &Throttle{Rate: 1, Burst: 10}})
	spec := breeds
	spec.Throttle = &Throttle{Rate: 1, Burst: 10}
	h := mustHandler(t, r, spec)
	// basic (burst 2) hammers: 2 admitted, 98 refused by its plan.
	if got := countOK(h, basicKey, 100); got != 2 {
		t.Fatalf("basic admitted %d, want 2", got)
	}
	// 8 tokens remain at the method and account levels for standard.
	if got := countOK(h, standardKey, 20); got != 8 {
		t.Fatalf("standard admitted %d, want 8", got)
	}
}

// TestQuotaGivenBack: a request the account level refuses after the store
// admitted it (a concurrent request took the last token in between) does not
// count toward the quota or usage.
func TestQuotaGivenBack(t *testing.T) {
	mem, _ := NewMemoryStore(MemoryStoreConfig{})
	store := &hookStore{MemoryStore: mem}
	r, clock := newDemo(t, Config{Store: store, AccountThrottle: &Throttle{Rate: 1, Burst: 1}})
	h := mustHandler(t, r, breeds)
	if got := countOK(h, standardKey, 1); got != 1 {
		t.Fatal("first request refused")
	}
	clock.Advance(time.Second)
	store.hook = func() { r.account.lim.AllowN(clock.Now(), 1) }
	rec := send(h, standardKey)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("got %d Retry-After %q, want 429 and 1", rec.Code, rec.Header().Get("Retry-After"))
	}
	u, err := r.Usage(t.Context(), UsageQuery{PlanID: "standard", Start: DateOf(t0), End: DateOf(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Items["standard-key"][0]; got != [2]int64{1, 9999} {
		t.Fatalf("usage %v, want [1 9999]: the refused request given back", got)
	}
}

// hookStore runs hook inside Admit, as a concurrent request would.
type hookStore struct {
	*MemoryStore
	hook func()
}

func (s *hookStore) Admit(ctx context.Context, req AdmitRequest) (Decision, error) {
	if s.hook != nil && req.N > 0 {
		s.hook()
	}
	return s.MemoryStore.Admit(ctx, req)
}

// TestMethodBucketShared: middlewares built for the same method share its
// bucket, and a rebuild applies new settings.
func TestMethodBucketShared(t *testing.T) {
	r, _ := newDemo(t, Config{})
	spec := breeds
	spec.APIKeyRequired = false
	spec.Throttle = &Throttle{Rate: 1, Burst: 4}
	a, b := mustHandler(t, r, spec), mustHandler(t, r, spec)
	if got := countOK(a, "", 3) + countOK(b, "", 3); got != 4 {
		t.Fatalf("admitted %d through two builds, want the shared burst 4", got)
	}
	other := spec
	other.Resource = "/cats"
	if got := countOK(mustHandler(t, r, other), "", 10); got != 4 {
		t.Fatalf("another method admitted %d, want its own burst 4", got)
	}
	spec.Throttle = &Throttle{Rate: Unlimited}
	if got := countOK(mustHandler(t, r, spec), "", 10); got != 10 {
		t.Fatalf("rebuilt unlimited admitted %d", got)
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int64
	}{
		{0, 1}, {time.Nanosecond, 1}, {time.Second, 1}, {time.Second + 1, 2}, {90 * time.Second, 90},
	}
	for _, tt := range tests {
		if got := retrySeconds(tt.d); got != tt.want {
			t.Errorf("retrySeconds(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}
