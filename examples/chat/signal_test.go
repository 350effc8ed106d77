package main

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/exampletest"
	ws "github.com/coder/websocket"
)

func TestMain(m *testing.M) { exampletest.Main(m, main) }

// TestSignals: the example stops gracefully on SIGTERM, as Kubernetes,
// Docker and systemd stop it, as on SIGINT.
func TestSignals(t *testing.T) {
	exampletest.TestSignals(t, "", "-addr", "127.0.0.1:0")
}

// TestSignalsCloseWebSockets: on SIGTERM as on SIGINT, every client gets a
// close frame (1001 going away) before the process exits with status 0.
func TestSignalsCloseWebSockets(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			p := exampletest.StartMain(t, "-addr", "127.0.0.1:0")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, _, err := ws.Dial(ctx, "ws://"+p.Addrs[0]+"/?name=alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			// A round trip: the connection is open on the server's side.
			if err := c.Write(ctx, ws.MessageText, []byte(`{"action":"whoami"}`)); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Read(ctx); err != nil {
				t.Fatal(err)
			}
			p.Signal(t, sig)
			_, _, err = c.Read(ctx)
			var ce ws.CloseError
			if !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
				t.Fatalf("read after %v: %v, want a close frame 1001", sig, err)
			}
			if err := p.Wait(t, 15*time.Second); err != nil {
				t.Fatalf("exited with %v, want status 0", err)
			}
		})
	}
}
