package websocket

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// maskedText is a client text frame (masked, key 0) carrying p (< 126 bytes).
func maskedText(p string) string {
	return string([]byte{0x81, 0x80 | byte(len(p)), 0, 0, 0, 0}) + p
}

// Holds: frames pipelined behind a refused upgrade request (and a second
// upgrade pipelined behind it, with a bad token) reach no route: the
// authorizer answers before any socket exists.
func TestAtkWSEarlyFramesBeforeAuthorizer(t *testing.T) {
	var connects, def atomic.Int64
	s := startAPI(t, WithAuthorizer("tok", allowIf(t)),
		Route("$connect", RouteSpec{Authorizer: "tok", Integration: Lambda(countingFn(&connects))}),
		Route("$default", RouteSpec{Integration: Lambda(countingFn(&def))}),
	)
	nc, err := net.Dial("tcp", strings.TrimPrefix(s.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	up := func(tok string) string {
		return "GET /?token=" + tok + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	}
	payload := up("nope") + maskedText(`{"action":"x"}`) + up("deny") + maskedText("hello")
	if _, err := nc.Write([]byte(payload)); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(3 * time.Second))
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("first upgrade: %d, want 401", resp.StatusCode)
	}
	// Whatever follows (400 for the frame bytes, or the second answer), no 101.
	for {
		r, err := http.ReadResponse(br, nil)
		if err != nil {
			break
		}
		_ = r.Body.Close()
		if r.StatusCode == http.StatusSwitchingProtocols {
			t.Errorf("a pipelined request was upgraded")
		}
	}
	time.Sleep(100 * time.Millisecond)
	if connects.Load() != 0 || def.Load() != 0 {
		t.Errorf("$connect %d, $default %d: routes reached without authorization", connects.Load(), def.Load())
	}
}

// Holds: bytes pipelined after an accepted handshake that look like a
// second upgrade request are read as WebSocket frames (a protocol error),
// not as a new HTTP request; the only $connect is the first.
func TestAtkWSSecondUpgradeOnSocket(t *testing.T) {
	var connects, def atomic.Int64
	s := startAPI(t, WithAuthorizer("tok", allowIf(t)),
		Route("$connect", RouteSpec{Authorizer: "tok", Integration: Lambda(countingFn(&connects))}),
		Route("$default", RouteSpec{Integration: Lambda(countingFn(&def))}),
	)
	nc, err := net.Dial("tcp", strings.TrimPrefix(s.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	req := "GET /?token=good HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	if _, err := nc.Write([]byte(req + req)); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(3 * time.Second))
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("first upgrade: %v %v", resp, err)
	}
	buf := make([]byte, 4096)
	n, _ := br.Read(buf) // the close frame, or EOF
	if strings.Contains(string(buf[:n]), "HTTP/1.1 101") {
		t.Error("second upgrade answered on the same socket")
	}
	time.Sleep(100 * time.Millisecond)
	if connects.Load() != 1 || def.Load() != 0 {
		t.Errorf("$connect %d, $default %d", connects.Load(), def.Load())
	}
}
