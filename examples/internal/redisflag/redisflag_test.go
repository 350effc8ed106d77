package redisflag

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/redistest"
	"github.com/redis/go-redis/v9"
)

func TestNewClient(t *testing.T) {
	single := NewClient(redistest.Addr, true)
	defer single.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := single.Ping(ctx).Err(); err != nil {
		redistest.Unavailable(t, "no Redis at %s: %v", redistest.Addr, err)
	}
	if c, ok := single.(*redis.Client); !ok || !c.Options().ContextTimeoutEnabled {
		t.Errorf("one server: %T", single)
	}
	addrs := redistest.SharedCluster(t)
	for _, flag := range []string{strings.Join(addrs, ","), addrs[0], " " + addrs[1] + " ,"} {
		c := NewClient(flag, false)
		if _, ok := c.(*redis.ClusterClient); !ok {
			t.Errorf("-redis %q: %T, want a cluster client", flag, c)
		}
		if err := c.Set(ctx, "apigw-test:redisflag:{x}", "1", time.Minute).Err(); err != nil {
			t.Errorf("-redis %q: %v", flag, err)
		}
		c.Close()
	}
}
