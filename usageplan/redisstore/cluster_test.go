package redisstore

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/redistest"
	"github.com/apigw/apigw/usageplan"
	"github.com/redis/go-redis/v9"
)

// Private clusters of this package: 7040–7045.
const portCluster = 7040

// TestClusterFailover: when the master holding a key's counters dies, the
// gateway answers again within seconds of the cluster's failover (its
// replica taking the slots), not at the client's next periodic reload of
// the cluster's layout (a minute by default).
func TestClusterFailover(t *testing.T) {
	t.Parallel() // its own servers; mostly waiting for the cluster
	cl := redistest.StartCluster(t, portCluster, 3, 1)
	cc := redistest.ClusterClient(t, cl.Addrs, &redis.ClusterOptions{ContextTimeoutEnabled: true})
	s, err := New(Options{Client: cc, Prefix: "failover:", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	plan := usageplan.Plan{ID: "p", Quota: &usageplan.Quota{Limit: 1 << 40, Period: usageplan.Day}, Stages: prodStage}
	g := replica(t, s, newClock(t0), plan, usageplan.Config{OnStoreError: usageplan.FailClosed,
		Logger: slog.New(slog.DiscardHandler), AccountThrottle: &usageplan.Throttle{Rate: usageplan.Unlimited}})
	if code := send(g).Code; code != http.StatusOK {
		t.Fatalf("before: %d", code)
	}
	failover, after := cl.KillMaster(t, "{p/customer}", func() bool { return send(g).Code == http.StatusOK })
	t.Logf("the cluster failed over %v after the master died; the gateway answered %v after that",
		failover.Round(time.Millisecond), after.Round(time.Millisecond))
}
