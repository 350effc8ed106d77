package redisbus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/testkit"
	"github.com/apigw/apigw/websocket"
	ws "github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
)

const redisAddr = "127.0.0.1:6379"

// needRedis skips without Redis, or fails when CI=true.
func needRedis(t *testing.T) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at %s: %v (CI=true: Redis is required)", redisAddr, err)
		}
		t.Skipf("no Redis at %s: %v", redisAddr, err)
	}
}

// prefix returns a key prefix unique to the test, whose keys are deleted
// when it ends.
func prefix(t *testing.T) string {
	t.Helper()
	p := fmt.Sprintf("apigw:test:redisbus:%s:%d:", t.Name(), time.Now().UnixNano())
	t.Cleanup(func() {
		c := redis.NewClient(&redis.Options{Addr: redisAddr})
		defer c.Close()
		ctx := context.Background()
		keys, _ := c.Keys(ctx, p+"*").Result()
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return p
}

// proxy is a TCP proxy to Redis that the test can cut and restore.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	down  bool
	conns []net.Conn
	wg    sync.WaitGroup
}

func newProxy(t *testing.T) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		r, err := net.Dial("tcp", redisAddr)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns = append(p.conns, c, r)
		p.wg.Add(2)
		p.mu.Unlock()
		go func() { defer p.wg.Done(); _, _ = io.Copy(r, c); _ = r.Close() }()
		go func() { defer p.wg.Done(); _, _ = io.Copy(c, r); _ = c.Close() }()
	}
}

// cut closes every connection and refuses new ones until restore.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// replica is one API on Redis, served by httptest.
type replica struct {
	api *websocket.API
	srv *httptest.Server
	bus *Bus
	url string
}

func startReplica(t *testing.T, name, addr, pfx string, events chan<- string) *replica {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: time.Second, WriteTimeout: time.Second})
	return startReplicaOn(t, name, rdb, Options{Prefix: pfx, TTL: 3 * time.Second, Refresh: 50 * time.Millisecond}, events)
}

// startReplicaOn starts a replica on rdb, closed when the test ends, with
// o (Client, Timeout and Logger set here).
func startReplicaOn(t *testing.T, name string, rdb redis.UniversalClient, o Options, events chan<- string) *replica {
	t.Helper()
	o.Client, o.Timeout, o.Logger = rdb, 500*time.Millisecond, slog.New(slog.DiscardHandler)
	bus, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	api, err := websocket.New(websocket.WithBus(bus), websocket.WithReplicaID(name),
		websocket.WithLogger(slog.New(slog.DiscardHandler)),
		websocket.Route("$disconnect", websocket.RouteSpec{Integration: websocket.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if events != nil {
				events <- name + " disconnect " + websocket.FromContext(r.Context()).ConnectionID
			}
		}))}),
		websocket.Route("$default", websocket.RouteSpec{Integration: websocket.Handler(http.NotFoundHandler())}))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("/@connections/", api.ConnectionsHandler())
	srv := httptest.NewServer(mux)
	r := &replica{api: api, srv: srv, bus: bus, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = api.Shutdown(ctx)
		srv.Close()
		_ = rdb.Close()
	})
	return r
}

