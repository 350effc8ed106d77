// Package redisopt reads what apigw's Redis backends need to know of a
// go-redis client's configuration.
package redisopt

import "github.com/redis/go-redis/v9"

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
