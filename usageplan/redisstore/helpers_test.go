package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/testkit"
	"github.com/apigw/apigw/usageplan"
	"github.com/redis/go-redis/v9"
)

const redisAddr = "127.0.0.1:6379"

// t0 is a Wednesday, noon UTC.
var t0 = time.Date(2024, 6, 5, 12, 0, 0, 0, time.UTC)

// newClient returns a client of the test Redis, or skips the test when
// there is none, unless CI=true, where a missing Redis fails it.
func newClient(t testing.TB, opts *redis.Options) *redis.Client {
	t.Helper()
	if opts == nil {
		opts = &redis.Options{}
	}
	opts.Addr = redisAddr
	c := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at %s: %v (CI=true: Redis is required)", redisAddr, err)
		}
		t.Skipf("no Redis at %s: %v", redisAddr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testPrefix returns a key prefix of the test alone and deletes its keys
// when the test ends.
func testPrefix(t testing.TB, c *redis.Client) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := strings.Map(func(r rune) rune {
		if r == '{' || r == '}' || r == ' ' || r == '*' {
			return '_'
		}
		return r
	}, t.Name())
	prefix := "apigw-test:" + name + ":" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			_ = c.Del(ctx, keys...).Err()
		}
	})
	return prefix
}

func newStore(t testing.TB, c redis.Scripter, prefix string) *Store {
	t.Helper()
	s, err := New(Options{Client: c, Prefix: prefix, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newClock is the tests' injected clock: it moves only when told.
func newClock(t time.Time) *testkit.Clock { return testkit.NewClock(t) }

const apiKey = "demo-standard-key-0000000001"

var breeds = usageplan.MethodSpec{APIID: "pets", Stage: "prod", Resource: "/breeds", HTTPMethod: "GET", APIKeyRequired: true}

// replica is one gateway: its own registry and middleware over the shared
// store, configured as every replica would be.
func replica(t testing.TB, store usageplan.Store, clock *testkit.Clock, plan usageplan.Plan, opts usageplan.Config) http.Handler {
	t.Helper()
	opts.Store, opts.Now = store, clock.Now
	r, err := usageplan.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if plan.CreatedAt.IsZero() {
		plan.CreatedAt = t0
	}
	if err := r.AddPlan(plan); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddKey(usageplan.APIKey{ID: "customer", Value: apiKey}, plan.ID); err != nil {
		t.Fatal(err)
	}
	mw, err := r.Middleware(breeds)
	if err != nil {
		t.Fatal(err)
	}
	return mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
}

func send(h http.Handler) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/breeds", nil)
	req.Header.Set("x-api-key", apiKey)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// blackhole accepts connections and never answers, like a Redis that
// stopped responding; closing it releases every connection.
type blackhole struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	done  chan struct{}
}

func newBlackhole(t testing.TB) *blackhole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.conns = append(b.conns, c)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(b.Close)
	return b
}

func (b *blackhole) Addr() string { return b.ln.Addr().String() }

func (b *blackhole) Close() {
	_ = b.ln.Close()
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.conns {
		_ = c.Close()
	}
	b.conns = nil
}

// proxy forwards TCP connections to Redis until stopped, so that a test can
// stop "Redis" in the middle and start it again on the same address.
type proxy struct {
	addr  string
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	done  chan struct{}
}

func newProxy(t testing.TB) *proxy {
	t.Helper()
	p := &proxy{addr: "127.0.0.1:0"}
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.ln, p.done = ln, make(chan struct{})
	go func() {
		defer close(p.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", redisAddr)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
	return nil
}

// stop closes the listener and every connection: Redis is gone.
func (p *proxy) stop() {
	if p.ln == nil {
		return
	}
	_ = p.ln.Close()
	<-p.done
	p.ln = nil
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
