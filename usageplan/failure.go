package usageplan

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// backlog holds the requests admitted under FailOpen while the store did
// not answer, per counter, until a later request of the same counter
// carries them to the store, one batch per request.
//
// A batch gets its ID when it is first carried. A call that fails may have
// been run by the store all the same (a timeout after Redis ran it): the
// batch comes back as it was, ID and all, and the store, which records the
// IDs it has counted, does not count it twice. New fail-open requests go
// to a batch that has no ID yet, never into one that was carried.
type backlog struct {
	size    atomic.Int64 // number of counters waiting: the fast path reads only this
	mu      sync.Mutex
	m       map[string][]Backlog
	max     int
	dropped atomic.Int64
	idHead  string        // random, per registry
	seq     atomic.Uint64 // numbers the batches
}

// init readies an empty backlog for at most max counters.
func (b *backlog) init(max int) {
	var head [9]byte
	_, _ = rand.Read(head[:])
	b.max, b.idHead = max, base64.RawURLEncoding.EncodeToString(head[:])+"."
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
		if list[i].ID == "" && list[i].Today == c.Today && list[i].Period == c.Period {
			list[i].N += n
			return
		}
	}
	b.append(c.ID, list, Backlog{N: n, Period: c.Period, PeriodEnd: c.PeriodEnd, Today: c.Today})
}

// append adds bl to counter id's list.
func (b *backlog) append(id string, list []Backlog, bl Backlog) {
	if b.m == nil {
		b.m = make(map[string][]Backlog)
	}
	if _, ok := b.m[id]; !ok {
		b.size.Add(1)
	}
	b.m[id] = append(list, bl)
}

// put gives back a batch that could not be delivered, as it was (the
// store may have counted it, under its ID), first in line: the next
// request of the counter carries it again, while new fail-open requests
// gather in one batch behind it.
func (b *backlog) put(id string, bl Backlog) {
	b.mu.Lock()
	defer b.mu.Unlock()
	list, ok := b.m[id]
	if !ok && len(b.m) >= b.max {
		b.dropped.Add(bl.N)
		return
	}
	b.append(id, nil, bl)
	b.m[id] = append(b.m[id], list...)
}

// take removes and returns one waiting batch of counter id, with its ID.
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
			if bl.ID == "" {
				bl.ID = b.idHead + strconv.FormatUint(b.seq.Add(1), 36)
			}
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
