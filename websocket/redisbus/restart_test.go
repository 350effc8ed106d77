package redisbus

import (
	"context"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// The private redis-servers of this package listen on 7020–7029.
const portRestart = 7020

// TestRedisRestartReregisters: when Redis restarts empty, every replica
// writes back the directory entries of the connections it holds as soon as
// it is connected again, not at its next periodic refresh (a minute here):
// posts from another replica reach them again within seconds.
func TestRedisRestartReregisters(t *testing.T) {
	srv := redistest.Start(t, portRestart)
	newClient := func() *redis.Client {
		return srv.Client(t, &redis.Options{MaxRetries: -1, DialTimeout: 200 * time.Millisecond,
			ReadTimeout: time.Second, WriteTimeout: time.Second})
	}
	o := Options{Prefix: "restart:", TTL: 3 * time.Minute, Refresh: time.Minute}
	a := startReplicaOn(t, "a", newClient(), o, nil)
	b := startReplicaOn(t, "b", newClient(), o, nil)
	cb, idB := b.dial(t)
	ctx := context.Background()
	if err := a.api.PostToConnection(ctx, idB, []byte("before")); err != nil {
		t.Fatal(err)
	}
	read(t, cb)

	srv.Restart(t)
	restarted := time.Now()
	deadline := restarted.Add(10 * time.Second)
	for {
		err := a.api.PostToConnection(ctx, idB, []byte("after"))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("posts from another replica still fail 10 s after the restart: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("reachable again %v after the restart", time.Since(restarted).Round(time.Millisecond))
	if got := read(t, cb); got != "after" {
		t.Errorf("got %q", got)
	}
}
