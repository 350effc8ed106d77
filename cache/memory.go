package cache

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// itemBytes is the accounting's estimate of one memory item's bookkeeping:
// the LRU list element, its map slot and the item struct.
const itemBytes = 152

// MemoryStore is the in-process [Store]: a least-recently-used cache
// bounded by the bytes its entries hold. Each entry is accounted as the
// length of its key plus [Entry.Size]; storing past the capacity evicts
// the least recently used entries first. An entry expires at the instant
// Set was called plus its TTL, by the store's clock, and an expired entry is
// never returned.
//
// A MemoryStore starts no goroutine: expired entries are dropped when they
// are looked up or evicted. It is safe for simultaneous use by multiple
// goroutines; one mutex guards it and is never held across I/O.
type MemoryStore struct {
	now      func() time.Time
	capacity int64

	mu        sync.Mutex
	lru       *simplelru.LRU[string, memItem]
	bytes     int64
	evictions uint64
}

type memItem struct {
	entry   *Entry
	expires int64 // UnixNano, by the store's clock
	size    int64
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore holding at most capacity
// bytes (0 or less: [DefaultCapacity]) whose clock is now (nil: time.Now).
func NewMemoryStore(capacity int64, now func() time.Time) *MemoryStore {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	if now == nil {
		now = time.Now
	}
	s := &MemoryStore{now: now, capacity: capacity}
	// The count bound is unused: the byte bound evicts first.
	s.lru, _ = simplelru.NewLRU(math.MaxInt, func(_ string, it memItem) { s.bytes -= it.size })
	return s
}

// Get returns the live entry stored under key, or nil. It never fails.
func (s *MemoryStore) Get(_ context.Context, key string) (*Entry, error) {
	now := s.now().UnixNano()
	s.mu.Lock()
	it, ok := s.lru.Get(key)
	if ok && now >= it.expires {
		s.lru.Remove(key)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return nil, nil
	}
	return it.entry, nil
}

// Set stores e under key until ttl has passed, replacing any entry of that
// key. An entry larger than the capacity, or a ttl of 0 or less, stores
// nothing (and removes the old entry).
func (s *MemoryStore) Set(_ context.Context, key string, e *Entry, ttl time.Duration) error {
	size := int64(len(key)) + e.Size() + itemBytes
	expires := s.now().Add(ttl).UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lru.Remove(key)
	if ttl <= 0 || size > s.capacity {
		return nil
	}
	s.lru.Add(key, memItem{entry: e, expires: expires, size: size})
	s.bytes += size
	for s.bytes > s.capacity {
		s.lru.RemoveOldest()
		s.evictions++
	}
	return nil
}

// Delete removes the entry stored under key or, when prefix is true, every
// entry whose key starts with key. A prefix delete visits every entry.
func (s *MemoryStore) Delete(_ context.Context, key string, prefix bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !prefix {
		s.lru.Remove(key)
		return nil
	}
	if key == "" {
		s.lru.Purge()
		return nil
	}
	for _, k := range s.lru.Keys() {
		if strings.HasPrefix(k, key) {
			s.lru.Remove(k)
		}
	}
	return nil
}

// Len is the number of entries held, expired ones not yet dropped included.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lru.Len()
}

// Bytes is the number of bytes the entries hold, as accounted against the
// capacity; it never exceeds [MemoryStore.Capacity].
func (s *MemoryStore) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Capacity is the most bytes the store holds.
func (s *MemoryStore) Capacity() int64 { return s.capacity }

// Evictions is the number of entries dropped to make room for others.
func (s *MemoryStore) Evictions() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.evictions
}
