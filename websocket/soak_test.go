package websocket

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/testkit"
)

// TestIdleConnectionMemory holds many idle connections and reports the
// heap and stack they cost, then checks that no goroutine outlives them.
// It runs with APIGW_WS_SOAK=1 (APIGW_WS_SOAK_CONNS sets the number,
// 10,000 by default). The clients are raw sockets in the same process that
// did the handshake by hand: their net.Conns are counted too, so the
// figure is an upper bound of the server's cost.
func TestIdleConnectionMemory(t *testing.T) {
	if os.Getenv("APIGW_WS_SOAK") != "1" {
		t.Skip("set APIGW_WS_SOAK=1 to hold 10,000 connections")
	}
	n := 10000
	if s := os.Getenv("APIGW_WS_SOAK_CONNS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	raiseFileLimit(n + 1000)
	api, err := New(Route("$default", RouteSpec{Integration: echo(), TwoWay: true}))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: api}
	go srv.Serve(ln)
	defer srv.Close()

	measure := func() (heap, stack uint64, goroutines int) {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse, m.StackInuse, runtime.NumGoroutine()
	}
	// Warm up: one connection, so that pools and lazily built state exist.
	warm := rawDial(t, ln.Addr().String())
	testkit.WaitFor(t, "the warm-up connection", func() bool { return api.Len() == 1 })
	heap0, stack0, g0 := measure()

	// The clients live in a child process (this test binary again), so
	// that the figures are the server's alone and each process stays
	// within its file limit.
	cmd := exec.Command(os.Args[0], "-test.run=^TestSoakClients$")
	cmd.Env = append(os.Environ(), "APIGW_WS_SOAK_ADDR="+ln.Addr().String(), "APIGW_WS_SOAK_CONNS="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("client process: %q %v", line, err)
	}
	testkit.WaitFor(t, "all connections", func() bool { return api.Len() == n+1 })
	heap1, stack1, g1 := measure()
	per := func(a, b uint64) float64 { return float64(int64(b)-int64(a)) / float64(n) }
	t.Logf("%d idle connections: heap %.0f B/conn, stacks %.0f B/conn, total %.0f B/conn, goroutines %.2f/conn",
		n, per(heap0, heap1), per(stack0, stack1), per(heap0+stack0, heap1+stack1), float64(g1-g0)/float64(n))
	if total := per(heap0+stack0, heap1+stack1); total > 16<<10 {
		t.Errorf("%.0f bytes per idle connection, over 16 KiB", total)
	}

	start := time.Now()
	_ = stdin.Close() // the client process closes its sockets and exits
	_ = warm.Close()
	testkit.WaitFor(t, "every connection to end", func() bool { return api.Len() == 0 })
	t.Logf("%d connections ended in %v", n+1, time.Since(start))
	if err := cmd.Wait(); err != nil {
		t.Errorf("client process: %v", err)
	}
	if err := api.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for runtime.NumGoroutine() > g0-1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > g0-1 {
		t.Errorf("goroutines: %d with one connection, %d after all closed", g0, g)
	}
}

// rawDial opens a WebSocket connection by hand and keeps only the socket.
func rawDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	br := bufio.NewReaderSize(c, 256)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	return c
}

// TestSoakClients is the client process of TestIdleConnectionMemory.
func TestSoakClients(t *testing.T) {
	addr := os.Getenv("APIGW_WS_SOAK_ADDR")
	if addr == "" {
		t.Skip("the client process of TestIdleConnectionMemory")
	}
	n, _ := strconv.Atoi(os.Getenv("APIGW_WS_SOAK_CONNS"))
	raiseFileLimit(n + 100)
	conns := make([]net.Conn, 0, n)
	for range n {
		conns = append(conns, rawDial(t, addr))
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		_ = c.Close()
	}
}

func raiseFileLimit(want int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(want) {
		lim.Cur = min(lim.Max, uint64(want))
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}
