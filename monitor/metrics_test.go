package monitor_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/testkit"
	"github.com/apigw/apigw/monitor"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

var okBackend = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
})

var failBackend = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "broken", http.StatusInternalServerError)
})

// allowToken is a TOKEN authorizer that allows the token "good" and
// refuses anything else with 401.
func allowToken(now func() time.Time) *authorizer.TokenAuthorizer {
	return authorizer.MustNewToken(authorizer.TokenConfig{
		Now: now,
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			if req.AuthorizationToken != "good" {
				return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
			}
			return events.APIGatewayCustomAuthorizerResponse{
				PrincipalID: "user-1",
				PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
					{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"*"}},
				}},
			}, nil
		},
	})
}

// petsPlans are a throttled plan (alice: burst 1) and a capped one (bob:
// one request a day) on pets/prod.
func petsPlans(t testing.TB, now func() time.Time) *usageplan.Registry {
	t.Helper()
	plans := usageplan.MustNew(usageplan.Config{Now: now, AccountThrottle: &usageplan.Throttle{Rate: usageplan.Unlimited}})
	prod := []usageplan.APIStage{{APIID: "pets", Stage: "prod"}}
	for _, p := range []usageplan.Plan{
		{ID: "basic", Throttle: &usageplan.Throttle{Rate: 1, Burst: 1}, Stages: prod},
		{ID: "capped", Quota: &usageplan.Quota{Limit: 1, Period: usageplan.Day}, Stages: prod},
	} {
		if err := plans.AddPlan(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []struct{ id, value, plan string }{
		{"alice", "alice-key-00000000000001", "basic"},
		{"bob", "bob-key-000000000000001", "capped"},
	} {
		if _, err := plans.AddKey(usageplan.APIKey{ID: k.id, Name: k.id, Value: k.value}, k.plan); err != nil {
			t.Fatal(err)
		}
	}
	return plans
}

// petsGateway is the pets API on stage prod with detailed metrics: a cached
// and authorized GET /pets/{id}, a failing GET /fail, and GET /limited
// behind API keys, those two not cached.
func petsGateway(t testing.TB, mon gateway.Observer, clk *testkit.Clock, plans *usageplan.Registry, opts ...gateway.Option) *gateway.Gateway {
	t.Helper()
	on, off := true, false
	base := []gateway.Option{
		gateway.WithObserver(mon), gateway.WithAPIID("pets"), gateway.WithClock(clk.Now),
		gateway.WithStage(stage.Stage{Name: "prod", Settings: stage.MethodSettings{MetricsEnabled: &on},
			MethodSettings: map[string]stage.MethodSettings{"/fail/GET": {CachingEnabled: &off}, "/limited/GET": {CachingEnabled: &off}}}),
		gateway.WithCache(cache.Config{TTL: time.Minute}),
		gateway.WithUsagePlans(plans),
		gateway.WithAuthorizer("tok", allowToken(clk.Now)),
		gateway.Route("GET /pets/{id}", gateway.Method{Authorizer: "tok", Integration: gateway.Handler(okBackend)}),
		gateway.Route("GET /fail", gateway.Method{Integration: gateway.Handler(failBackend)}),
		gateway.Route("GET /limited", gateway.Method{APIKeyRequired: true, Integration: gateway.Handler(okBackend)}),
	}
	return mustGateway(t, append(base, opts...)...)
}

// TestMetrics sends a known mix of requests (200, 4XX, 5XX, cache hits and
// misses, authorizer cache hits and misses, throttled and over quota) and
// reads exact counts with CloudWatch's names and dimensions.
func TestMetrics(t *testing.T) {
	tel := newTelemetry(t)
	clk := newClock()
	plans := petsPlans(t, clk.Now)
	mon := tel.monitor(t, monitor.Config{UsagePlans: plans, TracerProvider: noTracing})
	gw := petsGateway(t, mon, clk, plans)
	mon.Watch(gw)
	shop := mustGateway(t, gateway.WithObserver(mon), gateway.WithAPIID("shop"),
		gateway.Route("GET /items", gateway.Method{Integration: gateway.Handler(okBackend)}))

	for i, tc := range []struct {
		target string
		header []string
		want   int
	}{
		{"/pets/1", []string{"Authorization", "good"}, 200}, // cache miss, authorizer miss
		{"/pets/1", []string{"Authorization", "good"}, 200}, // cache hit, authorizer hit
		{"/pets/2", []string{"Authorization", "good"}, 200}, // cache miss, authorizer hit
		{"/pets/3", nil, 401},                               // no token: authorizer miss
		{"/fail", nil, 500},                                 // the backend's 500
		{"/nowhere", nil, 403},                              // no route
		{"/limited", []string{"x-api-key", "alice-key-00000000000001"}, 200},
		{"/limited", []string{"x-api-key", "alice-key-00000000000001"}, 429}, // throttled
		{"/limited", []string{"x-api-key", "bob-key-000000000000001"}, 200},
		{"/limited", []string{"x-api-key", "bob-key-000000000000001"}, 429}, // over quota
		{"/limited", nil, 403},                                              // no key
	} {
		if rec := send(t, gw, "GET", tc.target, tc.header...); rec.Code != tc.want {
			t.Fatalf("request %d %s: %d %s, want %d", i, tc.target, rec.Code, rec.Body, tc.want)
		}
	}
	send(t, shop, "GET", "/items")
	send(t, shop, "GET", "/items")

	const (
		pets    = "ApiName=pets,Method=GET,Resource=/pets/{id},Stage=prod"
		fail    = "ApiName=pets,Method=GET,Resource=/fail,Stage=prod"
		limited = "ApiName=pets,Method=GET,Resource=/limited,Stage=prod"
		stageOf = "ApiName=pets,Stage=prod" // the request no route took
		shopAPI = "ApiName=shop,Stage=default"
		auth    = "ApiName=pets,Authorizer=tok,Stage=prod"
	)
	for _, tc := range []struct {
		metric string
		want   map[string]float64
	}{
		{"Count", map[string]float64{pets: 4, fail: 1, limited: 5, stageOf: 1, shopAPI: 2}},
		{"4XXError", map[string]float64{pets: 1, fail: 0, limited: 3, stageOf: 1, shopAPI: 0}},
		{"5XXError", map[string]float64{pets: 0, fail: 1, limited: 0, stageOf: 0, shopAPI: 0}},
		{"Latency", map[string]float64{pets: 4, fail: 1, limited: 5, stageOf: 1, shopAPI: 2}},
		{"IntegrationLatency", map[string]float64{pets: 2, fail: 1, limited: 2, shopAPI: 2}},
		{"CacheHitCount", map[string]float64{pets: 1}},
		{"CacheMissCount", map[string]float64{pets: 2}},
		{"AuthorizerLatency", map[string]float64{auth: 4}},
		{"AuthorizerCacheHitCount", map[string]float64{auth: 2}},
		{"AuthorizerCacheMissCount", map[string]float64{auth: 2}},
		{"ThrottleCount", map[string]float64{"UsagePlan=basic": 1, "UsagePlan=capped": 0}},
		{"QuotaExceededCount", map[string]float64{"UsagePlan=basic": 0, "UsagePlan=capped": 1}},
		{"UsagePlanStoreErrors", map[string]float64{"": 0}},
		{"UsagePlanFailOpenCount", map[string]float64{"": 0}},
		{"CacheStoreErrors", map[string]float64{"ApiName=pets": 0}},
		{"CacheEntries", map[string]float64{"ApiName=pets": 2}},
	} {
		if got := tel.points(t, tc.metric); !maps.Equal(got, tc.want) {
			t.Errorf("%s = %v\n want %v", tc.metric, got, tc.want)
		}
	}
	if got := tel.points(t, "CacheBytes")["ApiName=pets"]; got <= 0 {
		t.Errorf("CacheBytes = %v", got)
	}
}

// TestDetailedMetricsOff: without the stage's detailed metrics, a route's
// requests count by API and stage only; a method setting turns them on for
// one method.
func TestDetailedMetricsOff(t *testing.T) {
	tel := newTelemetry(t)
	mon := tel.monitor(t, monitor.Config{TracerProvider: noTracing})
	on := true
	gw := mustGateway(t, gateway.WithObserver(mon), gateway.WithAPIID("shop"),
		gateway.WithStage(stage.Stage{Name: "beta", MethodSettings: map[string]stage.MethodSettings{"/orders/POST": {MetricsEnabled: &on}}}),
		gateway.Route("GET /items/{id}", gateway.Method{Integration: gateway.Handler(okBackend)}),
		gateway.Route("POST /orders", gateway.Method{Integration: gateway.Handler(okBackend)}))
	send(t, gw, "GET", "/items/1")
	send(t, gw, "GET", "/items/2")
	send(t, gw, "POST", "/orders")
	want := map[string]float64{"ApiName=shop,Stage=beta": 2, "ApiName=shop,Method=POST,Resource=/orders,Stage=beta": 1}
	if got := tel.points(t, "Count"); !maps.Equal(got, want) {
		t.Errorf("Count = %v, want %v", got, want)
	}
}

// TestHTTPAPIMetrics: an HTTP API's metrics carry ApiId and Stage, and
// with detailed metrics its Route (the route key); its errors are
// CloudWatch's 4xx and 5xx.
func TestHTTPAPIMetrics(t *testing.T) {
	tel := newTelemetry(t)
	mon := tel.monitor(t, monitor.Config{TracerProvider: noTracing})
	on := true
	gw := mustGateway(t, gateway.WithHTTPAPI(), gateway.WithObserver(mon), gateway.WithAPIID("h1"),
		gateway.WithStage(stage.Stage{Name: stage.Default, MethodSettings: map[string]stage.MethodSettings{"GET /items/{id}": {MetricsEnabled: &on}}}),
		gateway.Route("GET /items/{id}", gateway.Method{Integration: gateway.Handler(okBackend)}),
		gateway.Route("POST /items", gateway.Method{Integration: gateway.Handler(failBackend)}))
	send(t, gw, "GET", "/items/1")
	send(t, gw, "POST", "/items")
	send(t, gw, "GET", "/nothing")
	const (
		route = "ApiId=h1,Route=GET /items/{id},Stage=$default"
		api   = "ApiId=h1,Stage=$default"
	)
	for _, tc := range []struct {
		metric string
		want   map[string]float64
	}{
		{"Count", map[string]float64{route: 1, api: 2}},
		{"4xx", map[string]float64{route: 0, api: 1}},
		{"5xx", map[string]float64{route: 0, api: 1}},
		{"4XXError", map[string]float64{}},
	} {
		if got := tel.points(t, tc.metric); !maps.Equal(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.metric, got, tc.want)
		}
	}
}
