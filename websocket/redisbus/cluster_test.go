package redisbus

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// TestClusterCrossReplica: on a Redis Cluster, posts between replicas are
// accepted (not 410 Gone) and delivered whichever masters hold the
// connections' directory entries and the target replica's channel.
func TestClusterCrossReplica(t *testing.T) {
	addrs := redistest.SharedCluster(t)
	pfx := fmt.Sprintf("apigw-test:redisbus-cluster:%d:", time.Now().UnixNano())
	newClient := func() *redis.ClusterClient {
		return redistest.ClusterClient(t, addrs, &redis.ClusterOptions{ReadTimeout: time.Second, WriteTimeout: time.Second})
	}
	o := Options{Prefix: pfx, TTL: time.Minute, Refresh: 20 * time.Second}
	a := startReplicaOn(t, "a", newClient(), o, nil)
	b := startReplicaOn(t, "b", newClient(), o, nil)
	cc := newClient()
	ctx := context.Background()
	channelMaster, err := cc.MasterForKey(ctx, b.bus.channelOf("b"))
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := 0
	for i := range 12 {
		c, id := b.dial(t)
		m, err := cc.MasterForKey(ctx, b.bus.connKey(id))
		if err != nil {
			t.Fatal(err)
		}
		if m.Options().Addr != channelMaster.Options().Addr {
			elsewhere++
		}
		msg := fmt.Sprint("hello ", i)
		if err := a.api.PostToConnection(ctx, id, []byte(msg)); err != nil {
			t.Fatalf("post %d (entry on %s, channel on %s): %v", i, m.Options().Addr, channelMaster.Options().Addr, err)
		}
		if got := read(t, c); got != msg {
			t.Fatalf("got %q, want %q", got, msg)
		}
	}
	if elsewhere == 0 {
		t.Fatal("every entry landed on the channel's master: the test proves nothing")
	}
	t.Logf("%d of 12 entries on another master than the channel", elsewhere)
}

// Private clusters of this package: 7050–7055.
const portCluster = 7050

// TestClusterFailover: when the master serving a replica's channel dies,
// the replica subscribes on the master that takes its slot, writes its
// directory back, and posts from other replicas reach its connections
// again within seconds of the cluster's failover.
func TestClusterFailover(t *testing.T) {
	t.Parallel() // its own servers; mostly waiting for the cluster
	cl := redistest.StartCluster(t, portCluster, 3, 1)
	newClient := func() *redis.ClusterClient {
		return redistest.ClusterClient(t, cl.Addrs, &redis.ClusterOptions{ReadTimeout: time.Second, WriteTimeout: time.Second,
			DialTimeout: 200 * time.Millisecond})
	}
	o := Options{Prefix: "failover:", TTL: 3 * time.Minute, Refresh: time.Minute}
	a := startReplicaOn(t, "a", newClient(), o, nil)
	b := startReplicaOn(t, "b", newClient(), o, nil)
	cb, idB := b.dial(t)
	ctx := context.Background()
	if err := a.api.PostToConnection(ctx, idB, []byte("before")); err != nil {
		t.Fatal(err)
	}
	read(t, cb)
	failover, after := cl.KillMaster(t, b.bus.channelOf("b"), func() bool {
		return a.api.PostToConnection(ctx, idB, []byte("after")) == nil
	})
	if got := read(t, cb); got != "after" {
		t.Errorf("got %q", got)
	}
	t.Logf("the cluster failed over %v after the master died; posts worked again %v after that",
		failover.Round(time.Millisecond), after.Round(time.Millisecond))
}
