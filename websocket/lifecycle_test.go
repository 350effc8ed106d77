package websocket

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/testkit"
	ws "github.com/coder/websocket"
)

func TestDisconnectOnceHoweverItEnds(t *testing.T) {
	testkit.NoLeaks(t)
	clock := newFakeClock()
	log := newEventLog()
	s := startAPI(t, WithClock(clock),
		WithLimits(Limits{MaxMessageBytes: 100, IdleTimeout: 10 * time.Minute, MaxDuration: 30 * time.Minute}),
		Route("$disconnect", RouteSpec{Integration: Lambda(log.fn(""))}),
		Route("$default", RouteSpec{Integration: Lambda(log.fn("ok")), TwoWay: true}))

	tests := []struct {
		name       string
		end        func(t *testing.T, c *ws.Conn, id string)
		clientSees ws.StatusCode // 0: the client closed
		code       int
		reason     string
	}{
		{"client closes", func(t *testing.T, c *ws.Conn, _ string) { _ = c.Close(4000, "bye") }, 0, 4000, "bye"},
		{"client drops", func(t *testing.T, c *ws.Conn, _ string) { _ = c.CloseNow() }, 0, 1006, "Connection Closed Abnormally"},
		{"message too big", func(t *testing.T, c *ws.Conn, _ string) { write(t, c, strings.Repeat("x", 101)) }, 1009, 1009, "Message too big"},
		{"management DELETE", func(t *testing.T, c *ws.Conn, id string) {
			if err := s.api.DeleteConnection(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}, 1000, 1000, "Connection Closed Normally"},
		{"idle timeout", func(t *testing.T, c *ws.Conn, _ string) {
			clock.Advance(9*time.Minute + 59*time.Second)
			if s.api.Len() != 1 {
				t.Fatal("closed before the idle timeout")
			}
			clock.Advance(time.Second)
		}, 1001, 1001, "Going away"},
		{"activity defers the idle timeout", func(t *testing.T, c *ws.Conn, _ string) {
			clock.Advance(6 * time.Minute)
			write(t, c, "still here")
			read(t, c)
			clock.Advance(6 * time.Minute) // the timer fires at 10 min and re-arms for 16
			testkit.WaitFor(t, "the idle timer to re-arm", func() bool { return clock.pending() == 1 })
			if s.api.Len() != 1 {
				t.Fatal("closed although active")
			}
			clock.Advance(4 * time.Minute)
		}, 1001, 1001, "Going away"},
		{"maximum duration", func(t *testing.T, c *ws.Conn, _ string) {
			for range 5 {
				clock.Advance(5 * time.Minute)
				write(t, c, "keepalive")
				read(t, c)
			}
			if s.api.Len() != 1 {
				t.Fatal("closed early")
			}
			clock.Advance(5 * time.Minute)
		}, 1001, 1001, "Going away"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, s, "/", nil)
			id := s.api.ConnectionIDs()[0]
			testkit.WaitFor(t, "the connection's timer", func() bool { return clock.pending() == 1 })
			tt.end(t, c, id)
			if tt.clientSees != 0 {
				if ce := readClose(t, c); ce.Code != tt.clientSees {
					t.Errorf("client got close %d, want %d", ce.Code, tt.clientSees)
				}
			}
			ev := log.next(t, "$disconnect")
			rc := ev.RequestContext
			if rc.ConnectionID != id || int(rc.DisconnectStatusCode) != tt.code || rc.DisconnectReason == nil || *rc.DisconnectReason != tt.reason {
				t.Errorf("disconnect of %s: %d %v, want %d %q", id, rc.DisconnectStatusCode, deref(rc.DisconnectReason), tt.code, tt.reason)
			}
			testkit.WaitFor(t, "the connection to go", func() bool { return s.api.Len() == 0 })
			if n := log.count("$disconnect", id); n != 1 {
				t.Errorf("$disconnect ran %d times", n)
			}
			if n := clock.pending(); n != 0 {
				t.Errorf("%d timers left", n)
			}
		})
	}
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// TestShutdown closes every connection with 1001 after writing what was
// accepted for it, runs each $disconnect once, and refuses new
// connections.
func TestShutdown(t *testing.T) {
	testkit.NoLeaks(t)
	log := newEventLog()
	s := startAPI(t,
		Route("$disconnect", RouteSpec{Integration: Lambda(log.fn(""))}),
		Route("$default", RouteSpec{Integration: echo(), TwoWay: true}))
	const clients, posts = 5, 200
	conns := make([]*ws.Conn, clients)
	for i := range conns {
		conns[i] = dial(t, s, "/", nil)
	}
	ctx := context.Background()
	for _, id := range s.api.ConnectionIDs() {
		for j := range posts {
			if err := s.api.PostToConnection(ctx, id, []byte(fmt.Sprint(j))); err != nil {
				t.Fatal(err)
			}
		}
	}
	done := make(chan error, 1)
	go func() { done <- s.api.Shutdown(ctx) }()
	for i, c := range conns {
		for j := range posts {
			if got := read(t, c); got != fmt.Sprint(j) {
				t.Fatalf("client %d message %d: %q", i, j, got)
			}
		}
		if ce := readClose(t, c); ce.Code != ws.StatusGoingAway {
			t.Errorf("client %d: close %v", i, ce)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	n := len(log.events)
	log.mu.Unlock()
	if n != clients {
		t.Errorf("%d $disconnect events, want %d", n, clients)
	}
	if _, err := dialErr(s, "/", nil); err == nil {
		t.Error("connected after Shutdown")
	} else if de, ok := err.(*dialError); !ok || de.status != 503 {
		t.Errorf("dial after Shutdown: %v", err)
	}
}

// TestBadClientAlone: a client that floods, sends garbage or oversized
// messages, or stops reading, costs only itself.
func TestBadClientAlone(t *testing.T) {
	testkit.NoLeaks(t)
	s := startAPI(t, WithLimits(Limits{MaxMessageBytes: 4096, MaxQueuedBytes: 4096, WriteTimeout: 200 * time.Millisecond}),
		Route("echo", RouteSpec{Integration: echo(), TwoWay: true}),
		Route("$default", RouteSpec{Integration: echo(), TwoWay: true}))
	good := dial(t, s, "/", nil)
	goodID := s.api.ConnectionIDs()[0]
	bad := dial(t, s, "/", nil)
	var badID string
	for _, id := range s.api.ConnectionIDs() {
		if id != goodID {
			badID = id
		}
	}
	// Garbage: invalid UTF-8, deep nesting, then an oversized message.
	for _, m := range []string{"\xff\xfe", strings.Repeat("[", 3000), `{"action":` + strings.Repeat(`{"a":`, 500) + `1` + strings.Repeat("}", 501)} {
		write(t, bad, m)
		if got := read(t, bad); got != m {
			t.Errorf("bad client echo: %q", got[:min(len(got), 20)])
		}
	}
	// The bad client stops reading; posts to it fill its queue and then
	// fail, without touching the good client.
	ctx := context.Background()
	var sawLimit bool
	for range 200 {
		err := s.api.PostToConnection(ctx, badID, make([]byte, 1000))
		if err != nil {
			sawLimit = true
			break
		}
	}
	write(t, good, `{"action":"echo","n":1}`)
	if got := read(t, good); got != `{"action":"echo","n":1}` {
		t.Errorf("good client: %q", got)
	}
	write(t, bad, strings.Repeat("x", 5000))
	write(t, good, `{"action":"echo","n":2}`)
	if got := read(t, good); got != `{"action":"echo","n":2}` {
		t.Errorf("good client: %q", got)
	}
	t.Logf("queue limit reached: %v", sawLimit)
}
