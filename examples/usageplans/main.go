// Command usageplans is the seed's usage-plan story: a breed API sold in
// three subscription plans, each customer's API key bound to one of them.
//
//	plan      throttle                quota
//	basic     1 req/s, burst 2        100 per day
//	standard  10 req/s, burst 20      10,000 per day
//	premium   100 req/s, burst 200    none
//
// GET /breeds needs a key in the x-api-key header: without one (or with an
// unknown one) the answer is 403 {"message":"Forbidden"}; over the plan's
// throttle 429 {"message":"Too Many Requests"} with Retry-After; once the
// day's quota is spent 429 {"message":"Limit Exceeded"}. The RateLimit-*
// headers tell a client how much of its quota is left. GET /usage?key=...
// reports that key's usage today in the shape of AWS's GetUsage
// ({"values":{"keyId":[[used, remaining]]}}).
//
//	go run ./examples/usageplans
//	curl -i localhost:8080/breeds                                               # 403 Forbidden
//	curl -i -H 'x-api-key: demo-basic-key-000000000001' localhost:8080/breeds   # 200, twice; then 429
//	curl -H 'x-api-key: demo-premium-key-00000000001' localhost:8080/breeds
//	curl 'localhost:8080/usage?key=demo-basic-key-000000000001'
//
// With -redis the throttles, quotas and usage live in Redis, so that any
// number of replicas enforce one quota per key together:
//
//	go run ./examples/usageplans -redis 127.0.0.1:6379 -addr 127.0.0.1:8080 &
//	go run ./examples/usageplans -redis 127.0.0.1:6379 -addr 127.0.0.1:8081 &
//	curl -H 'x-api-key: demo-basic-key-000000000001' localhost:8080/breeds
//	curl -H 'x-api-key: demo-basic-key-000000000001' localhost:8081/breeds
//	curl 'localhost:8081/usage?key=demo-basic-key-000000000001'        # counts both
//
// -redis also takes a Redis Cluster: several comma-separated node addresses
// (-redis 127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002), or one node's.
//
// /usage is open to anyone who names a key, and takes the key's value in
// the query string, where access logs and proxies see it: that keeps the
// demo short. A real deployment mounts a usage report behind its own
// authorization (an authorizer on the method, or an admin listener), or
// serves usageplan.Registry.UsageHandler there for its operators.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/examples/internal/redisflag"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/serve"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
	"github.com/apigw/apigw/usageplan/redisstore"
)

// The API stage the gateway serves and the plans cover: usage plans apply
// to the stages they name, so these must agree with gateway.WithAPIID and
// the stage's name.
const (
	apiID     = "breeds"
	stageName = "prod"
)

// defaultRedisPrefix starts every Redis key of the example.
const defaultRedisPrefix = "apigw:examples:usageplans:"

// The demo keys, one per plan.
const (
	basicKey    = "demo-basic-key-000000000001"
	standardKey = "demo-standard-key-0000000001"
	premiumKey  = "demo-premium-key-00000000001"
)

// newRegistry returns the three plans with one demo customer each, their
// state kept in store (nil: in memory).
func newRegistry(store usageplan.Store, now func() time.Time, logger *slog.Logger) (*usageplan.Registry, error) {
	reg, err := usageplan.New(usageplan.Config{Store: store, Now: now, Logger: logger, RateLimitHeaders: true})
	if err != nil {
		return nil, err
	}
	covers := []usageplan.APIStage{{APIID: apiID, Stage: stageName}}
	for _, p := range []usageplan.Plan{
		{ID: "basic", Name: "Basic", Throttle: &usageplan.Throttle{Rate: 1, Burst: 2},
			Quota: &usageplan.Quota{Limit: 100, Period: usageplan.Day}, Stages: covers},
		{ID: "standard", Name: "Standard", Throttle: &usageplan.Throttle{Rate: 10, Burst: 20},
			Quota: &usageplan.Quota{Limit: 10000, Period: usageplan.Day}, Stages: covers},
		{ID: "premium", Name: "Premium", Throttle: &usageplan.Throttle{Rate: 100, Burst: 200}, Stages: covers},
	} {
		if err := reg.AddPlan(p); err != nil {
			return nil, err
		}
	}
	for _, k := range []struct{ plan, value string }{
		{"basic", basicKey}, {"standard", standardKey}, {"premium", premiumKey},
	} {
		key := usageplan.APIKey{ID: k.plan + "-customer", Name: "demo " + k.plan + " customer", Value: k.value}
		if _, err := reg.AddKey(key, k.plan); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// Breed is one record of the backend.
type Breed struct {
	Name   string `json:"name"`
	Group  string `json:"group"`
	Origin string `json:"origin"`
}

var breeds = []Breed{
	{Name: "Beagle", Group: "Hound", Origin: "England"},
	{Name: "Border Collie", Group: "Herding", Origin: "Scotland"},
	{Name: "Dachshund", Group: "Hound", Origin: "Germany"},
	{Name: "Shiba Inu", Group: "Spitz", Origin: "Japan"},
}

// breedsHandler is the backend, which knows nothing of keys or plans.
func breedsHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(breeds)
}

// usageHandler answers GET /usage?key=VALUE with the usage today of the key
// whose value is VALUE, in the plan that covers the example's API stage.
func usageHandler(reg *usageplan.Registry, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := reg.KeyByValue(r.URL.Query().Get("key"))
		plan := ""
		if ok {
			plan = planFor(reg, key.ID)
		}
		if plan == "" {
			apigw.WriteError(w, r, &apigw.Error{Type: apigw.ResourceNotFound, Message: "Invalid API Key specified"})
			return
		}
		today := usageplan.DateOf(now())
		u, err := reg.Usage(r.Context(), usageplan.UsageQuery{PlanID: plan, KeyID: key.ID, Start: today, End: today})
		if err != nil {
			apigw.WriteError(w, r, &apigw.Error{Type: apigw.Default5XX, Err: err})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(u)
	})
}

