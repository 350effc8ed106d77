package cache

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw"
)

// gate is a backend that reports each call on entered (when set) and then
// blocks until released.
type gate struct {
	calls   atomic.Int64
	entered chan struct{}
	release chan struct{}
	status  int
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := g.calls.Add(1)
	if g.entered != nil {
		g.entered <- struct{}{}
	}
	<-g.release
	if g.status != 0 {
		w.WriteHeader(g.status)
	}
	io.WriteString(w, "answer #"+itoa(n))
}

// waitFor waits for ch to be closed or to deliver, failing the test rather
// than hanging.
func waitFor(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(time.Minute):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// countWaiters makes c close the returned channel once n requests wait for
// another's call.
func countWaiters(c *Cache, n int64) <-chan struct{} {
	var waiting atomic.Int64
	all := make(chan struct{})
	c.onWait = func() {
		if waiting.Add(1) == n {
			close(all)
		}
	}
	return all
}

func TestConcurrentMissesCallOnce(t *testing.T) {
	const n = 1000
	c := mustNew(t, Config{XCache: true})
	allWaiting := countWaiters(c, n-1)
	backend := &gate{release: make(chan struct{})}
	h := c.Handler(backend)

	responses := make([]*httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			responses[i] = get(h, "/artists/1234")
		}()
	}
	// Hold the one call until every other request waits for it, so the test
	// really has 1,000 concurrent misses.
	waitFor(t, "999 waiters", allWaiting)
	close(backend.release)
	wg.Wait()

	if got := backend.calls.Load(); got != 1 {
		t.Fatalf("integration calls = %d, want exactly 1", got)
	}
	misses := 0
	for i, w := range responses {
		wantBody(t, w, "answer #1")
		if w.Header().Get(XCacheHeader) == "Miss" {
			misses++
		}
		if w.Header().Get(XCacheHeader) == "Hit" && w.Header().Get("Content-Length") != "9" {
			t.Fatalf("response %d lost its headers: %v", i, w.Header())
		}
	}
	if misses != 1 {
		t.Errorf("%d responses say Miss, want 1", misses)
	}
	if got, want := c.Stats(), (Stats{Hits: n - 1, Misses: 1, Coalesced: n - 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

// TestMissAfterFlightEndsFindsEntry covers the window between a request's
// lookup and its joining: a flight that ended in between must not cause a
// second call.
func TestMissAfterFlightEndsFindsEntry(t *testing.T) {
	c := mustNew(t, Config{})
	backend := &counter{body: "v"}
	h := c.Handler(backend)
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	before := c.flights.done.Load() // as if this request looked up now...
	get(h, "/x")                    // ...and another request filled the entry meanwhile
	hh := h.(*handler)
	r, ac := apigw.EnsureContext(r)
	w := httptest.NewRecorder()
	hh.fill(w, r, ac, hh.key(r, ac, "GET"), before)
	wantBody(t, w, "v #1")
	if backend.calls.Load() != 1 {
		t.Errorf("integration called %d times, want 1", backend.calls.Load())
	}
}

func TestWaitersCallWhenLeaderCannotShare(t *testing.T) {
	c := mustNew(t, Config{})
	allWaiting := countWaiters(c, 2)
	backend := &gate{release: make(chan struct{}), status: http.StatusInternalServerError}
	h := c.Handler(backend)
	var wg sync.WaitGroup
	codes := make([]int, 3)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = get(h, "/x").Code
		}()
	}
	waitFor(t, "2 waiters", allWaiting)
	close(backend.release)
	wg.Wait()
	if got := backend.calls.Load(); got != 3 {
		t.Errorf("integration calls = %d, want 3: a 500 is not shared", got)
	}
	for _, code := range codes {
		if code != 500 {
			t.Errorf("status %d, want 500", code)
		}
	}
}

func TestWaiterLeavesWithItsClient(t *testing.T) {
	c := mustNew(t, Config{})
	waiting := countWaiters(c, 1)
	backend := &gate{entered: make(chan struct{}, 1), release: make(chan struct{})}
	h := c.Handler(backend)
	leaderDone := make(chan struct{})
	go func() {
		defer close(leaderDone)
		get(h, "/x")
	}()
	waitFor(t, "the leader's call", backend.entered)
	ctx, cancel := context.WithCancel(context.Background())
	waiterDone := make(chan struct{})
	go func() {
		defer close(waiterDone)
		do(h, httptest.NewRequestWithContext(ctx, http.MethodGet, "/x", nil))
	}()
	waitFor(t, "the waiter", waiting)
	cancel()
	<-waiterDone // returns although the leader is still in its call
	close(backend.release)
	<-leaderDone
}

// TestConcurrentUse mixes hits, misses, refreshes, invalidations and
// flushes on a small store, for the race detector.
func TestConcurrentUse(t *testing.T) {
	clock := newFakeClock()
	c := mustNew(t, Config{Capacity: 8 << 10, Now: clock.Now, AnyoneMayInvalidate: true, XCache: true})
	h := mustWrap(t, c, MethodSettings{KeyParameters: []string{"method.request.querystring.n"}}, &counter{body: "v"})
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				target := "/x?n=" + itoa(int64(i%37))
				switch {
				case g == 0 && i%50 == 0:
					c.Flush(ctx, "")
				case g == 1 && i%10 == 0:
					c.Invalidate(ctx, Key{Method: "GET", Resource: "/x", Params: map[string][]string{"method.request.querystring.n": {"3"}}})
				case g == 2 && i%20 == 0:
					clock.Advance(time.Minute)
				case i%7 == 0:
					get(h, target, "Cache-Control", "max-age=0")
				default:
					if w := get(h, target); w.Code != 200 || w.Body.Len() == 0 {
						t.Errorf("status %d body %q", w.Code, w.Body)
					}
				}
			}
		}()
	}
	wg.Wait()
	if m := c.Store().(*MemoryStore); m.Bytes() > m.Capacity() {
		t.Errorf("%d bytes held, capacity %d", m.Bytes(), m.Capacity())
	}
}
