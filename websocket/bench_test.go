package websocket

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	ws "github.com/coder/websocket"
)

// bareEcho is a plain coder/websocket echo server, the baseline.
func bareEcho(w http.ResponseWriter, r *http.Request) {
	c, err := ws.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := context.Background()
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, b); err != nil {
			return
		}
	}
}

// pingPong has clients connections each send a message and wait for the
// answer, b.N messages in all, and reports messages per second.
func pingPong(b *testing.B, url string, clients int, msg []byte) {
	b.Helper()
	ctx := context.Background()
	conns := make([]*ws.Conn, clients)
	for i := range conns {
		c, _, err := ws.Dial(ctx, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = c
	}
	defer func() {
		for _, c := range conns {
			_ = c.CloseNow()
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	per := b.N / clients
	for i, c := range conns {
		n := per
		if i == 0 {
			n += b.N % clients
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if err := c.Write(ctx, ws.MessageText, msg); err != nil {
					b.Error(err)
					return
				}
				if _, _, err := c.Read(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkThroughput compares, in one run, a bare coder/websocket echo
// server with the API routing each message by $request.body.action to an
// in-process integration that answers it (two-way).
func BenchmarkThroughput(b *testing.B) {
	msg := []byte(`{"action":"echo","message":"hello, world"}`)
	lambdaEcho := func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: ev.Body}, nil
	}
	servers := []struct {
		name string
		h    func(b *testing.B) http.Handler
	}{
		{"bare", func(*testing.B) http.Handler { return http.HandlerFunc(bareEcho) }},
		{"api-handler", func(b *testing.B) http.Handler {
			return benchAPI(b, Route("echo", RouteSpec{Integration: echo(), TwoWay: true}))
		}},
		{"api-lambda", func(b *testing.B) http.Handler {
			return benchAPI(b, Route("echo", RouteSpec{Integration: Lambda(lambdaEcho), TwoWay: true}))
		}},
	}
	for _, clients := range []int{1, 8} {
		for _, s := range servers {
			b.Run(s.name+"/clients="+itoa(clients), func(b *testing.B) {
				srv := httptest.NewServer(s.h(b))
				defer srv.Close()
				pingPong(b, "ws"+strings.TrimPrefix(srv.URL, "http"), clients, msg)
			})
		}
	}
}

func benchAPI(b *testing.B, opts ...Option) *API {
	b.Helper()
	api, err := New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = api.Close() })
	return api
}

// BenchmarkMessagePath is the per-message work without the socket:
// selection, route lookup, the integration and the answer's queueing.
func BenchmarkSelection(b *testing.B) {
	s, _ := compileSelection(DefaultRouteSelection)
	msg := []byte(`{"action":"sendmessage","message":"hello, world","meta":{"a":[1,2,3]}}`)
	b.ReportAllocs()
	for b.Loop() {
		if k, ok := s.eval(msg); !ok || len(k) == 0 {
			b.Fatal("no key")
		}
	}
}
