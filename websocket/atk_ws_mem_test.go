package websocket

import (
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ws "github.com/coder/websocket"
)

// FAILING (resource amplification; unsure of AWS's exact WebSocket
// header limit, but AWS caps a request's headers at about 10 KB and
// keeps nothing of them per connection that the caller can grow). When
// the API has a $disconnect route, conn.upgrade keeps the whole upgrade
// request's http.Header (cn.header = r.Header) for the connection's life
// (up to 2 hours), so each connection pins as many header bytes as the
// server's MaxHeaderBytes lets in (net/http default 1 MiB), against the
// ~1 KiB buffers the package works hard to keep idle connections at
// (soak_test.go). A client with N sockets pins N MiB. Suggested fix
// (conn.go upgrade / event.go): cap the header bytes kept (AWS's 10 KB) or
// refuse larger upgrades with 431, as AWS refuses oversized requests.
func TestAtkWSUpgradeHeadersPinned(t *testing.T) {
	var n atomic.Int64
	s := startAPI(t,
		Route("$disconnect", RouteSpec{Integration: Lambda(countingFn(&n))}),
		Route("$default", RouteSpec{Integration: Lambda(countingFn(&n))}),
	)
	// The headers a connection keeps for $disconnect are bounded by AWS's
	// 10,240-byte limit on the handshake: a larger one is refused with 431
	// before any route runs.
	h := http.Header{"X-Pad": {strings.Repeat("a", 32<<10)}}
	_, resp, err := ws.Dial(t.Context(), s.url+"/", &ws.DialOptions{HTTPHeader: h})
	if err == nil || resp == nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("a 32 KiB header: %d %v, want 431", code, err)
	}
	if n.Load() != 0 {
		t.Errorf("a route ran for a refused handshake")
	}
}

// Holds (the control of the test above): without $disconnect the headers
// are dropped after $connect and an idle connection stays small.
func TestAtkWSUpgradeHeadersControl(t *testing.T) {
	var n atomic.Int64
	s := startAPI(t, Route("$default", RouteSpec{Integration: Lambda(countingFn(&n))}))
	pinnedHeaders(t, s)
}

func pinnedHeaders(t *testing.T, s *server) {
	t.Helper()
	const conns = 30
	const pad = 8 << 10
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for i := range conns {
		h := http.Header{}
		// Several headers of 2 KiB, 8 KiB in all: under the handshake limit.
		for j := range pad / (2 << 10) {
			h.Set("X-Pad-"+string(rune('a'+j)), strings.Repeat(string(rune('a'+i%26)), 2<<10))
		}
		dial(t, s, "/", h)
	}
	time.Sleep(100 * time.Millisecond)
	after := heap()
	per := (int64(after) - int64(before)) / conns
	t.Logf("heap per connection: %d bytes (%d header bytes sent each)", per, pad)
	if s.api.Len() != conns {
		t.Fatalf("held %d connections", s.api.Len())
	}
	if per > 64<<10 {
		t.Errorf("each idle connection pins %d bytes of heap, the upgrade request's headers: "+
			"a client grows the server's memory by its header size per socket", per)
	}
}
