package rediscache

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/cache"
	"github.com/redis/go-redis/v9"
)

const redisAddr = "127.0.0.1:6379"

// newClient returns a client of the local Redis, skipping the test when it
// does not answer (failing it instead when CI=true).
func newClient(t testing.TB) *redis.Client {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: redisAddr, ContextTimeoutEnabled: true, MaxRetries: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at %s: %v (CI=true: Redis is required)", redisAddr, err)
		}
		t.Skipf("Redis at %s not available: %v", redisAddr, err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// namespace returns a namespace unique to the test, deleting its keys when
// the test ends.
func namespace(t testing.TB, client *redis.Client) string {
	t.Helper()
	ns := fmt.Sprintf("apigw-test:%s:%x", strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()), rand.Uint64())
	ns = ns[:min(len(ns), 64)]
	t.Cleanup(func() {
		if err := deleteMatching(context.Background(), client, escapeGlob(ns)+"*"); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return ns
}

func mustStore(t testing.TB, client redis.UniversalClient, opts Options) *Store {
	t.Helper()
	s, err := New(client, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustCache(t testing.TB, cfg cache.Config) *cache.Cache {
	t.Helper()
	c, err := cache.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type counter struct{ calls atomic.Int64 }

func (b *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := b.calls.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Add("Vary", "Accept")
	w.Header().Add("Vary", "Origin")
	fmt.Fprintf(w, `{"call":%d}`, n)
}

func get(h http.Handler, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	return w
}

// TestReplicasShareEntries: two gateways (two caches, two clients) on one
// Redis answer from one entry.
func TestReplicasShareEntries(t *testing.T) {
	client1, client2 := newClient(t), newClient(t)
	ns := namespace(t, client1)
	backend := &counter{}
	replica := func(client *redis.Client) http.Handler {
		c := mustCache(t, cache.Config{Store: mustStore(t, client, Options{}), Namespace: ns, XCache: true})
		return c.Handler(backend)
	}
	one, two := replica(client1), replica(client2)
	first := get(one, "/artists/1234")
	second := get(two, "/artists/1234")
	if got := backend.calls.Load(); got != 1 {
		t.Fatalf("integration calls = %d, want 1", got)
	}
	if first.Body.String() != `{"call":1}` || second.Body.String() != first.Body.String() {
		t.Errorf("bodies %q and %q", first.Body, second.Body)
	}
	if second.Header().Get("X-Cache") != "Hit" || strings.Join(second.Header().Values("Vary"), ",") != "Accept,Origin" ||
		second.Header().Get("Content-Type") != "application/json" {
		t.Errorf("hit headers %v", second.Header())
	}
	get(two, "/artists/9") // another key
	if got := backend.calls.Load(); got != 2 {
		t.Errorf("integration calls = %d, want 2", got)
	}
}

func TestTTLIsRedisTTL(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	ctx := context.Background()
	s := mustStore(t, client, Options{})
	e := cache.NewEntry(200, nil, []byte("x"))

	key := ns + "|long"
	if err := s.Set(ctx, key, e, 300*time.Second); err != nil {
		t.Fatal(err)
	}
	pttl, err := client.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if pttl <= 290*time.Second || pttl > 300*time.Second {
		t.Errorf("PTTL = %v, want just under 300s", pttl)
	}

	// Expiry itself, with a short TTL and a bounded poll.
	key = ns + "|short"
	if err := s.Set(ctx, key, e, 30*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		got, err := s.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil {
			break // expired
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("entry with a 30ms TTL still served after 10s")
		}
	}
}

func TestStoredCompactly(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	ctx := context.Background()
	s := mustStore(t, client, Options{})
	e := cache.NewEntry(200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"popularity":90}`))
	if err := s.Set(ctx, ns+"|k", e, time.Minute); err != nil {
		t.Fatal(err)
	}
	raw, err := client.Get(ctx, ns+"|k").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := e.MarshalBinary()
	if string(raw) != string(want) {
		t.Errorf("stored %q, want the binary encoding %q", raw, want)
	}
	// status, 1 field: 12-byte name, 1 value of 16 bytes, 17-byte body.
	if len(raw) > 1+2+1+1+12+1+1+16+17 {
		t.Errorf("%d bytes stored: not compact", len(raw))
	}
	got, err := s.Get(ctx, ns+"|k")
	if err != nil || got == nil || string(got.Body()) != `{"popularity":90}` || got.Header().Get("Content-Type") != "application/json" {
		t.Errorf("Get = %v, %v", got, err)
	}
}

func TestCorruptEntryIsAMiss(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	ctx := context.Background()
	client.Set(ctx, ns+"|k", `{"json":"not ours"}`, time.Minute)
	s := mustStore(t, client, Options{})
	if got, err := s.Get(ctx, ns+"|k"); got != nil || err == nil {
		t.Errorf("Get = %v, %v: want nil and an error", got, err)
	}
	if s.backingOff() {
		t.Errorf("a corrupt entry made the store back off")
	}
}

func TestFlushAndInvalidate(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	ctx := context.Background()
	backend := &counter{}
	c := mustCache(t, cache.Config{Store: mustStore(t, client, Options{}), Namespace: ns})
	mw, err := c.Middleware(cache.MethodSettings{})
	if err != nil {
		t.Fatal(err)
	}
	h := mw(backend)
	for _, p := range []string{"/a", "/b", "/[glob]*"} {
		get(h, p)
	}
	if err := c.Invalidate(ctx, cache.Key{Method: "GET", Resource: "/a"}); err != nil {
		t.Fatal(err)
	}
	get(h, "/a")
	get(h, "/b")
	if got := backend.calls.Load(); got != 4 {
		t.Fatalf("calls = %d, want 4: /a invalidated, /b cached", got)
	}
	// Another namespace sharing the Redis is untouched by the flush.
	other := mustCache(t, cache.Config{Store: mustStore(t, client, Options{}), Namespace: ns + "x"})
	oh := other.Handler(backend)
	get(oh, "/a")
	if err := c.Flush(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/a", "/b", "/[glob]*"} {
		get(h, p)
	}
	get(oh, "/a")
	if got := backend.calls.Load(); got != 8 {
		t.Fatalf("calls = %d, want 8: 3 after the flush, the other namespace cached", got)
	}
	if n, _ := client.Keys(ctx, escapeGlob(ns)+"|*").Result(); len(n) != 3 {
		t.Errorf("keys after refill: %q", n)
	}
	deleteMatching(ctx, client, escapeGlob(ns+"x")+"*")
}

// TestRedisDownIsAMiss: a dead port answers every request from the
// integration, quickly, and the store then backs off without calling Redis.
func TestRedisDownIsAMiss(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	now := time.Unix(1700000000, 0)
	s := mustStore(t, client, Options{Now: func() time.Time { return now }})
	c := mustCache(t, cache.Config{Store: s})
	backend := &counter{}
	h := c.Handler(backend)
	for i := range 3 {
		w := within(t, 10*time.Second, func() *httptest.ResponseRecorder { return get(h, "/x") })
		if w.Code != 200 || w.Body.String() != fmt.Sprintf(`{"call":%d}`, i+1) {
			t.Fatalf("request %d: %d %q", i, w.Code, w.Body)
		}
	}
	if st := c.Stats(); st.StoreErrors == 0 || st.Misses != 3 {
		t.Errorf("Stats = %+v", st)
	}
	if _, err := s.Get(context.Background(), "k"); err != ErrUnavailable {
		t.Errorf("Get while backing off: %v, want ErrUnavailable", err)
	}
	now = now.Add(DefaultBackoff)
	if _, err := s.Get(context.Background(), "k"); err == nil || err == ErrUnavailable {
		t.Errorf("Get after the backoff: %v, want Redis's error", err)
	}
}

// TestRedisHungIsAMiss: a server that accepts connections but never answers
// costs one request Options.Timeout, not the client's ReadTimeout.
func TestRedisHungIsAMiss(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { // read, never answer
				io.Copy(io.Discard, conn)
				conn.Close()
			}()
			go func() { <-done; conn.Close() }()
		}
	}()
	client := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: true,
		Protocol: 2, DisableIdentity: true, ReadTimeout: time.Minute})
	defer client.Close()
	c := mustCache(t, cache.Config{Store: mustStore(t, client, Options{Timeout: 50 * time.Millisecond})})
	h := c.Handler(&counter{})
	w := within(t, 20*time.Second, func() *httptest.ResponseRecorder { return get(h, "/x") })
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if c.Stats().StoreErrors == 0 {
		t.Errorf("no store error counted")
	}
}

// within runs f, failing the test if it has not returned after d (a bound
// against hangs, far above the expected time, not a speed assertion).
func within[T any](t *testing.T, d time.Duration, f func() T) T {
	t.Helper()
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("hung for %v", d)
		panic("unreachable")
	}
}

func TestNewErrors(t *testing.T) {
	noCtx := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer noCtx.Close()
	_, err := New(noCtx, Options{Timeout: -1})
	if err == nil || !strings.Contains(err.Error(), "ContextTimeoutEnabled") || !strings.Contains(err.Error(), "Timeout -1ns") {
		t.Errorf("err = %v", err)
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Errorf("nil client accepted")
	}
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{redisAddr}, ContextTimeoutEnabled: true})
	defer cluster.Close()
	if _, err := New(cluster, Options{}); err != nil {
		t.Errorf("cluster client: %v", err)
	}
}

func TestEscapeGlob(t *testing.T) {
	if got, want := escapeGlob(`a*b?c[d]e\f`), `a\*b\?c\[d\]e\\f`; got != want {
		t.Errorf("escapeGlob = %q, want %q", got, want)
	}
}

func BenchmarkRedisHit(b *testing.B) {
	client := newClient(b)
	ns := namespace(b, client)
	c := mustCache(b, cache.Config{Store: mustStore(b, client, Options{}), Namespace: ns})
	h := c.Handler(&counter{})
	get(h, "/artists/1234")
	r := httptest.NewRequest(http.MethodGet, "/artists/1234", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if c.Stats().Hits == 0 {
		b.Fatal("no hits")
	}
}
