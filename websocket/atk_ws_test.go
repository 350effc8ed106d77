package websocket

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	ws "github.com/coder/websocket"
)

// Attack tests of the WebSocket surface. The FAILING ones show something
// getting through that AWS refuses; see each comment.

// countingFn is a Lambda that counts its invocations and echoes the body.
func countingFn(n *atomic.Int64) LambdaFunc {
	return func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		n.Add(1)
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "got:" + ev.Body}, nil
	}
}

// FAILING. AWS: "API Gateway WebSocket APIs don't currently support binary
// frames in incoming message payloads. If a client app sends a binary
// frame, API Gateway rejects it and disconnects the client with code
// 1003." (websocket-api-develop-binary-media-types). apigw instead hands
// the frame, base64-encoded, to $default: a client reaches the integration
// with a payload AWS never delivers (isBase64Encoded true, which a
// WebSocket Lambda written for AWS does not expect).
func TestAtkWSBinaryFrameRejected1003(t *testing.T) {
	var def atomic.Int64
	s := startAPI(t, Route("$default", RouteSpec{Integration: Lambda(countingFn(&def)), TwoWay: true}))
	c := dial(t, s, "/", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, ws.MessageBinary, []byte{0x00, 0xff, 'h', 'i'}); err != nil {
		t.Fatalf("write: %v", err)
	}
	_, _, err := c.Read(ctx)
	var ce ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusUnsupportedData {
		t.Errorf("binary frame: read = %v, want close 1003 (StatusUnsupportedData) as AWS", err)
	}
	if n := def.Load(); n != 0 {
		t.Errorf("binary frame reached $default %d time(s); AWS never delivers binary frames", n)
	}
}

// FAILING. With WithOriginCheck, a cross-origin browser upgrade
// (cross-site WebSocket hijacking) is refused only by coder/websocket's
// Accept, which runs after the authorizer and after the $connect
// integration answered 200. The $connect integration thus runs (and
// typically stores the connection id, with the victim's cookies'
// identity) for a connection that never opens, and no $disconnect ever
// follows. The origin check should come before the authorizer and
// $connect (api.go ServeHTTP / conn.go upgrade: check the origin, and the
// handshake headers, before a.authz.Authorize and a.connect).
func TestAtkWSOriginRefusedBeforeConnect(t *testing.T) {
	var connects, disconnects atomic.Int64
	s := startAPI(t, WithOriginCheck(),
		Route("$connect", RouteSpec{Integration: Lambda(countingFn(&connects))}),
		Route("$disconnect", RouteSpec{Integration: Lambda(countingFn(&disconnects))}),
		Route("$default", RouteSpec{Integration: Lambda(countingFn(new(atomic.Int64)))}),
	)
	_, err := dialErr(s, "/", http.Header{"Origin": {"https://evil.example"}})
	if err == nil {
		t.Fatal("cross-origin upgrade accepted")
	}
	time.Sleep(200 * time.Millisecond)
	if c, d := connects.Load(), disconnects.Load(); c != d {
		t.Errorf("cross-origin upgrade refused, but $connect ran %d time(s) and $disconnect %d: "+
			"the backend recorded a connection that never opened and is never told", c, d)
	}
}

// FAILING (unsure what AWS does exactly, but its front end validates the
// handshake before any route runs). A request with Connection: Upgrade
// and Upgrade: websocket but no Sec-WebSocket-Key / Version passes
// isUpgrade, runs the authorizer and the $connect integration, and only
// then fails in ws.Accept: $connect runs for a connection that never
// opens, and $disconnect never runs. Anyone can make the backend record
// phantom connections with plain HTTP GETs.
func TestAtkWSBadHandshakeRunsConnect(t *testing.T) {
	var connects, disconnects atomic.Int64
	s := startAPI(t,
		Route("$connect", RouteSpec{Integration: Lambda(countingFn(&connects))}),
		Route("$disconnect", RouteSpec{Integration: Lambda(countingFn(&disconnects))}),
		Route("$default", RouteSpec{Integration: Lambda(countingFn(new(atomic.Int64)))}),
	)
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		t.Fatal("handshake without a key accepted")
	}
	time.Sleep(200 * time.Millisecond)
	if c, d := connects.Load(), disconnects.Load(); c != d {
		t.Errorf("invalid handshake (status %d): $connect ran %d time(s), $disconnect %d", resp.StatusCode, c, d)
	}
}

// FAILING (documented deviation, but the package's own doc example,
// doc.go, mounts ConnectionsHandler on the same mux as the public wss://
// endpoint — as helpers_test.go's startAPI does). AWS's @connections
// endpoint answers an unsigned call 403 Missing Authentication Token; here
// any client that learns another's connection id (ids are routinely
// broadcast by chat-style apps, and every error frame carries one) can
// disconnect it or post to it. Suggested fix: ConnectionsHandler takes an
// authorizer (e.g. authorizer/iam's SigV4 check) or refuses to run
// without one, and doc.go's example stops mounting it next to the API.
func TestAtkWSManagementUnsignedDelete(t *testing.T) {
	t.Skip("documented: ConnectionsHandler checks no signature and is mounted where only the backend reaches it (doc.go); an authorizer hook on it is open")
	s := startAPI(t, Route("$default", RouteSpec{Integration: Lambda(countingFn(new(atomic.Int64))), TwoWay: true}))
	victim := dial(t, s, "/", nil)
	_ = victim
	ids := s.api.ConnectionIDs()
	if len(ids) != 1 {
		t.Fatalf("ids %v", ids)
	}
	req, _ := http.NewRequest(http.MethodDelete, s.srv.URL+"/@connections/"+ids[0], nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned DELETE of another client's connection: %d, want 403 (AWS requires SigV4/IAM)", resp.StatusCode)
	}
}

