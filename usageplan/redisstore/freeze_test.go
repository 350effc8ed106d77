package redisstore

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/redistest"
	"github.com/apigw/apigw/usageplan"
	"github.com/redis/go-redis/v9"
)

// The private redis-servers of this package listen on 7010–7019.
const (
	portFreeze = 7010 + iota
	portMaster
	portReplica
)

// TestFrozenRedisCountsOnce is the measure: under load, Redis is
// frozen (SIGSTOP) for a while and resumed (SIGCONT); the registry fails
// open meanwhile. Every admitted request is counted exactly once in the
// key's usage, although Redis runs, when it resumes, the calls that the
// gateway had stopped waiting for (those that carried the fail-open
// backlog among them).
func TestFrozenRedisCountsOnce(t *testing.T) {
	srv := redistest.Start(t, portFreeze)
	for _, ctxTimeouts := range []bool{true, false} {
		name := "ContextTimeoutEnabled"
		if !ctxTimeouts {
			name = "client timeouts"
		}
		t.Run(name, func(t *testing.T) {
			c := srv.Client(t, &redis.Options{ContextTimeoutEnabled: ctxTimeouts, PoolSize: 16})
			prefix := testPrefix(t, c)
			s, err := New(Options{Client: c, Prefix: prefix, Timeout: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			plan := usageplan.Plan{ID: "p", Quota: &usageplan.Quota{Limit: 1 << 40, Period: usageplan.Day}, Stages: prodStage}
			g := replica(t, s, newClock(t0), plan, usageplan.Config{
				Logger: slog.New(slog.DiscardHandler), AccountThrottle: &usageplan.Throttle{Rate: usageplan.Unlimited}})

			stop := make(chan struct{})
			var wg sync.WaitGroup
			var admitted atomic.Int64
			for range 16 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						if send(g).Code == http.StatusOK {
							admitted.Add(1)
						}
					}
				})
			}
			// The freeze lasts 16 times the store's timeout: every worker
			// fails open many times over and builds a backlog.
			time.Sleep(200 * time.Millisecond)
			srv.Freeze(t)
			time.Sleep(800 * time.Millisecond)
			srv.Thaw(t)
			time.Sleep(500 * time.Millisecond)
			close(stop)
			wg.Wait()
			// The calls the gateway stopped waiting for have all been
			// answered (and their outcomes settled) once none is in flight.
			for deadline := time.Now().Add(10 * time.Second); s.inflight.Load() > 0; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%d calls still in flight", s.inflight.Load())
				}
			}
			// The backlog goes out one batch per request: a few more deliver
			// what is left of it.
			for range 50 {
				if send(g).Code == http.StatusOK {
					admitted.Add(1)
				}
			}
			check := newStore(t, c, prefix)
			days, err := check.Usage(t.Context(), "p/customer", usageplan.DateOf(t0), usageplan.DateOf(t0))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("admitted %d, counted %d", admitted.Load(), days[0].Used)
			if days[0].Used != admitted.Load() {
				t.Fatalf("counted %d, admitted %d: %d counted twice", days[0].Used, admitted.Load(), days[0].Used-admitted.Load())
			}
		})
	}
}
