package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/usageplan"
	"github.com/redis/go-redis/v9"
)

// TestConformance runs one scenario against the MemoryStore and the Redis
// store: they must decide alike.
func TestConformance(t *testing.T) {
	c := newClient(t, nil)
	mem, err := usageplan.NewMemoryStore(usageplan.MemoryStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]usageplan.Store{"memory": mem, "redis": newStore(t, c, testPrefix(t, c))}

	day := usageplan.DateOf(t0)
	base := usageplan.AdmitRequest{
		Counter:  usageplan.Counter{ID: "plan/key", Limit: 6, Period: day, PeriodEnd: day + 1, Today: day},
		N:        1,
		Throttle: &usageplan.Throttle{Rate: 2, Burst: 3},
		Method:   "pets:prod:/breeds/GET", MethodThrottle: &usageplan.Throttle{Rate: 1, Burst: 2},
		WantTokens: true,
	}
	type step struct {
		name  string
		at    time.Duration
		edit  func(*usageplan.AdmitRequest)
		want  usageplan.Outcome
		retry time.Duration // rounded up to the millisecond
	}
	noMethod := func(r *usageplan.AdmitRequest) { r.Method, r.MethodThrottle = "", nil }
	steps := []step{
		{"1st", 0, nil, usageplan.Admitted, 0},
		{"2nd", 0, nil, usageplan.Admitted, 0},
		{"method bucket empty", 0, nil, usageplan.Throttled, time.Second},
		{"other method: client bucket has one", 0, noMethod, usageplan.Admitted, 0},
		{"client bucket empty", 0, noMethod, usageplan.Throttled, 500 * time.Millisecond},
		{"refund", 0, func(r *usageplan.AdmitRequest) { r.N = -1 }, usageplan.Admitted, 0},
		{"refilled", 2 * time.Second, nil, usageplan.Admitted, 0},
		{"backlog of 2", 2 * time.Second, func(r *usageplan.AdmitRequest) {
			r.Backlog = usageplan.Backlog{N: 2, Period: day, PeriodEnd: day + 1, Today: day}
		}, usageplan.Admitted, 0},
		{"quota spent", 10 * time.Second, nil, usageplan.QuotaExceeded, 0},
		{"next day", 24 * time.Hour, func(r *usageplan.AdmitRequest) {
			r.Period, r.PeriodEnd, r.Today = day+1, day+2, day+1
		}, usageplan.Admitted, 0},
		{"unlimited quota", 25 * time.Hour, func(r *usageplan.AdmitRequest) {
			r.Period, r.PeriodEnd, r.Today, r.Limit = day+1, day+2, day+1, -1
		}, usageplan.Admitted, 0},
	}
	results := map[string][]usageplan.Decision{}
	for name, s := range stores {
		for _, st := range steps {
			req := base
			req.Now = t0.Add(st.at)
			if st.edit != nil {
				st.edit(&req)
			}
			d, err := s.Admit(t.Context(), req)
			if err != nil {
				t.Fatalf("%s %s: %v", name, st.name, err)
			}
			if d.Outcome != st.want || d.RetryAfter.Round(time.Millisecond) != st.retry ||
				d.MethodThrottled != (st.name == "method bucket empty") {
				t.Errorf("%s %s: %+v, want outcome %d retry %v", name, st.name, d, st.want, st.retry)
			}
			d.RetryAfter = d.RetryAfter.Round(time.Millisecond)
			results[name] = append(results[name], d)
		}
		if err := s.SetRemaining(t.Context(), base.Counter, 9); err != nil {
			t.Fatal(err)
		}
	}
	for i, st := range steps {
		if m, r := results["memory"][i], results["redis"][i]; m != r {
			t.Errorf("%s: memory %+v, redis %+v", st.name, m, r)
		}
	}
	var usage [2][]usageplan.DayUsage
	for i, name := range []string{"memory", "redis"} {
		if usage[i], err = stores[name].Usage(t.Context(), "plan/key", day-1, day+1); err != nil {
			t.Fatal(err)
		}
	}
	want := []usageplan.DayUsage{
		{Date: day - 1, Remaining: -1},
		{Date: day, Used: 6, Remaining: 9, Recorded: true},
		{Date: day + 1, Used: 2, Remaining: -1, Recorded: true},
	}
	for i, name := range []string{"memory", "redis"} {
		for j := range want {
			if usage[i][j] != want[j] {
				t.Errorf("%s day %d: %+v, want %+v", name, j, usage[i][j], want[j])
			}
		}
	}
}

