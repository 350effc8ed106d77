// Package redisopt reads what apigw's Redis backends need to know of a
// go-redis client's configuration, and helps them through a Redis
// Cluster's failovers.
package redisopt

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// ContextTimeoutEnabled reports whether c is a go-redis client that stops a
// call at its context's deadline (redis.Options.ContextTimeoutEnabled), and
// whether c is a client type whose options can be read at all.
func ContextTimeoutEnabled(c any) (enabled, known bool) {
	switch c := c.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled, true
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled, true
	case *redis.Ring:
		return c.Options().ContextTimeoutEnabled, true
	}
	return false, false
}

// Failed tells client that a call failed with err. A Redis Cluster client
// learns that a master has died and that a replica has taken its slots
// only from a MOVED answer, which a dead master never gives, or from its
// periodic reload of the cluster's layout (ClusterStateReloadInterval, a
// minute by default): until then every call to the dead master's slots
// fails. So on a failure that is not Redis's answer (a refused connection,
// a timeout, a broken connection, a node that has lost its cluster) Failed
// asks a *redis.ClusterClient to reload the layout now, in the background;
// go-redis runs one reload at a time and at most one more after it. Other
// clients and errors are left alone.
func Failed(client any, err error) {
	c, ok := client.(*redis.ClusterClient)
	if !ok || err == nil || errors.Is(err, context.Canceled) || errors.Is(err, redis.Nil) {
		return
	}
	var re redis.Error
	if errors.As(err, &re) && !clusterDown(re.Error()) {
		return // Redis answered: the layout is not in question
	}
	c.ReloadState(context.Background())
}

// clusterDown reports whether a Redis error says that the node cannot
// serve the slot now (CLUSTERDOWN, TRYAGAIN, a READONLY replica).
func clusterDown(msg string) bool {
	for _, p := range []string{"CLUSTERDOWN", "TRYAGAIN", "READONLY", "MASTERDOWN", "LOADING"} {
		if len(msg) >= len(p) && msg[:len(p)] == p {
			return true
		}
	}
	return false
}
