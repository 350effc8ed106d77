package websocket

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	ws "github.com/coder/websocket"
)

// fakeClock is a Clock the test moves by hand; due timers fire on their
// own goroutines, as time.AfterFunc's do.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c    *fakeClock
	when time.Time
	f    func()
	done bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	if d <= 0 {
		go f()
		return &fakeTimer{c: c, done: true}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, when: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.done
	t.done = true
	return was
}

// Advance moves the clock and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	keep := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.done:
		case !t.when.After(c.now):
			t.done = true
			due = append(due, t)
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
	c.mu.Unlock()
	for _, t := range due {
		go t.f()
	}
}

// pending returns the number of timers not fired nor stopped.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.done {
			n++
		}
	}
	return n
}

// server is an API served by httptest: the API at /, the management API
// at /@connections/.
type server struct {
	api *API
	srv *httptest.Server
	url string // ws://host
}

func startAPI(t *testing.T, opts ...Option) *server {
	t.Helper()
	opts = append([]Option{WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	api, err := New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("/@connections/", api.ConnectionsHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := api.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		srv.Close()
	})
	return &server{api: api, srv: srv, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

// dial connects a client to path (e.g. "/?name=alice").
func dial(t *testing.T, s *server, path string, header http.Header) *ws.Conn {
	t.Helper()
	c, err := dialErr(s, path, header)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func dialErr(s *server, path string, header http.Header) (*ws.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := ws.Dial(ctx, s.url+path, &ws.DialOptions{HTTPHeader: header})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		if resp != nil {
			return nil, &dialError{status: resp.StatusCode, err: err}
		}
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	return c, nil
}

type dialError struct {
	status int
	err    error
}

func (e *dialError) Error() string { return e.err.Error() }

// read reads one text message, failing after 10 s.
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

// readClose reads until the connection closes and returns the close
// status.
func readClose(t *testing.T, c *ws.Conn) ws.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce ws.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("read: %v, want a close frame", err)
		}
		return ce
	}
}

func write(t *testing.T, c *ws.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, ws.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// recorder of events: every event a Lambda integration got.
type eventLog struct {
	mu     sync.Mutex
	events []events.APIGatewayWebsocketProxyRequest
	ch     chan events.APIGatewayWebsocketProxyRequest
}

func newEventLog() *eventLog {
	return &eventLog{ch: make(chan events.APIGatewayWebsocketProxyRequest, 1024)}
}

// fn returns a Lambda function that logs its event and answers body (or
// echoes the event's body when body is "").
func (l *eventLog) fn(body string) LambdaFunc {
	return func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		l.mu.Lock()
		l.events = append(l.events, ev)
		l.mu.Unlock()
		l.ch <- ev
		b := body
		if b == "" {
			b = ev.Body
		}
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: b}, nil
	}
}

// next waits for the next event of the route.
func (l *eventLog) next(t *testing.T, route string) events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-l.ch:
			if ev.RequestContext.RouteKey == route {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", route)
		}
	}
}

// count returns how many events of route the connection got.
func (l *eventLog) count(route, connID string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ev := range l.events {
		if ev.RequestContext.RouteKey == route && ev.RequestContext.ConnectionID == connID {
			n++
		}
	}
	return n
}

// jsonMap decodes s.
func jsonMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("decoding %q: %v", s, err)
	}
	return m
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dialProto(ctx context.Context, url, proto string) (*ws.Conn, *http.Response, error) {
	return ws.Dial(ctx, url, &ws.DialOptions{Subprotocols: []string{proto}})
}
