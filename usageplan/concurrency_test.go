package usageplan

import (
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestChangesUnderLoad adds, changes, disables and removes keys and plans
// while requests are served (run it with -race): every answer is one of
// the AWS answers, and the final state is the one the changes made.
func TestChangesUnderLoad(t *testing.T) {
	r, clock := newDemo(t, Config{})
	h := mustHandler(t, r, breeds)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var served, bad atomic.Int64
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := []string{basicKey, standardKey, premiumKey, "churn-key-00000000000000000" + strconv.Itoa(g), ""}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				switch code := send(h, keys[i%len(keys)]).Code; code {
				case http.StatusOK, http.StatusForbidden, http.StatusTooManyRequests:
				default:
					bad.Add(1)
					t.Errorf("status %d", code)
				}
				served.Add(1)
				if i%50 == 0 {
					clock.Advance(10 * time.Millisecond)
				}
			}
		}()
	}
	// The writer: churn keys, plans, flags and values.
	exists := map[string]bool{}
	for i := range 300 {
		id := "churn-" + strconv.Itoa(i%4)
		value := "churn-key-00000000000000000" + strconv.Itoa(i%4)
		switch (i / 4) % 6 {
		case 0:
			if _, err := r.AddKey(APIKey{ID: id, Value: value}, "standard"); err == nil {
				exists[id] = true
			}
		case 1:
			_ = r.SetKeyEnabled(id, false)
		case 2:
			_ = r.SetKeyEnabled(id, true)
		case 3:
			p, _ := r.Plan("basic")
			p.Throttle = &Throttle{Rate: float64(1 + i%5), Burst: 2 + i%3}
			if err := r.UpdatePlan(p); err != nil {
				t.Error(err)
			}
		case 4:
			_ = r.RemovePlanKey("standard", id)
			_ = r.AddPlanKey("premium", id)
		case 5:
			if r.RemoveKey(id) == nil {
				exists[id] = false
			}
		}
		if i%60 == 59 {
			_ = r.SetPlanEnabled("premium", i%120 != 59)
		}
		if i == 150 {
			_ = r.AddPlan(Plan{ID: "temp", Stages: []APIStage{{APIID: "pets", Stage: "beta"}}})
		}
		if i == 200 {
			_ = r.RemovePlan("temp")
		}
		// Let the readers run between changes without sleeping.
		for start := served.Load(); served.Load() < start+5; {
			runtime.Gosched()
		}
	}
	close(stop)
	wg.Wait()
	if bad.Load() > 0 {
		t.Fatalf("%d unexpected statuses", bad.Load())
	}
	for id, want := range exists {
		if _, ok := r.Key(id); ok != want {
			t.Errorf("key %s: present %v, want %v", id, ok, want)
		}
	}
	if len(exists) != 4 {
		t.Errorf("the churn touched %d keys, want 4", len(exists))
	}
	if _, ok := r.Plan("temp"); ok {
		t.Error("temp plan still there")
	}
	p, _ := r.Plan("premium")
	if !p.Disabled {
		t.Error("premium should end disabled")
	}
	clock.Advance(time.Minute)
	if got := send(h, standardKey).Code; got != http.StatusOK {
		t.Errorf("standard key after the churn: %d", got)
	}
	t.Logf("%d requests served during 300 changes", served.Load())
}
