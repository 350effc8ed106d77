package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	ws "github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
)

// start runs the example in-process on a free port until the test ends.
func start(t *testing.T, o options) string {
	t.Helper()
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, "127.0.0.1:0", o, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return "ws://" + addr
}

type client struct {
	t *testing.T
	c *ws.Conn
}

func connect(t *testing.T, url string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return &client{t: t, c: c}
}

func (c *client) send(msg string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.c.Write(ctx, ws.MessageText, []byte(msg)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) read() string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.c.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return string(b)
}

func (c *client) whoami() (id, name string) {
	c.t.Helper()
	c.send(`{"action":"whoami"}`)
	var m map[string]string
	if err := json.Unmarshal([]byte(c.read()), &m); err != nil {
		c.t.Fatal(err)
	}
	return m["connectionId"], m["name"]
}

func TestChatOneReplica(t *testing.T) {
	url := start(t, options{})
	alice := connect(t, url+"/?name=alice")
	bob := connect(t, url+"/")

	if id, name := alice.whoami(); id == "" || name != "alice" {
		t.Errorf("alice is %q %q", id, name)
	}
	if _, name := bob.whoami(); name != "anonymous" {
		t.Errorf("bob is %q", name)
	}
	alice.send(`{"action":"hello"}`)
	if got := alice.read(); got != helpText {
		t.Errorf("$default: %q", got)
	}
	alice.send(`not even json`)
	if got := alice.read(); got != helpText {
		t.Errorf("$default: %q", got)
	}
	alice.send(`{"action":"sendmessage","message":"hi"}`)
	for _, c := range []*client{alice, bob} {
		if got := c.read(); got != `{"from":"alice","message":"hi"}` {
			t.Errorf("got %q", got)
		}
	}
	_ = bob.c.Close(ws.StatusNormalClosure, "")
	alice.send(`{"action":"sendmessage","message":"still here"}`)
	if got := alice.read(); got != `{"from":"alice","message":"still here"}` {
		t.Errorf("got %q", got)
	}
}

// TestChatTwoReplicas runs two replicas on Redis with clients on each:
// every client gets every message.
func TestChatTwoReplicas(t *testing.T) {
	const addr = "127.0.0.1:6379"
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at %s: %v (CI=true: Redis is required)", addr, err)
		}
		t.Skipf("no Redis at %s: %v", addr, err)
	}
	prefix := fmt.Sprintf("apigw:test:chat:%d:", time.Now().UnixNano())
	t.Cleanup(func() {
		keys, _ := rdb.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
	})
	urlA := start(t, options{redisAddr: addr, redisPrefix: prefix, replica: "a"})
	urlB := start(t, options{redisAddr: addr, redisPrefix: prefix, replica: "b"})
	names := []string{"alice", "bob", "carol", "dave"}
	clients := map[string]*client{}
	for i, n := range names {
		url := urlA
		if i%2 == 1 {
			url = urlB
		}
		clients[n] = connect(t, url+"/?name="+n)
		if _, name := clients[n].whoami(); name != n { // also: connected
			t.Fatalf("%s is %q", n, name)
		}
	}
	for _, n := range names {
		clients[n].send(`{"action":"sendmessage","message":"hi from ` + n + `"}`)
		// Every client gets it before the next is sent, so each client's
		// messages come in order.
		for _, m := range names {
			if got, want := clients[m].read(), `{"from":"`+n+`","message":"hi from `+n+`"}`; got != want {
				t.Errorf("%s got %q, want %q", m, got, want)
			}
		}
	}
	members, err := rdb.SMembers(context.Background(), prefix+"members").Result()
	sort.Strings(members)
	if err != nil || len(members) != len(names) {
		t.Errorf("members %v %v", members, err)
	}
	if strings.Contains(strings.Join(members, ""), " ") {
		t.Errorf("odd members %v", members)
	}
}