// TestKeys checks the layout and lifetimes of what the store writes.
func TestKeys(t *testing.T) {
	c := newClient(t, nil)
	prefix := testPrefix(t, c)
	s := newStore(t, c, prefix)
	day := usageplan.DateOf(t0)
	req := usageplan.AdmitRequest{
		Counter: usageplan.Counter{ID: "gold/k1", Limit: 100, Period: day - 2, PeriodEnd: day + 5, Today: day},
		Now:     t0, N: 1,
		Throttle: &usageplan.Throttle{Rate: 10, Burst: 20},
	}
	if _, err := s.Admit(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	tag := prefix + "{gold/k1}"
	for key, want := range map[string]time.Duration{
		tag + ":q:2024-06-03": (5*24 + 12) * time.Hour,            // to the period's end, plus a day
		tag + ":d:2024-06-05": 12*time.Hour + 90*24*time.Hour,     // the day's end plus the retention
		tag + ":r":            time.Minute + 100*time.Millisecond, // one token's worth, plus a minute
	} {
		ttl, err := c.PTTL(ctx, key).Result()
		if err != nil || ttl <= 0 || ttl > want || ttl < want-5*time.Second {
			t.Errorf("%s: TTL %v (%v), want about %v", key, ttl, err, want)
		}
	}
	if got, _ := c.HGetAll(ctx, tag+":d:2024-06-05").Result(); got["u"] != "1" || got["r"] != "99" {
		t.Errorf("day record %v", got)
	}
}

func TestNewErrors(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no client", Options{}, "Options.Client"},
		{"brace", Options{Client: c, Prefix: "a{b"}, "Options.Prefix"},
		{"timeout", Options{Client: c, Timeout: -1}, "Options.Timeout"},
		{"retention", Options{Client: c, Retention: -1}, "Options.Retention"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
	s, err := New(Options{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	if s.prefix != "apigw:usage:" || s.timeout != DefaultTimeout || s.direct {
		t.Errorf("defaults: %+v", s)
	}
	if !honoursContext(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})) {
		t.Error("ContextTimeoutEnabled not detected")
	}
	if _, err := s.Usage(context.Background(), "x/y", 10, 9); err == nil {
		t.Error("reversed range accepted")
	}
	if err := s.SetRemaining(context.Background(), usageplan.Counter{Limit: -1}, 1); err == nil {
		t.Error("SetRemaining without quota accepted")
	}
}

// TestBacklogCountedOnce: a backlog batch carried again under its ID (the
// call that carried it timed out after Redis ran it) is not counted again;
// another batch is; the ID is kept as long as the batch's usage record.
func TestBacklogCountedOnce(t *testing.T) {
	c := newClient(t, nil)
	prefix := testPrefix(t, c)
	s := newStore(t, c, prefix)
	day := usageplan.DateOf(t0)
	req := usageplan.AdmitRequest{
		Counter: usageplan.Counter{ID: "p/k", Limit: 100, Period: day, PeriodEnd: day + 1, Today: day},
		Now:     t0, N: 1,
	}
	for _, id := range []string{"a.1", "a.1", "a.2", "a.1"} {
		req.Backlog = usageplan.Backlog{ID: id, N: 10, Period: day, PeriodEnd: day + 1, Today: day}
		if _, err := s.Admit(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	days, err := s.Usage(t.Context(), "p/k", day, day)
	if err != nil {
		t.Fatal(err)
	}
	if days[0].Used != 24 || days[0].Remaining != 76 {
		t.Fatalf("usage %+v, want 4 requests and 2 batches of 10: 24 used, 76 remaining", days[0])
	}
	ttl, err := c.TTL(t.Context(), prefix+"{p/k}:b:a.1").Result()
	if want := 12*time.Hour + 90*24*time.Hour; err != nil || ttl < want-time.Minute || ttl > want {
		t.Errorf("batch ID TTL %v (%v), want about %v", ttl, err, want)
	}
}