// Holds: a message body cannot select $connect, $disconnect or $default
// by name beyond what $default is; reserved keys go to $default.
func TestAtkWSReservedRouteKeysFromBody(t *testing.T) {
	var connects, disconnects, def atomic.Int64
	s := startAPI(t,
		Route("$connect", RouteSpec{Integration: Lambda(countingFn(&connects))}),
		Route("$disconnect", RouteSpec{Integration: Lambda(countingFn(&disconnects))}),
		Route("$default", RouteSpec{Integration: Lambda(countingFn(&def)), TwoWay: true}),
	)
	c := dial(t, s, "/", nil)
	for _, m := range []string{`{"action":"$connect"}`, `{"action":"$disconnect"}`, `{"action":"$default"}`,
		`{"action":"\u0024connect"}`, `{"action":"$CONNECT"}`} {
		write(t, c, m)
		if got := read(t, c); got != "got:"+m {
			t.Errorf("%s: answer %q", m, got)
		}
	}
	if connects.Load() != 1 || disconnects.Load() != 0 || def.Load() != 5 {
		t.Errorf("connect %d disconnect %d default %d", connects.Load(), disconnects.Load(), def.Load())
	}
}

// Holds: route selection reads the same value the integration's JSON
// decoder sees (last duplicate wins; escaped names match), odd values
// fall to $default, and hostile bodies do not panic.
func TestAtkWSSelectionOddBodies(t *testing.T) {
	sel, err := compileSelection(DefaultRouteSelection)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		msg  string
		want string // "" not selectable
	}{
		{`{"action":"admin","action":"public"}`, "public"},
		{`{"action":"public","action":"admin"}`, "admin"},
		{`{"act\u0069on":"admin"}`, "admin"},
		{`{"Action":"admin"}`, ""},
		{`{"action":{"x":"admin"}}`, ""},
		{`{"action":["admin"]}`, ""},
		{`{"action":null}`, ""},
		{`{"action":true}`, "true"},
		{`{"action":"admin"`, ""},
		{`{"action":"admin"} {"action":"x"}`, ""},
		{`"admin"`, ""},
		{`{"a":{"action":"admin"}}`, ""},
		{`{"a":"}\"","action":"admin"}`, "admin"},
		{`{"a":"\\","action":"admin"}`, "admin"},
	}
	for _, tc := range cases {
		k, ok := sel.eval([]byte(tc.msg))
		got := ""
		if ok {
			got = string(k)
		}
		if got != tc.want {
			t.Errorf("%s: key %q, want %q", tc.msg, got, tc.want)
		}
	}
	deep := strings.Repeat(`{"a":`, 200000) + `1` + strings.Repeat(`}`, 200000)
	if _, ok := sel.eval([]byte(deep)); ok {
		t.Error("deep body selected a route")
	}
	nested, _ := compileSelection("$request.body." + strings.TrimSuffix(strings.Repeat("a.", 32), "."))
	doc := strings.Repeat(`{"a":`, 32) + `"x"` + strings.Repeat(`}`, 32)
	if k, ok := nested.eval([]byte(doc)); !ok || string(k) != "x" {
		t.Errorf("32-level path: %q %v", k, ok)
	}
}

// Holds: a message of exactly MaxMessageBytes is delivered, one byte more
// (also when split over many frames) closes with 1009 and never reaches
// an integration.
func TestAtkWSMessageLimitEdges(t *testing.T) {
	const limit = 4096
	var def atomic.Int64
	s := startAPI(t, WithLimits(Limits{MaxMessageBytes: limit}),
		Route("$default", RouteSpec{Integration: Lambda(countingFn(&def))}))
	c := dial(t, s, "/", nil)
	write(t, c, strings.Repeat("a", limit))
	deadline := time.Now().Add(5 * time.Second)
	for def.Load() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if def.Load() != 1 {
		t.Fatalf("message of exactly the limit: delivered %d", def.Load())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w, err := c.Writer(ctx, ws.MessageText)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("b"), 512)
	for range limit / 512 {
		_, _ = w.Write(chunk)
	}
	_, _ = w.Write([]byte("c"))
	_ = w.Close()
	if ce := readClose(t, c); ce.Code != ws.StatusMessageTooBig {
		t.Errorf("limit+1 in frames: close %v, want 1009", ce)
	}
	if def.Load() != 1 {
		t.Errorf("oversized message delivered (%d)", def.Load())
	}
}

// Holds: ids with path tricks reach no connection, and a closed one is 410.
func TestAtkWSConnectionIDPathTricks(t *testing.T) {
	var def atomic.Int64
	s := startAPI(t, Route("$default", RouteSpec{Integration: Lambda(countingFn(&def))}))
	c := dial(t, s, "/", nil)
	id := s.api.ConnectionIDs()[0]
	for _, p := range []string{
		"/@connections/x%2F" + id, "/@connections/" + id + "%2F", "/@connections/" + id + "%00",
		"/@connections/" + id + "/", "/@connections/../@connections/" + strings.ToLower(id),
		"/@connections/" + id + "%0A",
	} {
		resp, err := http.Post(s.srv.URL+p, "text/plain", strings.NewReader("pwn"))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("POST %s: 200", p)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, b, err := c.Read(ctx); err == nil {
		t.Errorf("client got %q through a tricked id", b)
	}
	_ = c.Close(ws.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for s.api.Len() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Post(s.srv.URL+"/@connections/"+id, "text/plain", strings.NewReader("late"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Errorf("POST to a closed connection: %d, want 410", resp.StatusCode)
	}
}
