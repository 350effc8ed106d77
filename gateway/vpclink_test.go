package gateway_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/stage"
)

// linkTarget is a private backend behind a VPC link: it answers its name
// with the path, Host and body it received.
func linkTarget(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		io.WriteString(w, name+" "+r.Host+" "+r.URL.RequestURI()+" "+string(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// deadAddr is an address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// dialCounter counts the connections tried per address.
type dialCounter struct {
	mu    sync.Mutex
	dials map[string]int
	http.RoundTripper
}

func newDialCounter() *dialCounter {
	d := &dialCounter{dials: map[string]int{}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		d.mu.Lock()
		d.dials[addr]++
		d.mu.Unlock()
		return dial(ctx, network, addr)
	}
	d.RoundTripper = tr
	return d
}

func (d *dialCounter) count(addr string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dials[addr]
}

func do(t *testing.T, h http.Handler, method, path, body string) (int, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
	return w.Code, strings.TrimSpace(w.Body.String())
}

// TestVPCLinkRoundRobin spreads requests over the link's targets in turn,
// with the integration URL's path, query and host.
func TestVPCLinkRoundRobin(t *testing.T) {
	a, b := linkTarget(t, "a"), linkTarget(t, "b")
	gw, err := gateway.New(
		gateway.WithVPCLink("nlb", gateway.VPCLink{Targets: []string{a.URL, strings.TrimPrefix(b.URL, "http://")}}),
		gateway.Route("POST /orders/{id}", gateway.Method{Integration: gateway.HTTP("http://orders.internal/v1/orders/{id}?src=apigw", gateway.ViaVPCLink("nlb"))}),
	)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range 4 {
		status, body := do(t, gw, "POST", "/orders/7?x=1", "order")
		if status != 200 {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
		got = append(got, body)
	}
	want := []string{
		"a orders.internal /v1/orders/7?src=apigw&x=1 order",
		"b orders.internal /v1/orders/7?src=apigw&x=1 order",
		"a orders.internal /v1/orders/7?src=apigw&x=1 order",
		"b orders.internal /v1/orders/7?src=apigw&x=1 order",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestVPCLinkRandom spreads requests at random: both targets serve.
func TestVPCLinkRandom(t *testing.T) {
	a, b := linkTarget(t, "a"), linkTarget(t, "b")
	gw, err := gateway.New(
		gateway.WithVPCLink("nlb", gateway.VPCLink{Targets: []string{a.URL, b.URL}, Random: true}),
		gateway.Route("GET /", gateway.Method{Integration: gateway.HTTP("http://svc.internal/", gateway.ViaVPCLink("nlb"))}),
	)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[byte]int{}
	for range 64 {
		status, body := do(t, gw, "GET", "/", "")
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		seen[body[0]]++
	}
	if seen['a'] == 0 || seen['b'] == 0 {
		t.Errorf("served by %v", seen)
	}
}

// TestVPCLinkHealth: a target that refuses connections is skipped for the
// cooldown (by the gateway's clock) and its requests go to the others,
// body and all; when no target is reachable, AWS's 502.
func TestVPCLinkHealth(t *testing.T) {
	a, dead := linkTarget(t, "a"), deadAddr(t)
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	dc := newDialCounter()
	gw, err := gateway.New(
		gateway.WithClock(clock), gateway.WithTransport(dc),
		gateway.WithVPCLink("nlb", gateway.VPCLink{Targets: []string{dead, a.URL}, Cooldown: 30 * time.Second}),
		gateway.WithVPCLink("down", gateway.VPCLink{Targets: []string{dead}}),
		gateway.Route("POST /", gateway.Method{Integration: gateway.HTTP("http://svc.internal/", gateway.ViaVPCLink("nlb"))}),
		gateway.Route("GET /down", gateway.Method{Integration: gateway.HTTP("http://svc.internal/", gateway.ViaVPCLink("down"))}),
	)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if status, body := do(t, gw, "POST", "/", "payload"); status != 200 || body != "a svc.internal / payload" {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
	if n := dc.count(dead); n != 1 {
		t.Errorf("the dead target was tried %d times within its cooldown, want 1", n)
	}
	now.Add(int64(31 * time.Second))
	for range 2 {
		if status, _ := do(t, gw, "POST", "/", "payload"); status != 200 {
			t.Fatal(status)
		}
	}
	if n := dc.count(dead); n != 2 {
		t.Errorf("after its cooldown the dead target was tried %d times in all, want 2", n)
	}
	if status, body := do(t, gw, "GET", "/down", ""); status != 502 || body != `{"message":"Internal server error"}` {
		t.Errorf("no target reachable: %d %s", status, body)
	}
}

// TestVPCLinkStageVariable names the link by a stage variable: each stage
// reaches its own; a stage whose variable names no link gets AWS's 500,
// with the reason in the access log.
func TestVPCLinkStageVariable(t *testing.T) {
	a, b := linkTarget(t, "a"), linkTarget(t, "b")
	var log bytes.Buffer
	gw, err := gateway.New(
		gateway.WithAccessLog(slog.New(slog.NewTextHandler(&log, nil))),
		gateway.WithStage(stage.Stage{Name: "blue", Variables: map[string]string{"link": "blue-nlb"}}),
		gateway.WithStage(stage.Stage{Name: "green", Variables: map[string]string{"link": "green-nlb"}}),
		gateway.WithStage(stage.Stage{Name: "broken", Variables: map[string]string{"link": "nope"}}),
		gateway.WithVPCLink("blue-nlb", gateway.VPCLink{Targets: []string{a.URL}}),
		gateway.WithVPCLink("green-nlb", gateway.VPCLink{Targets: []string{b.URL}}),
		gateway.Route("GET /hello", gateway.Method{Integration: gateway.HTTP("http://hello.internal/hello", gateway.ViaVPCLink("${stageVariables.link}"))}),
	)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/blue/hello": "a hello.internal /hello", "/green/hello": "b hello.internal /hello"} {
		if status, body := do(t, gw, "GET", path, ""); status != 200 || body != want {
			t.Errorf("%s: %d %q, want %q", path, status, body, want)
		}
	}
	if status, body := do(t, gw, "GET", "/broken/hello", ""); status != 500 || body != `{"message":"Internal server error"}` {
		t.Errorf("unknown link: %d %s", status, body)
	}
	if !strings.Contains(log.String(), `VPC link \"nope\" (from ${stageVariables.link}) is not defined`) {
		t.Errorf("access log: %s", log.String())
	}
}

func TestVPCLinkErrors(t *testing.T) {
	route := func(id string) gateway.Option {
		return gateway.Route("GET /", gateway.Method{Integration: gateway.HTTP("http://svc.internal/", gateway.ViaVPCLink(id))})
	}
	tests := []struct {
		opts []gateway.Option
		want string
	}{
		{[]gateway.Option{route("nlb")}, `VPC link "nlb": not defined (gateway.WithVPCLink)`},
		{[]gateway.Option{gateway.WithVPCLink("nlb", gateway.VPCLink{}), route("nlb")}, `WithVPCLink("nlb"): no Targets`},
		{[]gateway.Option{gateway.WithVPCLink("nlb", gateway.VPCLink{Targets: []string{"ftp://x:21"}}), route("nlb")}, `target "ftp://x:21"`},
		{[]gateway.Option{gateway.WithVPCLink("nlb", gateway.VPCLink{Targets: []string{"http://x:80/path"}}), route("nlb")}, `target "http://x:80/path"`},
		{[]gateway.Option{gateway.WithVPCLink("nlb", gateway.VPCLink{Targets: []string{"x:80"}}), gateway.WithVPCLink("nlb", gateway.VPCLink{Targets: []string{"y:80"}}), route("nlb")}, "defined twice"},
		{[]gateway.Option{gateway.WithVPCLink("nlb", gateway.VPCLink{Targets: []string{"x:80"}, Cooldown: -time.Second}), route("nlb")}, "negative"},
	}
	for _, tt := range tests {
		_, err := gateway.New(tt.opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v, want %q", err, tt.want)
		}
	}
}
