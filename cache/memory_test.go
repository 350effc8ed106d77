package cache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

// accounted recomputes what the store should account from its items.
func accounted(s *MemoryStore) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, k := range s.lru.Keys() {
		it, _ := s.lru.Peek(k)
		if it.size != int64(len(k))+it.entry.Size()+itemBytes {
			panic("item size is not key + entry + bookkeeping")
		}
		n += it.size
	}
	return n
}

func TestMemoryStoreChurn(t *testing.T) {
	const capacity = 64 << 10
	ctx := context.Background()
	clock := newFakeClock()
	s := NewMemoryStore(capacity, clock.Now)
	rng := rand.New(rand.NewPCG(1, 2))
	stored := 0
	for i := range 20000 { // far more distinct keys than fit
		key := fmt.Sprintf("k%d-%s", i, strings.Repeat("k", rng.IntN(200)))
		body := make([]byte, rng.IntN(4096))
		h := http.Header{"Content-Type": {"application/json"}, "X-Pad": {strings.Repeat("h", rng.IntN(300))}}
		if err := s.Set(ctx, key, NewEntry(200, h, body), time.Minute); err != nil {
			t.Fatal(err)
		}
		if rng.IntN(4) == 0 { // some reads and replacements in between
			_, _ = s.Get(ctx, fmt.Sprintf("k%d", rng.IntN(i+1)))
			_ = s.Set(ctx, key, NewEntry(200, nil, make([]byte, rng.IntN(8192))), time.Minute)
		}
		if rng.IntN(50) == 0 {
			clock.Advance(30 * time.Second)
		}
		got := s.Bytes()
		if got > capacity {
			t.Fatalf("step %d: %d bytes accounted, capacity %d", i, got, capacity)
		}
		if want := accounted(s); got != want {
			t.Fatalf("step %d: %d bytes accounted, entries hold %d", i, got, want)
		}
		stored = s.Len()
	}
	if stored == 0 || s.Evictions() == 0 {
		t.Errorf("churn kept %d entries with %d evictions: test did not churn", stored, s.Evictions())
	}
}

func TestMemoryStoreLRUOrder(t *testing.T) {
	ctx := context.Background()
	e := NewEntry(200, nil, make([]byte, 100))
	size := int64(len("a")) + e.Size() + itemBytes
	s := NewMemoryStore(3*size, nil)
	for _, k := range []string{"a", "b", "c"} {
		s.Set(ctx, k, e, time.Minute)
	}
	s.Get(ctx, "a") // a is now the most recently used
	s.Set(ctx, "d", e, time.Minute)
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if got, _ := s.Get(ctx, k); (got != nil) != want {
			t.Errorf("%s present = %v, want %v", k, got != nil, want)
		}
	}
}

func TestMemoryStoreExpiry(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	s := NewMemoryStore(1<<20, clock.Now)
	e := NewEntry(200, nil, []byte("x"))
	s.Set(ctx, "k", e, 10*time.Second)
	clock.Advance(10*time.Second - 1)
	if got, _ := s.Get(ctx, "k"); got != e {
		t.Fatalf("entry gone before its TTL")
	}
	clock.Advance(1)
	if got, _ := s.Get(ctx, "k"); got != nil {
		t.Fatalf("expired entry served")
	}
	if s.Len() != 0 || s.Bytes() != 0 {
		t.Errorf("expired entry still held: %d entries, %d bytes", s.Len(), s.Bytes())
	}
	s.Set(ctx, "k", e, 0)
	if got, _ := s.Get(ctx, "k"); got != nil {
		t.Errorf("a TTL of 0 stored an entry")
	}
}

func TestMemoryStoreTooLarge(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore(1000, nil)
	small := NewEntry(200, nil, []byte("x"))
	s.Set(ctx, "k", small, time.Minute)
	s.Set(ctx, "k", NewEntry(200, nil, make([]byte, 1000)), time.Minute)
	if got, _ := s.Get(ctx, "k"); got != nil {
		t.Errorf("entry over the capacity stored, or the old one kept")
	}
	if s.Bytes() != 0 {
		t.Errorf("Bytes = %d after the only entry was replaced by nothing", s.Bytes())
	}
}

func TestMemoryStoreDelete(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore(0, nil)
	e := NewEntry(200, nil, nil)
	for _, k := range []string{"ns|4:prod1", "ns|4:prod2", "ns|4:beta1", "other|4:prod1"} {
		s.Set(ctx, k, e, time.Minute)
	}
	s.Delete(ctx, "ns|4:prod1", false)
	s.Delete(ctx, "ns|4:beta", false) // exact: no such key
	if s.Len() != 3 {
		t.Fatalf("exact delete: %d entries left, want 3", s.Len())
	}
	s.Delete(ctx, "ns|4:prod", true)
	if s.Len() != 2 {
		t.Fatalf("prefix delete: %d entries left, want 2", s.Len())
	}
	s.Delete(ctx, "", true)
	if s.Len() != 0 || s.Bytes() != 0 {
		t.Fatalf("delete all: %d entries, %d bytes left", s.Len(), s.Bytes())
	}
}
