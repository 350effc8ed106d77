package usageplan

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"
)

// TestStats counts each plan's throttled and quota-refused requests, and
// the store's failures under FailOpen.
func TestStats(t *testing.T) {
	mem, err := NewMemoryStore(MemoryStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	store := &switchStore{MemoryStore: mem}
	r, clock := newDemo(t, Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := r.UpdatePlan(Plan{ID: "standard", Throttle: &Throttle{Rate: 10, Burst: 20}, Quota: &Quota{Limit: 3, Period: Day}, Stages: prod}); err != nil {
		t.Fatal(err)
	}
	h := mustHandler(t, r, breeds)
	codes := map[int]int{}
	for range 5 { // basic: burst 2, then 3 throttled
		codes[send(h, basicKey).Code]++
	}
	for range 5 { // standard: quota 3, then 2 refused
		clock.Advance(time.Second)
		codes[send(h, standardKey).Code]++
	}
	store.down.Store(true)
	for range 4 { // premium: admitted unthrottled while the store is down
		codes[send(h, premiumKey).Code]++
	}
	if codes[http.StatusOK] != 9 || codes[http.StatusTooManyRequests] != 5 {
		t.Fatalf("codes %v", codes)
	}
	got := r.Stats()
	want := Stats{
		Plans: map[string]PlanStats{
			"basic":    {Throttled: 3},
			"standard": {QuotaExceeded: 2},
			"premium":  {},
		},
		StoreErrors: 4,
		FailedOpen:  4,
	}
	if got.StoreErrors != want.StoreErrors || got.FailedOpen != want.FailedOpen || len(got.Plans) != len(want.Plans) {
		t.Fatalf("Stats() = %+v, want %+v", got, want)
	}
	for id, ps := range want.Plans {
		if got.Plans[id] != ps {
			t.Errorf("plan %s: %+v, want %+v", id, got.Plans[id], ps)
		}
	}
}
