package rediscache

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// TestClusterSpreadsEntries: on a Redis Cluster, the entries of one
// resource template ("/x/{id}") spread over the slots, and so over the
// masters, instead of all landing in the slot of the hash tag "{id}"; the
// cache works and a flush removes them all.
func TestClusterSpreadsEntries(t *testing.T) {
	cc := redistest.ClusterClient(t, redistest.SharedCluster(t), &redis.ClusterOptions{ContextTimeoutEnabled: true})
	ctx := context.Background()
	ns := fmt.Sprintf("apigw-test:spread:%d", time.Now().UnixNano())
	c := mustCache(t, cache.Config{Store: mustStore(t, cc, Options{Timeout: time.Second}), Namespace: ns})
	t.Cleanup(func() { _ = c.Flush(context.Background(), "prod") })
	slots := map[int64]bool{}
	masters := map[string]bool{}
	const n = 50
	for i := range n {
		key, err := c.Key(cache.Key{Stage: "prod", Method: http.MethodGet, Resource: "/x/{id}",
			Params: map[string][]string{"method.request.path.id": {fmt.Sprint(i)}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Store().Set(ctx, key, cache.NewEntry(200, nil, []byte("x")), time.Minute); err != nil {
			t.Fatal(err)
		}
		if e, err := c.Store().Get(ctx, key); err != nil || e == nil {
			t.Fatalf("Get %q: %v %v", key, e, err)
		}
		slot, err := cc.ClusterKeySlot(ctx, redisKey(key)).Result()
		if err != nil {
			t.Fatal(err)
		}
		slots[slot] = true
		m, err := cc.MasterForKey(ctx, redisKey(key))
		if err != nil {
			t.Fatal(err)
		}
		masters[m.Options().Addr] = true
	}
	if len(slots) < n/2 || len(masters) < 2 {
		t.Fatalf("%d entries in %d slots on %d masters: they do not spread", n, len(slots), len(masters))
	}
	if err := c.Flush(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	var left atomic.Int64 // ForEachMaster runs on every master at once
	_ = cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		keys, _ := m.Keys(ctx, escapeGlob(redisKey(ns))+"*").Result()
		left.Add(int64(len(keys)))
		return nil
	})
	if n := left.Load(); n != 0 {
		t.Errorf("%d entries left after the flush", n)
	}
}

func TestRedisKey(t *testing.T) {
	for in, want := range map[string]string{
		"ns|4:prod0:3:GET7:/x/{id}": "ns|4:prod0:3:GET7:/x/%7Bid}",
		"100%{":                     "100%25%7B",
		"plain":                     "plain",
	} {
		if got := redisKey(in); got != want {
			t.Errorf("redisKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// portCluster is the first port of TestClusterFailover's private cluster
// (6 nodes); the other packages' private servers use 7010-7029 and 7040-7055.
const portCluster = 7030

// TestClusterFailover: when the master that holds an entry dies, the cache
// works again within a few seconds of the cluster failing over (the store
// reloads the cluster's layout after a failed call instead of waiting for
// go-redis's periodic reload).
func TestClusterFailover(t *testing.T) {
	t.Parallel() // its own servers; mostly waiting for the cluster
	cl := redistest.StartCluster(t, portCluster, 3, 1)
	cc := redistest.ClusterClient(t, cl.Addrs, &redis.ClusterOptions{ContextTimeoutEnabled: true})
	c := mustCache(t, cache.Config{Store: mustStore(t, cc, Options{Timeout: 200 * time.Millisecond}), Namespace: "failover"})
	key, err := c.Key(cache.Key{Stage: "prod", Method: http.MethodGet, Resource: "/x/{id}",
		Params: map[string][]string{"method.request.path.id": {"1"}}})
	if err != nil {
		t.Fatal(err)
	}
	works := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := c.Store().Set(ctx, key, cache.NewEntry(200, nil, []byte("x")), time.Minute); err != nil {
			return false
		}
		e, err := c.Store().Get(ctx, key)
		return err == nil && e != nil
	}
	if !works() {
		t.Fatal("the cache does not work before the failover")
	}
	failover, after := cl.KillMaster(t, redisKey(key), works)
	t.Logf("the cluster failed over %v after the master died; the cache worked %v after that",
		failover.Round(time.Millisecond), after.Round(time.Millisecond))
}
