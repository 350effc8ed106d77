package usageplan

import (
	"strconv"
	"testing"
	"time"
)

func admitReq(id string, now time.Time, limit int64) AdmitRequest {
	d := DateOf(now)
	return AdmitRequest{
		Counter: Counter{ID: id, Limit: limit, Period: d, PeriodEnd: d + 1, Today: d},
		Now:     now, N: 1,
		Throttle: &Throttle{Rate: 1, Burst: 1},
	}
}

// TestMemoryStoreBounded: a million distinct clients leave at most
// MaxClients buckets behind.
func TestMemoryStoreBounded(t *testing.T) {
	s, err := NewMemoryStore(MemoryStoreConfig{MaxClients: 640})
	if err != nil {
		t.Fatal(err)
	}
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	for i := range n {
		if _, err := s.Admit(t.Context(), admitReq("p/k"+strconv.Itoa(i), t0, -1)); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for i := range s.shards {
		total += s.shards[i].clients.Len()
	}
	if total > 640 {
		t.Fatalf("%d buckets kept, want at most 640", total)
	}
}

// TestMemoryStoreRetention: usage records older than the retention go, and
// so do idle counters.
func TestMemoryStoreRetention(t *testing.T) {
	s, err := NewMemoryStore(MemoryStoreConfig{Retention: 3 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		now := t0.AddDate(0, 0, i)
		if _, err := s.Admit(t.Context(), admitReq("p/a", now, -1)); err != nil {
			t.Fatal(err)
		}
	}
	days, err := s.Usage(t.Context(), "p/a", DateOf(t0), DateOf(t0)+9)
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, d := range days {
		if d.Recorded {
			kept++
		}
	}
	if kept != 3 {
		t.Fatalf("%d days kept, want 3", kept)
	}
	// Another counter of the same shard active on day 14: the sweep of that
	// day forgets "p/a", idle since day 9.
	sh := s.shard("p/a")
	other := ""
	for i := 0; other == ""; i++ {
		if id := "p/x" + strconv.Itoa(i); s.shard(id) == sh {
			other = id
		}
	}
	if _, err := s.Admit(t.Context(), admitReq(other, t0.AddDate(0, 0, 14), -1)); err != nil {
		t.Fatal(err)
	}
	sh.mu.Lock()
	_, ok := sh.counters["p/a"]
	sh.mu.Unlock()
	if ok {
		t.Fatal("idle counter not swept")
	}
}

func TestMemoryStoreAllOrNothing(t *testing.T) {
	s, _ := NewMemoryStore(MemoryStoreConfig{})
	req := admitReq("p/k", t0, 1)
	req.Method, req.MethodThrottle = "m", &Throttle{Rate: 1, Burst: 5}
	req.WantTokens = true
	if d, _ := s.Admit(t.Context(), req); d.Outcome != Admitted || d.Remaining != 0 || d.Tokens != 0 {
		t.Fatalf("first: %+v", d)
	}
	// The quota is spent: the next request, a second later, must leave the
	// refilled client bucket full.
	req.Now = t0.Add(time.Second)
	if d, _ := s.Admit(t.Context(), req); d.Outcome != QuotaExceeded || d.Remaining != 0 {
		t.Fatalf("second: %+v", d)
	}
	req.Limit = 10
	if d, _ := s.Admit(t.Context(), req); d.Outcome != Admitted {
		t.Fatalf("third: %+v: a refused request took a token", d)
	}
	// Throttled at the client level: the method bucket keeps its tokens.
	if d, _ := s.Admit(t.Context(), req); d.Outcome != Throttled || d.RetryAfter != time.Second {
		t.Fatalf("fourth: %+v", d)
	}
	// A throttle update applies to the existing bucket: the tokens it
	// holds stay, and it refills up to the new burst.
	req.Throttle = &Throttle{Rate: 1, Burst: 3}
	for _, step := range []struct {
		after time.Duration
		want  int
	}{{2 * time.Second, 1}, {6 * time.Second, 3}} {
		req.Now = t0.Add(step.after)
		admitted := 0
		for range 5 {
			if d, _ := s.Admit(t.Context(), req); d.Outcome == Admitted {
				admitted++
			}
		}
		if admitted != step.want {
			t.Fatalf("at +%v admitted %d, want %d", step.after, admitted, step.want)
		}
	}
}

func TestMemoryStoreSetRemaining(t *testing.T) {
	s, _ := NewMemoryStore(MemoryStoreConfig{})
	req := admitReq("p/k", t0, 5)
	req.Throttle = nil
	for range 5 {
		s.Admit(t.Context(), req)
	}
	if err := s.SetRemaining(t.Context(), req.Counter, 2); err != nil {
		t.Fatal(err)
	}
	ok := 0
	for range 5 {
		if d, _ := s.Admit(t.Context(), req); d.Outcome == Admitted {
			ok++
		}
	}
	if ok != 2 {
		t.Fatalf("admitted %d after SetRemaining(2)", ok)
	}
	noQuota := req.Counter
	noQuota.Limit = -1
	if err := s.SetRemaining(t.Context(), noQuota, 2); err == nil {
		t.Fatal("SetRemaining without a quota accepted")
	}
	if _, err := s.Usage(t.Context(), "p/k", 10, 9); err == nil {
		t.Fatal("reversed range accepted")
	}
}

func TestMemoryStoreOptions(t *testing.T) {
	if _, err := NewMemoryStore(MemoryStoreConfig{MaxClients: -1}); err == nil {
		t.Error("MaxClients -1 accepted")
	}
	if _, err := NewMemoryStore(MemoryStoreConfig{Retention: -1}); err == nil {
		t.Error("Retention -1 accepted")
	}
}
