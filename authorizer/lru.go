package authorizer

import (
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// ttlCache is a bounded LRU whose entries carry their own expiry, checked
// against the caller's clock (never time.Now). It is split into shards, each
// a simplelru under its own mutex, so that concurrent requests rarely wait for
// one another; no lock is ever held across I/O. It starts no goroutine.
type ttlCache[K comparable, V any] struct {
	shards []ttlShard[K, V]
	mask   uint64
	hash   func(K) uint64
}

type ttlShard[K comparable, V any] struct {
	mu  sync.Mutex
	lru *simplelru.LRU[K, ttlEntry[V]]
}

type ttlEntry[V any] struct {
	v       V
	expires int64 // unix nanoseconds; the entry is dead from this instant on
}

// newTTLCache returns a cache of at most size entries (size > 0), hashing
// keys with hash to pick a shard.
func newTTLCache[K comparable, V any](size int, hash func(K) uint64) *ttlCache[K, V] {
	n := 1
	for n < 16 && n*64 <= size { // at least 64 entries per shard
		n *= 2
	}
	per := (size + n - 1) / n
	c := &ttlCache[K, V]{shards: make([]ttlShard[K, V], n), mask: uint64(n - 1), hash: hash}
	for i := range c.shards {
		c.shards[i].lru, _ = simplelru.NewLRU[K, ttlEntry[V]](per, nil) // per > 0: cannot fail
	}
	return c
}

func (c *ttlCache[K, V]) shard(k K) *ttlShard[K, V] {
	if c.mask == 0 {
		return &c.shards[0]
	}
	return &c.shards[c.hash(k)&c.mask]
}

// get returns the live value for k at now (unix nanoseconds); an expired
// entry is removed and reported absent.
func (c *ttlCache[K, V]) get(k K, now int64) (V, bool) {
	s := c.shard(k)
	s.mu.Lock()
	e, ok := s.lru.Get(k)
	if ok && now >= e.expires {
		s.lru.Remove(k)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put stores v for k until expires (unix nanoseconds), evicting the least
// recently used entry of the shard when it is full.
func (c *ttlCache[K, V]) put(k K, v V, expires int64) {
	s := c.shard(k)
	s.mu.Lock()
	s.lru.Add(k, ttlEntry[V]{v: v, expires: expires})
	s.mu.Unlock()
}

// len is the number of entries held, live or not yet noticed as expired.
func (c *ttlCache[K, V]) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.lru.Len()
		s.mu.Unlock()
	}
	return n
}
