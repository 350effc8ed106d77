package websocket

import (
	"context"
	"errors"
	"testing"

	"github.com/apigw/apigw/internal/testkit"
)

// TestReplicasMemoryHub runs two replicas of one API linked by a
// MemoryHub: @connections calls on either reach connections on the other.
func TestReplicasMemoryHub(t *testing.T) {
	testkit.NoLeaks(t)
	hub := NewMemoryHub()
	log := newEventLog()
	opts := func(id string) []Option {
		return []Option{WithBus(hub.Bus()), WithReplicaID(id),
			Route("$disconnect", RouteSpec{Integration: Lambda(log.fn(""))}),
			Route("$default", RouteSpec{Integration: echo(), TwoWay: true})}
	}
	a := startAPI(t, opts("a")...)
	b := startAPI(t, opts("b")...)
	cb := dial(t, b, "/", nil)
	idB := b.api.ConnectionIDs()[0]
	ctx := context.Background()

	if err := a.api.PostToConnection(ctx, idB, []byte("from a")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, cb); got != "from a" {
		t.Errorf("got %q", got)
	}
	info, err := a.api.GetConnection(ctx, idB)
	if err != nil || info.Replica != "b" || info.ConnectionID != idB {
		t.Errorf("GetConnection from a: %+v %v", info, err)
	}
	// The bus goes away: local delivery keeps working, cross-replica
	// calls fail with the bus's error; then it comes back.
	down := errors.New("bus down")
	hub.SetFailure(down)
	if err := b.api.PostToConnection(ctx, idB, []byte("local")); err != nil {
		t.Errorf("local post while the bus is down: %v", err)
	}
	if got := read(t, cb); got != "local" {
		t.Errorf("got %q", got)
	}
	if err := a.api.PostToConnection(ctx, idB, []byte("x")); !errors.Is(err, down) {
		t.Errorf("cross post while down: %v", err)
	}
	hub.SetFailure(nil)
	if err := a.api.PostToConnection(ctx, idB, []byte("again")); err != nil {
		t.Errorf("after recovery: %v", err)
	}
	if got := read(t, cb); got != "again" {
		t.Errorf("got %q", got)
	}
	if err := a.api.DeleteConnection(ctx, idB); err != nil {
		t.Fatal(err)
	}
	if ce := readClose(t, cb); ce.Code != 1000 {
		t.Errorf("close %v", ce)
	}
	log.next(t, "$disconnect")
	testkit.WaitFor(t, "the connection to leave the hub", func() bool {
		_, err := a.api.GetConnection(ctx, idB)
		return errors.Is(err, ErrGone)
	})
	if err := a.api.PostToConnection(ctx, idB, []byte("x")); !errors.Is(err, ErrGone) {
		t.Errorf("post to a closed connection: %v", err)
	}
}