func (r *replica) dial(t *testing.T) (*ws.Conn, string) {
	t.Helper()
	before := map[string]bool{}
	for _, id := range r.api.ConnectionIDs() {
		before[id] = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, r.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	for _, id := range r.api.ConnectionIDs() {
		if !before[id] {
			return c, id
		}
	}
	t.Fatal("no new connection")
	return nil, ""
}

func read(t *testing.T, c *ws.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func TestNewErrors(t *testing.T) {
	_, err := New(Options{TTL: time.Second, Refresh: 2 * time.Second})
	for _, want := range []string{"Options.Client: required", "Options.Refresh 2s: must be shorter than TTL 1s"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}

func TestEncode(t *testing.T) {
	for _, cmd := range []websocket.Command{
		{Kind: websocket.Post, ConnectionID: "abc=", Data: []byte("x\ny")},
		{Kind: websocket.Post, ConnectionID: "abc=", Data: []byte{}},
		{Kind: websocket.Delete, ConnectionID: "abc="},
	} {
		got, ok := decode(encode(cmd))
		if !ok || got.Kind != cmd.Kind || got.ConnectionID != cmd.ConnectionID || string(got.Data) != string(cmd.Data) {
			t.Errorf("%+v -> %+v %v", cmd, got, ok)
		}
	}
	for _, bad := range []string{"", "P", "Xabc\n", "Pabc", "P\nx"} {
		if _, ok := decode(bad); ok {
			t.Errorf("decode(%q) ok", bad)
		}
	}
}

// TestCrossReplica: @connections calls on one replica reach a connection
// on another, over HTTP and in Go.
func TestCrossReplica(t *testing.T) {
	needRedis(t)
	pfx := prefix(t)
	events := make(chan string, 16)
	a := startReplica(t, "a", redisAddr, pfx, events)
	b := startReplica(t, "b", redisAddr, pfx, events)
	cb, idB := b.dial(t)
	ctx := context.Background()

	resp, err := http.Post(a.srv.URL+"/@connections/"+idB, "text/plain", strings.NewReader("over http"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST via a: %v %v", resp, err)
	}
	resp.Body.Close()
	if got := read(t, cb); got != "over http" {
		t.Errorf("got %q", got)
	}
	info, err := a.api.GetConnection(ctx, idB)
	if err != nil || info.Replica != "b" || info.Identity.SourceIP != "127.0.0.1" || info.ConnectedAt.IsZero() {
		t.Errorf("GetConnection via a: %+v %v", info, err)
	}
	// The client reads, as a browser does, so that the close handshake
	// completes and $disconnect runs at once (not after the server's
	// wait for a silent client).
	go func() { _, _, _ = cb.Read(ctx) }()
	if err := a.api.DeleteConnection(ctx, idB); err != nil {
		t.Fatal(err)
	}
	if got := <-events; got != "b disconnect "+idB {
		t.Errorf("event %q", got)
	}
	testkit.WaitFor(t, "the entry to go", func() bool {
		_, err := a.api.GetConnection(ctx, idB)
		return errors.Is(err, websocket.ErrGone)
	})
	resp, err = http.Post(a.srv.URL+"/@connections/"+idB, "text/plain", strings.NewReader("late"))
	if err != nil || resp.StatusCode != 410 || resp.Header.Get("X-Amzn-Errortype") != "GoneException" {
		t.Errorf("POST to a gone connection: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestShutdownDeliversAccepted: every post accepted for a replica before
// it shuts down reaches its client before the close.
func TestShutdownDeliversAccepted(t *testing.T) {
	needRedis(t)
	pfx := prefix(t)
	a := startReplica(t, "a", redisAddr, pfx, nil)
	b := startReplica(t, "b", redisAddr, pfx, nil)
	cb, idB := b.dial(t)
	ctx := context.Background()
	const n = 300
	accepted := 0
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(5 * time.Millisecond) // let some posts through first
		_ = b.api.Shutdown(ctx)
	}()
	for i := range n {
		err := a.api.PostToConnection(ctx, idB, []byte(fmt.Sprint(i)))
		if err == nil {
			accepted++
			continue
		}
		if !errors.Is(err, websocket.ErrGone) {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	// Read while the shutdown waits for the client's close frame.
	for i := range accepted {
		if got := read(t, cb); got != fmt.Sprint(i) {
			t.Fatalf("message %d: %q", i, got)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, _, err := cb.Read(rctx); ws.CloseStatus(err) != ws.StatusGoingAway {
		t.Errorf("after %d messages: %v, want close 1001", accepted, err)
	}
	wg.Wait()
	t.Logf("%d of %d posts accepted before the shutdown", accepted, n)
}

// TestRedisGoesAway: local delivery survives, cross-replica calls fail
// with a clear error, and everything recovers when Redis is back.
func TestRedisGoesAway(t *testing.T) {
	needRedis(t)
	pfx := prefix(t)
	p := newProxy(t)
	a := startReplica(t, "a", p.addr(), pfx, nil)
	b := startReplica(t, "b", p.addr(), pfx, nil)
	cb, idB := b.dial(t)
	ctx := context.Background()
	if err := a.api.PostToConnection(ctx, idB, []byte("before")); err != nil {
		t.Fatal(err)
	}
	read(t, cb)

	p.cut()
	if err := b.api.PostToConnection(ctx, idB, []byte("local")); err != nil {
		t.Errorf("local post while Redis is away: %v", err)
	}
	if got := read(t, cb); got != "local" {
		t.Errorf("got %q", got)
	}
	err := a.api.PostToConnection(ctx, idB, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "Redis unavailable") {
		t.Errorf("cross post while Redis is away: %v", err)
	}
	resp, herr := http.Post(a.srv.URL+"/@connections/"+idB, "text/plain", strings.NewReader("x"))
	if herr != nil || resp.StatusCode != 500 {
		t.Errorf("POST while Redis is away: %v %v", resp, herr)
	} else {
		resp.Body.Close()
	}
	// A connection opened during the outage.
	cb2, idB2 := b.dial(t)

	p.restore()
	testkit.WaitFor(t, "cross-replica posts to work again", func() bool {
		return a.api.PostToConnection(ctx, idB, []byte("after")) == nil
	})
	if got := read(t, cb); got != "after" {
		t.Errorf("got %q", got)
	}
	testkit.WaitFor(t, "the connection opened during the outage to be reachable", func() bool {
		return a.api.PostToConnection(ctx, idB2, []byte("new")) == nil
	})
	if got := read(t, cb2); got != "new" {
		t.Errorf("got %q", got)
	}
}
