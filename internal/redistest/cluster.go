package redistest

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a private Redis Cluster: its nodes are private servers.
type Cluster struct {
	// Addrs are the addresses of every node, masters first.
	Addrs []string
	nodes map[string]*Server
}

// NodeTimeout is the cluster-node-timeout of private clusters: a master
// that does not answer for this long is failed over to its replica.
const NodeTimeout = time.Second

// StartCluster starts a cluster of masters masters with replicas replicas
// each, on the ports from base on, and waits until it serves every slot
// and every replica has synchronised.
func StartCluster(t testing.TB, base, masters, replicas int) *Cluster {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		Unavailable(t, "no redis-cli: %v", err)
	}
	c := &Cluster{nodes: map[string]*Server{}}
	for i := range masters * (1 + replicas) {
		s := Start(t, base+i, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.Itoa(int(NodeTimeout/time.Millisecond)))
		c.Addrs = append(c.Addrs, s.Addr)
		c.nodes[s.Addr] = s
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitHealthy(t, 30*time.Second)
	return c
}

// Node returns the private server at addr.
func (c *Cluster) Node(addr string) *Server { return c.nodes[addr] }

// MasterOf returns the address of the master that serves key, as the
// node at any of Addrs sees the cluster.
func (c *Cluster) MasterOf(t testing.TB, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, addr := range c.Addrs {
		n := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		slot, err := n.ClusterKeySlot(ctx, key).Result()
		var slots []redis.ClusterSlot
		if err == nil {
			slots, err = n.ClusterSlots(ctx).Result()
		}
		_ = n.Close()
		if err != nil {
			continue
		}
		for _, s := range slots {
			if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
				return s.Nodes[0].Addr
			}
		}
	}
	t.Fatalf("no node says which master serves %q", key)
	return ""
}

// WaitHealthy waits until every live node reports cluster_state:ok and
// every live replica's link to its master is up.
func (c *Cluster) WaitHealthy(t testing.TB, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, why := c.healthy()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cluster is not healthy after %v: %s", d, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *Cluster) healthy() (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for addr, s := range c.nodes {
		select {
		case <-s.done:
			continue // killed
		default:
		}
		n := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		info, err := n.ClusterInfo(ctx).Result()
		var repl string
		if err == nil {
			repl, err = n.Info(ctx, "replication").Result()
		}
		_ = n.Close()
		if err != nil {
			return false, addr + ": " + err.Error()
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return false, addr + ": cluster_state not ok"
		}
		if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
			return false, addr + ": replica not synchronised"
		}
	}
	return true, ""
}

// SharedCluster returns the addresses of the test cluster that .ci/run
// starts, from APIGW_REDIS_CLUSTER, once it answers; tests use it without
// killing its nodes, and with key prefixes of their own.
func SharedCluster(t testing.TB) []string {
	t.Helper()
	v := os.Getenv(ClusterEnv)
	if v == "" {
		Unavailable(t, "no Redis Cluster: %s is not set (.ci/run starts one)", ClusterEnv)
	}
	addrs := strings.Split(v, ",")
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error { return n.Ping(ctx).Err() }); err != nil {
		Unavailable(t, "Redis Cluster at %s: %v", v, err)
	}
	return addrs
}

// ClusterClient returns a client of the cluster at addrs, closed when the
// test ends; opts may be nil.
func ClusterClient(t testing.TB, addrs []string, opts *redis.ClusterOptions) *redis.ClusterClient {
	t.Helper()
	if opts == nil {
		opts = &redis.ClusterOptions{}
	}
	opts.Addrs = addrs
	c := redis.NewClusterClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// KillMaster kills the master that serves key and waits, polling works
// every 50 ms, until works reports true. It fails the test when works is
// still false 10 s after the cluster has failed over (a replica serves the
// key) or 40 s after the kill, and returns how long the failover took and
// how long after it works became true.
func (c *Cluster) KillMaster(t testing.TB, key string, works func() bool) (failover, after time.Duration) {
	t.Helper()
	dead := c.MasterOf(t, key)
	c.Node(dead).Kill(t)
	killed := time.Now()
	var failedOver time.Time
	for deadline := killed.Add(40 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not working 40 s after the master of %q died (failed over: %v)", key, !failedOver.IsZero())
		}
		if failedOver.IsZero() && c.MasterOf(t, key) != dead {
			failedOver = time.Now()
		}
		if works() {
			break
		}
		if !failedOver.IsZero() && time.Since(failedOver) > 10*time.Second {
			t.Fatalf("not working %v after the failover (%v after the master of %q died)",
				time.Since(failedOver).Round(time.Millisecond), time.Since(killed).Round(time.Millisecond), key)
		}
	}
	if failedOver.IsZero() {
		failedOver = time.Now()
	}
	return failedOver.Sub(killed), time.Since(failedOver)
}
