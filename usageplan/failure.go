package usageplan

import (
	"sync"
	"sync/atomic"
	"time"
)

// backlog holds the requests admitted under FailOpen while the store did
// not answer, per counter, until a later request of the same counter
// carries them to the store.
type backlog struct {
	size    atomic.Int64 // number of counters waiting: the fast path reads only this
	mu      sync.Mutex
	m       map[string][]Backlog
	max     int
	dropped atomic.Int64
}

// add counts n requests (n < 0 takes back) of counter c.
func (b *backlog) add(c Counter, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	list, ok := b.m[c.ID]
	if !ok && len(b.m) >= b.max {
		b.dropped.Add(n)
		return
	}
	for i := range list {
		if list[i].Today == c.Today && list[i].Period == c.Period {
			list[i].N += n
			return
		}
	}
	if b.m == nil {
		b.m = make(map[string][]Backlog)
	}
	b.m[c.ID] = append(list, Backlog{N: n, Period: c.Period, PeriodEnd: c.PeriodEnd, Today: c.Today})
	if !ok {
		b.size.Add(1)
	}
}

// put gives back a backlog that could not be delivered.
func (b *backlog) put(id string, bl Backlog) {
	b.add(Counter{ID: id, Period: bl.Period, PeriodEnd: bl.PeriodEnd, Today: bl.Today}, bl.N)
}

// take removes and returns one waiting backlog of counter id.
func (b *backlog) take(id string) Backlog {
	if b.size.Load() == 0 {
		return Backlog{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	list := b.m[id]
	for len(list) > 0 {
		bl := list[0]
		list = list[1:]
		if len(list) == 0 {
			delete(b.m, id)
			b.size.Add(-1)
		} else {
			b.m[id] = list
		}
		if bl.N > 0 {
			return bl
		}
	}
	return Backlog{}
}

// warn logs a store failure, at most once per second of the registry's
// clock, with the number of failures not logged since.
func (r *Registry) warn(now time.Time, err error) {
	t := now.UnixNano()
	next := r.warnNext.Load()
	if t < next || !r.warnNext.CompareAndSwap(next, t+int64(time.Second)) {
		r.warnSuppressed.Add(1)
		return
	}
	policy := "fail open: request admitted, counted later"
	if r.policy == FailClosed {
		policy = "fail closed: request refused with 500"
	}
	r.log.Warn("usageplan: Usage Plan check failed due to an internal error",
		"err", err, "policy", policy,
		"suppressed", r.warnSuppressed.Swap(0),
		"backlogDropped", r.backlog.dropped.Load())
}
