package cache

import (
	"sync"
	"sync/atomic"
)

// flightGroup lets concurrent misses on one key make one call to the
// integration: the first request (the leader) calls it, the others wait for
// its entry. Unlike x/sync/singleflight, the leader's call writes to the
// leader's own client as it goes, a panic stays in the leader's goroutine,
// and a waiter whose client leaves stops waiting.
type flightGroup struct {
	mu sync.Mutex
	m  map[string]*flight
	// done counts finished flights; it is incremented under mu. A leader
	// compares it with its value before its store lookup: unchanged means
	// no flight stored anything in between, so the lookup still holds.
	done atomic.Uint64
}

// flight is one call to the integration in progress.
type flight struct {
	ready chan struct{} // closed once entry is set
	entry *Entry        // nil: the response could not be stored
}

// join returns the flight of key, and whether the caller leads it (and
// must call finish then end). stale reports, for a leader, that some
// flight finished since before was read from done: the leader must look the
// key up again before calling the integration.
func (g *flightGroup) join(key string, before uint64) (f *flight, leader, stale bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f := g.m[key]; f != nil {
		return f, false, false
	}
	f = &flight{ready: make(chan struct{})}
	g.m[key] = f
	return f, true, g.done.Load() != before
}

// finish hands e (nil: nothing to share) to the waiters. Requests arriving
// until end is called get e at once.
func (f *flight) finish(e *Entry) {
	f.entry = e
	close(f.ready)
}

// end removes the flight of key; call it after the entry is stored.
func (g *flightGroup) end(key string, f *flight) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m[key] == f {
		delete(g.m, key)
	}
	g.done.Add(1)
}
