package redisstore

import (
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/redistest"
	"github.com/apigw/apigw/usageplan"
	"github.com/redis/go-redis/v9"
)

// TestWaitReplicas: with WaitReplicas, a request is admitted once a replica
// has its count; while the replica does not answer, the failure policy
// decides (500 under fail closed) and the count is given back.
func TestWaitReplicas(t *testing.T) {
	t.Parallel() // its own servers
	master := redistest.Start(t, portMaster)
	replicaSrv := redistest.Start(t, portReplica, "--replicaof", "127.0.0.1", strconv.Itoa(portMaster))
	c := master.Client(t, &redis.Options{ContextTimeoutEnabled: true})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info, _ := c.Info(t.Context(), "replication").Result()
		if strings.Contains(info, "connected_slaves:1") && strings.Contains(info, "state=online") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not connect: %s", info)
		}
	}
	// A whole second for the replica's acknowledgement: CI runs this beside
	// the cluster tests on two cores, where 100 ms was once too short.
	s, err := New(Options{Client: c, Prefix: "wait:", Timeout: 3 * time.Second, WaitReplicas: 1, WaitTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	plan := usageplan.Plan{ID: "p", Quota: &usageplan.Quota{Limit: 100, Period: usageplan.Day}, Stages: prodStage}
	g := replica(t, s, newClock(t0), plan, usageplan.Config{OnStoreError: usageplan.FailClosed, Logger: slog.New(slog.DiscardHandler)})
	for range 3 {
		if code := send(g).Code; code != 200 {
			t.Fatalf("with the replica: %d", code)
		}
	}
	replicaSrv.Freeze(t)
	if code := send(g).Code; code != 500 {
		t.Errorf("replica frozen, fail closed: %d, want 500", code)
	}
	replicaSrv.Thaw(t)
	if code := send(g).Code; code != 200 {
		t.Fatalf("replica back: %d", code)
	}
	days, err := s.Usage(t.Context(), "p/customer", usageplan.DateOf(t0), usageplan.DateOf(t0))
	if err != nil {
		t.Fatal(err)
	}
	if days[0].Used != 4 {
		t.Errorf("used %d, want 4: the refused request given back", days[0].Used)
	}
	if _, err := New(Options{Client: redis.NewRing(&redis.RingOptions{}), WaitReplicas: 1}); err == nil {
		t.Error("WaitReplicas accepted with a Ring")
	}
}
