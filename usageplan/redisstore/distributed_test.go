package redisstore

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/testkit"
	"github.com/apigw/apigw/usageplan"
	"github.com/redis/go-redis/v9"
)

var prodStage = []usageplan.APIStage{{APIID: "pets", Stage: "prod"}}

// TestDistributedQuota is the measure: three gateways share one
// Redis; a key with a quota of 1,000 receives 3,000 concurrent requests
// spread over the three; exactly 1,000 are admitted.
func TestDistributedQuota(t *testing.T) {
	c := newClient(t, &redis.Options{PoolSize: 32})
	prefix := testPrefix(t, c)
	clock := newClock(t0)
	plan := usageplan.Plan{ID: "metered", Quota: &usageplan.Quota{Limit: 1000, Period: usageplan.Day}, Stages: prodStage}
	var gateways [3]http.Handler
	for i := range gateways {
		s, err := New(Options{Client: c, Prefix: prefix, Timeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		// FailClosed: a store error must never admit, or the count proves nothing.
		gateways[i] = replica(t, s, clock, plan, usageplan.Config{OnStoreError: usageplan.FailClosed})
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 3000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec := send(gateways[i%3])
			mu.Lock()
			codes[rec.Code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if codes[200] != 1000 || codes[429] != 2000 {
		t.Fatalf("answers %v, want exactly 1000 × 200 and 2000 × 429", codes)
	}
	// The usage the three wrote together.
	s := newStore(t, c, prefix)
	days, err := s.Usage(t.Context(), "metered/customer", usageplan.DateOf(t0), usageplan.DateOf(t0))
	if err != nil {
		t.Fatal(err)
	}
	if days[0].Used != 1000 || days[0].Remaining != 0 {
		t.Fatalf("usage %+v, want 1000 used, 0 remaining", days[0])
	}
}

// pressure sends, every step of simulated time for d, one request to each
// gateway in turn, and counts the admitted ones.
func pressure(clock *testkit.Clock, gateways []http.Handler, d, step time.Duration) (admitted, sent int) {
	for end := clock.Now().Add(d); clock.Now().Before(end); clock.Advance(step) {
		for _, g := range gateways {
			sent++
			if send(g).Code == http.StatusOK {
				admitted++
			}
		}
	}
	return admitted, sent
}

// TestDistributedRate is the measure: one plan throttle of 100/s,
// burst 10, shared by three gateways, holds within 5 % (510 over 5 s).
func TestDistributedRate(t *testing.T) {
	c := newClient(t, nil)
	prefix := testPrefix(t, c)
	clock := newClock(t0)
	plan := usageplan.Plan{ID: "rated", Throttle: &usageplan.Throttle{Rate: 100, Burst: 10}, Stages: prodStage}
	gateways := make([]http.Handler, 3)
	for i := range gateways {
		gateways[i] = replica(t, newStore(t, c, prefix), clock, plan, usageplan.Config{OnStoreError: usageplan.FailClosed})
	}
	admitted, sent := pressure(clock, gateways, 5*time.Second, 2*time.Millisecond)
	if admitted < 485 || admitted > 535 {
		t.Fatalf("admitted %d of %d, want 510 ± 5 %%", admitted, sent)
	}
	t.Logf("admitted %d of %d", admitted, sent)
}

// TestAccuracy: at rate 100/s, burst 10, 5 simulated seconds of constant
// pressure admit 510 ± 1 % through the Redis GCRA, per client and per
// client per method.
func TestAccuracy(t *testing.T) {
	c := newClient(t, nil)
	limit := usageplan.Throttle{Rate: 100, Burst: 10}
	for name, plan := range map[string]usageplan.Plan{
		"per-client": {ID: "p", Throttle: &limit, Stages: prodStage},
		"per-client per-method": {ID: "p", Stages: []usageplan.APIStage{{APIID: "pets", Stage: "prod",
			Throttle: map[string]usageplan.Throttle{"/breeds/GET": limit}}}},
	} {
		t.Run(name, func(t *testing.T) {
			clock := newClock(t0)
			g := replica(t, newStore(t, c, testPrefix(t, c)), clock, plan, usageplan.Config{OnStoreError: usageplan.FailClosed})
			admitted, _ := pressure(clock, []http.Handler{g}, 5*time.Second, 3*time.Millisecond)
			if admitted < 505 || admitted > 515 {
				t.Fatalf("admitted %d, want 510 ± 1 %%", admitted)
			}
		})
	}
}

// TestRedisDown: with Redis unreachable (a dead port) or not answering (a
// listener that never replies), every request is answered per the policy
// and none waits past the store's timeout, whatever the client's own
// timeouts.
func TestRedisDown(t *testing.T) {
	hole := newBlackhole(t)
	const timeout = 50 * time.Millisecond
	for _, target := range []struct{ name, addr string }{{"dead port", "127.0.0.1:1"}, {"silent server", hole.Addr()}} {
		for _, ctxTimeouts := range []bool{false, true} {
			for _, policy := range []usageplan.FailurePolicy{usageplan.FailOpen, usageplan.FailClosed} {
				want := map[usageplan.FailurePolicy]int{usageplan.FailOpen: 200, usageplan.FailClosed: 500}[policy]
				name := target.name
				if ctxTimeouts {
					name += "/ContextTimeoutEnabled"
				}
				name += map[usageplan.FailurePolicy]string{usageplan.FailOpen: "/fail open", usageplan.FailClosed: "/fail closed"}[policy]
				t.Run(name, func(t *testing.T) {
					c := redis.NewClient(&redis.Options{
						Addr: target.addr, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
						DialTimeout: 30 * time.Second, ContextTimeoutEnabled: ctxTimeouts,
					})
					defer c.Close()
					s, err := New(Options{Client: c, Timeout: timeout})
					if err != nil {
						t.Fatal(err)
					}
					var logs bytes.Buffer
					g := replica(t, s, newClock(t0), usageplan.Plan{ID: "p", Quota: &usageplan.Quota{Limit: 1, Period: usageplan.Day}, Stages: prodStage},
						usageplan.Config{OnStoreError: policy, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
					var slowest time.Duration
					for range 5 {
						start := time.Now()
						rec := send(g)
						slowest = max(slowest, time.Since(start))
						if rec.Code != want {
							t.Fatalf("got %d, want %d", rec.Code, want)
						}
					}
					// A bound far from both the timeout and the client's 30 s,
					// so that a loaded machine cannot make it flaky.
					if slowest > timeout+3*time.Second {
						t.Fatalf("a request took %v; the timeout is %v", slowest, timeout)
					}
					if !bytes.Contains(logs.Bytes(), []byte("Usage Plan check failed due to an internal error")) {
						t.Errorf("no warning logged: %s", logs.String())
					}
					t.Logf("slowest %v", slowest)
				})
			}
		}
	}
}

// TestRecovery: requests admitted while Redis was unreachable (fail open)
// are counted once it answers again.
func TestRecovery(t *testing.T) {
	good := newClient(t, nil)
	prefix := testPrefix(t, good)
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialerRetries: 1, MaxRetries: -1})
	defer dead.Close()
	s, err := New(Options{Client: dead, Prefix: prefix, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ss := &swapStore{s: s}
	clock := newClock(t0)
	g := replica(t, ss, clock, usageplan.Plan{ID: "p", Quota: &usageplan.Quota{Limit: 10, Period: usageplan.Day}, Stages: prodStage},
		usageplan.Config{Logger: slog.New(slog.DiscardHandler)})
	for range 4 {
		if send(g).Code != 200 {
			t.Fatal("fail open refused")
		}
	}
	ss.set(newStore(t, good, prefix))
	// Two requests carry the backlog: the batch that the failing calls
	// carried, then the requests gathered behind it.
	for range 2 {
		if send(g).Code != 200 {
			t.Fatal("refused after recovery")
		}
	}
	days, err := ss.Usage(t.Context(), "p/customer", usageplan.DateOf(t0), usageplan.DateOf(t0))
	if err != nil {
		t.Fatal(err)
	}
	if days[0].Used != 6 || days[0].Remaining != 4 {
		t.Fatalf("usage %+v, want 6 used (4 while down), 4 remaining", days[0])
	}
}

// TestRedisStopsMidTest: Redis goes away while requests flow and comes
// back: answers follow the policy meanwhile, none waits past the timeout,
// and under fail open the requests admitted meanwhile are counted after.
func TestRedisStopsMidTest(t *testing.T) {
	good := newClient(t, nil)
	prefix := testPrefix(t, good)
	px := newProxy(t)
	c := redis.NewClient(&redis.Options{Addr: px.addr, DialerRetries: 1, MaxRetries: -1, ReadTimeout: 30 * time.Second})
	defer c.Close()
	const timeout = 50 * time.Millisecond
	s, err := New(Options{Client: c, Prefix: prefix, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	clock := newClock(t0)
	g := replica(t, s, clock, usageplan.Plan{ID: "p", Quota: &usageplan.Quota{Limit: 100, Period: usageplan.Day}, Stages: prodStage},
		usageplan.Config{Logger: slog.New(slog.DiscardHandler)})
	phase := func(name string, n int) {
		for range n {
			start := time.Now()
			if code := send(g).Code; code != 200 {
				t.Fatalf("%s: %d", name, code)
			}
			if d := time.Since(start); d > timeout+3*time.Second {
				t.Fatalf("%s: a request took %v", name, d)
			}
		}
	}
	phase("up", 10)
	px.stop()
	phase("down", 10)
	if err := px.start(); err != nil {
		t.Skipf("cannot listen on %s again: %v", px.addr, err)
	}
	phase("back", 2) // two requests carry the backlog (see TestRecovery)
	days, err := newStore(t, good, prefix).Usage(t.Context(), "p/customer", usageplan.DateOf(t0), usageplan.DateOf(t0))
	if err != nil {
		t.Fatal(err)
	}
	if days[0].Used != 22 || days[0].Remaining != 78 {
		t.Fatalf("usage %+v, want 22 used, 78 remaining", days[0])
	}
}

// swapStore lets a test replace the store under a registry.
type swapStore struct {
	mu sync.Mutex
	s  *Store
}

func (w *swapStore) set(s *Store) { w.mu.Lock(); w.s = s; w.mu.Unlock() }
func (w *swapStore) get() *Store  { w.mu.Lock(); defer w.mu.Unlock(); return w.s }

func (w *swapStore) Admit(ctx context.Context, req usageplan.AdmitRequest) (usageplan.Decision, error) {
	return w.get().Admit(ctx, req)
}

func (w *swapStore) SetRemaining(ctx context.Context, c usageplan.Counter, remaining int64) error {
	return w.get().SetRemaining(ctx, c, remaining)
}

func (w *swapStore) Usage(ctx context.Context, id string, from, to usageplan.Date) ([]usageplan.DayUsage, error) {
	return w.get().Usage(ctx, id, from, to)
}
