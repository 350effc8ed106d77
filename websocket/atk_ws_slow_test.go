package websocket

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	ws "github.com/coder/websocket"
)

// Holds: a client that never reads cannot make the server queue without
// bound: posts beyond MaxQueuedBytes fail with ErrLimitExceeded and the
// queue stays within the limit.
func TestAtkWSSlowReaderBounded(t *testing.T) {
	var disc atomic.Int64
	big := strings.Repeat("x", 32<<10)
	s := startAPI(t, WithLimits(Limits{WriteTimeout: 500 * time.Millisecond, MaxQueuedBytes: 64 << 10}),
		Route("$disconnect", RouteSpec{Integration: Lambda(countingFn(&disc))}),
		Route("$default", RouteSpec{TwoWay: true, Integration: Lambda(func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: big}, nil
		})}),
	)
	c := dial(t, s, "/", nil)
	id := s.api.ConnectionIDs()[0]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Many messages, each answered with 32 KiB the client never reads.
	go func() {
		for range 200 {
			if c.Write(ctx, ws.MessageText, []byte("hi")) != nil {
				return
			}
		}
	}()
	limited := 0
	for range 400 {
		err := s.api.PostToConnection(ctx, id, []byte(big))
		if errors.Is(err, ErrLimitExceeded) {
			limited++
		}
		if errors.Is(err, ErrGone) {
			break
		}
	}
	if limited == 0 {
		t.Error("no post was refused with LimitExceeded for a client that does not read")
	}
	// What waits in the process for this client stays within the limit
	// (the rest sits in kernel socket buffers, which on loopback hold
	// megabytes; WriteTimeout fires only once those are full).
	if cn := s.api.lookup(id); cn != nil {
		cn.mu.Lock()
		q := cn.outBytes
		cn.mu.Unlock()
		if q > 64<<10 {
			t.Errorf("queued %d bytes for a client that does not read, over MaxQueuedBytes", q)
		}
	}
	_ = disc.Load()
}

// Holds: once a non-reading client's socket buffers are full, the write
// times out after WriteTimeout, the connection is dropped, $disconnect
// runs once and later posts are 410.
func TestAtkWSWriteTimeoutDropsStalledClient(t *testing.T) {
	var disc atomic.Int64
	s := startAPI(t, WithLimits(Limits{WriteTimeout: 300 * time.Millisecond}),
		Route("$disconnect", RouteSpec{Integration: Lambda(countingFn(&disc))}),
		Route("$default", RouteSpec{Integration: Lambda(countingFn(new(atomic.Int64)))}),
	)
	dial(t, s, "/", nil) // never reads
	id := s.api.ConnectionIDs()[0]
	ctx := context.Background()
	data := []byte(strings.Repeat("y", 128<<10))
	deadline := time.Now().Add(20 * time.Second)
	var err error
	sent := 0
	for time.Now().Before(deadline) {
		err = s.api.PostToConnection(ctx, id, data)
		if errors.Is(err, ErrGone) {
			break
		}
		if err == nil {
			sent += len(data)
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}
	t.Logf("accepted %d MiB before the drop", sent>>20)
	if !errors.Is(err, ErrGone) {
		t.Fatalf("stalled client still held after 20 s (last post: %v)", err)
	}
	for disc.Load() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if disc.Load() != 1 {
		t.Errorf("$disconnect ran %d times", disc.Load())
	}
}
