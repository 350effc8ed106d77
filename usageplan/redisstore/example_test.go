package redisstore_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/apigw/apigw/usageplan"
	"github.com/apigw/apigw/usageplan/redisstore"
	"github.com/redis/go-redis/v9"
)

// Every replica builds the same registry over the same Redis: they share
// the quotas and the plans' throttles.
func ExampleNew() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	store, err := redisstore.New(redisstore.Options{Client: rdb, Prefix: "petstore:", Timeout: 50 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	plans := usageplan.MustNew(usageplan.Config{Store: store})
	_ = plans.AddPlan(usageplan.Plan{
		ID:        "basic",
		Throttle:  &usageplan.Throttle{Rate: 1, Burst: 2},
		Quota:     &usageplan.Quota{Limit: 100, Period: usageplan.Day},
		Stages:    []usageplan.APIStage{{APIID: "pets", Stage: "prod"}},
		CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), // the same on every replica
	})
	_, _ = plans.AddKey(usageplan.APIKey{ID: "alice", Value: "demo-basic-key-000000000001"}, "basic")
}

// With Redis unreachable, a registry that fails closed answers 500 within
// the store's timeout; one that fails open (the default, as AWS) admits.
func ExampleNew_redisDown() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialerRetries: 1, MaxRetries: -1}) // nothing listens there
	defer rdb.Close()
	store, _ := redisstore.New(redisstore.Options{Client: rdb, Timeout: 50 * time.Millisecond})

	for _, policy := range []usageplan.FailurePolicy{usageplan.FailClosed, usageplan.FailOpen} {
		plans := usageplan.MustNew(usageplan.Config{Store: store, OnStoreError: policy, Logger: slog.New(slog.DiscardHandler)})
		_ = plans.AddPlan(usageplan.Plan{ID: "basic", Stages: []usageplan.APIStage{{APIID: "pets", Stage: "prod"}}})
		_, _ = plans.AddKey(usageplan.APIKey{Value: "demo-basic-key-000000000001"}, "basic")
		mw, _ := plans.Middleware(usageplan.MethodSpec{APIID: "pets", Stage: "prod", Resource: "/breeds", HTTPMethod: "GET", APIKeyRequired: true})
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "breeds") }))

		req := httptest.NewRequest(http.MethodGet, "/breeds", nil)
		req.Header.Set("x-api-key", "demo-basic-key-000000000001")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}
	// Output:
	// 500 {"message":"Internal server error"}
	// 200 breeds
}
