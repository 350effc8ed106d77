// Package redisflag turns an example's -redis flag into a go-redis client:
// one Redis server, or a Redis Cluster.
package redisflag

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Usage describes the flag's value, for flag.String.
const Usage = "host:port of a Redis, or of Redis Cluster nodes, comma-separated"

// NewClient returns a client of addrs: a *redis.ClusterClient for several
// comma-separated addresses, or for one address of a node that runs in
// cluster mode (asked with INFO cluster, for up to a second), else a
// *redis.Client. contextTimeout sets ContextTimeoutEnabled, which the
// usage-plan store and the cache want.
func NewClient(addrs string, contextTimeout bool) redis.UniversalClient {
	var list []string
	for _, a := range strings.Split(addrs, ",") {
		if a = strings.TrimSpace(a); a != "" {
			list = append(list, a)
		}
	}
	if len(list) == 1 && !clusterNode(list[0]) {
		return redis.NewClient(&redis.Options{Addr: list[0], ContextTimeoutEnabled: contextTimeout})
	}
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: list, ContextTimeoutEnabled: contextTimeout})
}

// clusterNode reports whether the Redis at addr runs in cluster mode; false
// when it does not answer.
func clusterNode(addr string) bool {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	info, err := c.Info(ctx, "cluster").Result()
	return err == nil && strings.Contains(info, "cluster_enabled:1")
}
