package websocket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/testkit"
)

// manage calls the management API over HTTP.
func manage(t *testing.T, s *server, method, id, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.srv.URL+"/@connections/"+id, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestConnectionsHTTP(t *testing.T) {
	testkit.NoLeaks(t)
	clock := newFakeClock()
	log := newEventLog()
	s := startAPI(t, WithClock(clock), WithLimits(Limits{MaxMessageBytes: 1024}),
		Route("$disconnect", RouteSpec{Integration: Lambda(log.fn(""))}),
		Route("$default", RouteSpec{Integration: Lambda(log.fn(""))}))
	c := dial(t, s, "/", http.Header{"User-Agent": {"agent/2"}})
	id := s.api.ConnectionIDs()[0]
	connectedAt := clock.Now()

	clock.Advance(90 * time.Second)
	write(t, c, "ping")
	log.next(t, "$default")

	t.Run("POST", func(t *testing.T) {
		status, _, body := manage(t, s, "POST", id, "hello there")
		if status != 200 || body != "" {
			t.Fatalf("POST: %d %q", status, body)
		}
		if got := read(t, c); got != "hello there" {
			t.Errorf("client got %q", got)
		}
	})
	t.Run("GET", func(t *testing.T) {
		status, h, body := manage(t, s, "GET", id, "")
		if status != 200 || h.Get("Content-Type") != "application/json" {
			t.Fatalf("GET: %d %q", status, body)
		}
		var got struct {
			ConnectedAt  string            `json:"connectedAt"`
			LastActiveAt string            `json:"lastActiveAt"`
			Identity     map[string]string `json:"identity"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if got.ConnectedAt != connectedAt.Format(isoMillis) || got.LastActiveAt != connectedAt.Add(90*time.Second).Format(isoMillis) ||
			got.Identity["sourceIp"] != "127.0.0.1" || got.Identity["userAgent"] != "agent/2" {
			t.Errorf("GET: %s", body)
		}
	})
	t.Run("POST too large", func(t *testing.T) {
		status, h, _ := manage(t, s, "POST", id, strings.Repeat("x", 1025))
		if status != 413 || h.Get("X-Amzn-Errortype") != "PayloadTooLargeException" {
			t.Errorf("%d %v", status, h)
		}
	})
	t.Run("bad paths", func(t *testing.T) {
		for _, m := range []string{"PUT", "PATCH"} {
			if status, _, body := manage(t, s, m, id, ""); status != 403 || body != `{"message":"Missing Authentication Token"}` {
				t.Errorf("%s: %d %s", m, status, body)
			}
		}
		if status, _, _ := manage(t, s, "GET", "", ""); status != 403 {
			t.Errorf("no id: %d", status)
		}
	})
	t.Run("DELETE", func(t *testing.T) {
		if status, _, body := manage(t, s, "DELETE", id, ""); status != 204 {
			t.Fatalf("DELETE: %d %s", status, body)
		}
		if ce := readClose(t, c); ce.Code != 1000 {
			t.Errorf("close %v", ce)
		}
		ev := log.next(t, "$disconnect")
		if ev.RequestContext.DisconnectStatusCode != 1000 || *ev.RequestContext.DisconnectReason != "Connection Closed Normally" {
			t.Errorf("disconnect %d %q", ev.RequestContext.DisconnectStatusCode, *ev.RequestContext.DisconnectReason)
		}
	})
	t.Run("gone", func(t *testing.T) {
		testkit.WaitFor(t, "the connection to go", func() bool { return s.api.Len() == 0 })
		for _, m := range []string{"POST", "GET", "DELETE"} {
			status, h, body := manage(t, s, m, id, "x")
			if status != 410 || h.Get("X-Amzn-Errortype") != "GoneException" || body != `{"message":null}` {
				t.Errorf("%s: %d %v %s", m, status, h, body)
			}
		}
	})
}

func TestConnectionsGo(t *testing.T) {
	s := startAPI(t, WithLimits(Limits{MaxQueuedBytes: 10}), Route("$default", RouteSpec{Integration: echo()}))
	ctx := context.Background()
	if err := s.api.PostToConnection(ctx, "nope", []byte("x")); !errors.Is(err, ErrGone) {
		t.Errorf("post to unknown: %v", err)
	}
	if _, err := s.api.GetConnection(ctx, "nope"); !errors.Is(err, ErrGone) {
		t.Errorf("get unknown: %v", err)
	}
	if err := s.api.DeleteConnection(ctx, "nope"); !errors.Is(err, ErrGone) {
		t.Errorf("delete unknown: %v", err)
	}
	c := dial(t, s, "/", nil)
	id := s.api.ConnectionIDs()[0]
	data := []byte("binary \xff")
	if err := s.api.PostToConnection(ctx, id, data); err != nil {
		t.Fatal(err)
	}
	data[0] = 'X' // the API copied it
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	typ, b, err := c.Read(rctx)
	if err != nil || typ.String() != "MessageBinary" || !bytes.Equal(b, []byte("binary \xff")) {
		t.Errorf("read %v %q %v", typ, b, err)
	}
}
