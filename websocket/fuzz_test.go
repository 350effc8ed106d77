package websocket

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	ws "github.com/coder/websocket"
)

// FuzzSelection compiles any expression and evaluates it against any
// message: nothing panics, and a key found for a valid JSON object with
// the default expression is the "action" property encoding/json sees.
func FuzzSelection(f *testing.F) {
	f.Add("$request.body.action", `{"action":"send"}`)
	f.Add("${request.body.a}-${request.body.b.c}", `{"a":1,"b":{"c":"x"}}`)
	f.Add(`\$$request.body.x`, `{"x":"\u0041\ud800"}`)
	f.Add("$request.body.action", "\xff\xfe{\"action\":\"\xff\"}")
	f.Add("$request.body.action", `{"action":`+strings.Repeat("[", 200)+strings.Repeat("]", 200)+`}`)
	f.Fuzz(func(t *testing.T, expr, msg string) {
		s, err := compileSelection(expr)
		if err != nil {
			return
		}
		key, ok := s.eval([]byte(msg))
		if expr != DefaultRouteSelection || !ok {
			return
		}
		var m map[string]any
		if json.Unmarshal([]byte(msg), &m) != nil {
			t.Fatalf("key %q for a message encoding/json rejects: %q", key, msg)
		}
		if v, isStr := m["action"].(string); isStr && v != string(key) && !strings.ContainsRune(v, '\uFFFD') {
			t.Fatalf("key %q, encoding/json sees %q", key, v)
		}
	})
}

// FuzzMessagePath sends any message through a live connection: routing,
// the integration, the answer. The connection answers every message, and
// another client is served meanwhile.
func FuzzMessagePath(f *testing.F) {
	f.Add([]byte(`{"action":"echo","message":"hi"}`), true)
	f.Add([]byte("\xff\xfe\xfd"), true)
	f.Add([]byte(`{"action":`+strings.Repeat(`{"a":`, 300)+`1`+strings.Repeat(`}`, 301)), true)
	f.Add([]byte(strings.Repeat("[", 5000)), false)
	f.Add([]byte(`{"action":"`+strings.Repeat("x", 70000)+`"}`), true)
	api, err := New(WithLimits(Limits{MaxMessageBytes: 1 << 20}), WithLogger(slog.New(slog.DiscardHandler)),
		Route("echo", RouteSpec{Integration: echo(), TwoWay: true}),
		Route("$default", RouteSpec{Integration: Lambda(func(ctx context.Context, ev map[string]any) (string, error) {
			return "default", nil
		}), TwoWay: true}))
	if err != nil {
		f.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer api.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx := context.Background()
	dialc := func() *ws.Conn {
		c, _, err := ws.Dial(ctx, url, nil)
		if err != nil {
			f.Fatal(err)
		}
		c.SetReadLimit(2 << 20)
		return c
	}
	c, other := dialc(), dialc()
	defer c.CloseNow()
	defer other.CloseNow()
	f.Fuzz(func(t *testing.T, msg []byte, text bool) {
		typ := ws.MessageBinary
		if text {
			typ = ws.MessageText
		}
		watchdog := time.AfterFunc(15*time.Second, func() {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			panic("hung:\n" + string(buf[:n]))
		})
		defer watchdog.Stop()
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := c.Write(rctx, typ, msg); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.Read(rctx)
		if typ == ws.MessageBinary {
			// AWS takes no binary frames: the connection closes with 1003.
			if ws.CloseStatus(err) != ws.StatusUnsupportedData {
				t.Fatalf("a binary frame: %v, want a close with 1003", err)
			}
			c = dialc()
			got = []byte("closed")
		} else if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatal("empty answer")
		}
		if err := other.Write(rctx, ws.MessageText, []byte(`{"action":"echo"}`)); err != nil {
			t.Fatal(err)
		}
		if _, b, err := other.Read(rctx); err != nil || string(b) != `{"action":"echo"}` {
			t.Fatalf("the other client: %q %v", b, err)
		}
	})
}