// planFor returns the plan of key keyID that covers the example's API
// stage (a key belongs to at most one), or "".
func planFor(reg *usageplan.Registry, keyID string) string {
	for _, id := range reg.KeyPlans(keyID) {
		p, ok := reg.Plan(id)
		if ok && slices.ContainsFunc(p.Stages, func(s usageplan.APIStage) bool {
			return s.APIID == apiID && s.Stage == stageName
		}) {
			return id
		}
	}
	return ""
}

// newGateway serves the breed API on the plans' API stage. now is the
// clock of the usage report; the plans' throttles and quotas follow the
// registry's. The gateway itself keeps the real clock (no WithClock): its
// integration timeout is a real deadline, which a test's fake clock set in
// the past would expire at once.
func newGateway(reg *usageplan.Registry, now func() time.Time, extra ...gateway.Option) (*gateway.Gateway, error) {
	return gateway.New(append([]gateway.Option{
		gateway.WithAPIID(apiID),
		gateway.WithStage(stage.Stage{Name: stageName}),
		gateway.WithUsagePlans(reg),
		gateway.Route("GET /breeds", gateway.Method{
			APIKeyRequired: true,
			Integration:    gateway.Handler(http.HandlerFunc(breedsHandler)),
		}),
		// No API key: see the package comment on authorizing /usage.
		gateway.Route("GET /usage", gateway.Method{
			RequestParameters: map[string]bool{"method.request.querystring.key": true},
			Integration:       gateway.Handler(usageHandler(reg, now)),
		}),
	}, extra...)...)
}

// options configure the example.
type options struct {
	// redisAddr moves the usage-plan state to the Redis at this address;
	// "" keeps it in memory.
	redisAddr string
	// redisPrefix starts the example's Redis keys; "": defaultRedisPrefix.
	redisPrefix string
	// redisTimeout bounds each Redis call; 0: redisstore's default.
	redisTimeout time.Duration
	// now is the clock; nil: time.Now.
	now func() time.Time
	// logger receives the store's fail-open warnings; nil: slog.Default().
	logger *slog.Logger
}

// run serves the example on addr until ctx ends; ready, if not nil,
// receives the address it listens on. It returns once the server has shut
// down and the Redis client, if any, is closed.
func run(ctx context.Context, adm *admin.Admin, addr string, o options, ready chan<- string) (err error) {
	if o.now == nil {
		o.now = time.Now
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	var store usageplan.Store
	if o.redisAddr != "" {
		rdb := redisflag.NewClient(o.redisAddr, true)
		defer func() { err = errors.Join(err, rdb.Close()) }()
		prefix := o.redisPrefix
		if prefix == "" {
			prefix = defaultRedisPrefix
		}
		store, err = redisstore.New(redisstore.Options{Client: rdb, Prefix: prefix, Timeout: o.redisTimeout})
		if err != nil {
			return err
		}
		ping, cancel := context.WithTimeout(ctx, time.Second)
		if err := rdb.Ping(ping).Err(); err != nil {
			o.logger.Warn("Redis does not answer; requests are admitted, and counted once it does", "addr", o.redisAddr, "err", err)
		}
		cancel()
	}
	reg, err := newRegistry(store, o.now, o.logger)
	if err != nil {
		return err
	}
	gw, err := newGateway(reg, o.now, adm.Gateway()...)
	if err != nil {
		return err
	}
	adm.Watch(gw)
	adm.WatchUsagePlans(reg)
	return adm.Run(ctx, func(ctx context.Context) error { return serve.ListenAndServe(ctx, addr, gw, ready) })
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	redisAddr := flag.String("redis", "", "keep throttles, quotas and usage in Redis, shared by every replica: "+redisflag.Usage)
	prefix := flag.String("redis-prefix", defaultRedisPrefix, "prefix of the example's Redis keys")
	adminAddr := flag.String("admin-addr", "", admin.Usage)
	flag.Parse()
	ctx, stop := serve.SignalContext()
	defer stop()
	adm, err := admin.New(ctx, *adminAddr, nil)
	if err != nil {
		log.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		a := <-ready
		state := "in memory"
		if *redisAddr != "" {
			state = "in Redis at " + *redisAddr
		}
		log.Printf("usage plans example: curl -H 'x-api-key: %s' http://%s/breeds (state %s)", basicKey, a, state)
	}()
	if err := run(ctx, adm, *addr, options{redisAddr: *redisAddr, redisPrefix: *prefix}, ready); err != nil {
		log.Fatal(err)
	}
}
