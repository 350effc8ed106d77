package gateway

import (
	"context"
	"fmt"
	"github.com/aws/aws-lambda-go/events"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

// Attacks on the stage cache and the usage plans that held, kept as
// regression tests.

// TestAtkCacheAnswerIsTheBackends: whatever the spelling of the query and
// the key header, a cached answer is the one the (Go) backend would have
// given for the request: parameters in another case, repeated, reordered,
// empty, '+' and %20, the key header in odd case and twice.
func TestAtkCacheAnswerIsTheBackends(t *testing.T) {
	view := func(r *http.Request) string {
		return fmt.Sprintf("lang=%q accept=%q", r.URL.Query()["lang"], r.Header["Accept"])
	}
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, view(r)) })
	gw := mustNew(t,
		WithCache(cache.Config{}),
		WithStage(stage.Stage{Name: "prod"}),
		Route("GET /greet", Method{Integration: Handler(backend),
			Cache: &CacheSettings{KeyParameters: []string{"method.request.querystring.lang", "method.request.header.accept"}}}),
	)
	reqs := []struct {
		target string
		header []string
	}{
		{"/greet?lang=en", nil},
		{"/greet?LANG=fr", nil},
		{"/greet", nil},
		{"/greet?lang=en&lang=fr", nil},
		{"/greet?lang=fr&lang=en", nil},
		{"/greet?lang=fr", nil},
		{"/greet?lang=", nil},
		{"/greet?lang", nil},
		{"/greet?lang=a+b", nil},
		{"/greet?lang=a%20b", nil},
		{"/greet?lang=a%2Bb", nil},
		{"/greet?x=1&lang=en", nil},
		{"/greet?lang=en", []string{"accept", "text/html"}},
		{"/greet?lang=en", []string{"ACCEPT", "text/html", "Accept", "x/y"}},
		{"/greet?lang=en", []string{"Accept", "text/html,x/y"}},
		{"/greet?lang=en", []string{"Accept", ""}},
	}
	for round := range 2 {
		for _, rq := range reqs {
			req, _ := http.NewRequest("GET", rq.target, nil)
			for i := 0; i+1 < len(rq.header); i += 2 {
				req.Header.Add(rq.header[i], rq.header[i+1])
			}
			want := view(req)
			rec := do(t, gw, "GET", rq.target, "", rq.header...)
			if got := rec.Body.String(); got != want {
				t.Errorf("round %d %s %v: served %s, the backend's answer is %s", round, rq.target, rq.header, got, want)
			}
		}
	}
}

// TestAtkCacheAuthorizerBeforeCache: an answer cached for an allowed caller
// never reaches a caller the authorizer refuses.
func TestAtkCacheAuthorizerBeforeCache(t *testing.T) {
	var calls atomic.Int32
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "secret %d", calls.Add(1)) })
	gw := mustNew(t,
		WithCache(cache.Config{XCache: true}),
		WithStage(stage.Stage{Name: "prod"}),
		WithAuthorizer("sample", authorizer.MustNewToken(authorizer.TokenConfig{Func: sampleTokenFunc, TTL: authorizer.NoCache, Logger: discardLogger()})),
		Route("GET /s", Method{Integration: Handler(backend), Authorizer: "sample"}),
	)
	defer gw.Close()
	if rec := do(t, gw, "GET", "/s", "", "Authorization", "allow"); rec.Code != 200 {
		t.Fatalf("allow: %d", rec.Code)
	}
	if rec := do(t, gw, "GET", "/s", "", "Authorization", "allow"); rec.Header().Get("X-Cache") != "Hit" {
		t.Fatalf("not cached")
	}
	for _, h := range [][]string{nil, {"Authorization", "deny"}, {"Authorization", "nope"}, {"Authorization", ""}, {"Authorization", "deny", "Authorization", "allow"}} {
		if rec := do(t, gw, "GET", "/s", "", h...); rec.Code < 400 || strings.Contains(rec.Body.String(), "secret") {
			t.Errorf("%v: %d %s", h, rec.Code, rec.Body)
		}
	}
}

// TestAtkCacheInvalidationDenied: with the default cache configuration
// (nobody may invalidate), no spelling of Cache-Control or Pragma gets a
// fresh answer; with FailWith403, max-age=0 in odd case is refused.
func TestAtkCacheInvalidationDenied(t *testing.T) {
	var calls atomic.Int32
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "%d", calls.Add(1)) })
	for _, strategy := range []cache.Strategy{"", cache.FailWith403} {
		gw := mustNew(t,
			WithCache(cache.Config{UnauthorizedStrategy: strategy}),
			WithStage(stage.Stage{Name: "prod"}),
			Route("GET /x", Method{Integration: Handler(backend)}),
		)
		first := do(t, gw, "GET", "/x", "").Body.String()
		for _, h := range [][]string{
			{"Cache-Control", "max-age=0"}, {"cache-control", "MAX-AGE=0"}, {"Cache-Control", "no-cache"},
			{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}, {"Cache-Control", "x", "Cache-Control", "max-age=0"},
			{"Cache-Control", `max-age="0"`}, {"Cache-Control", " max-age = 00 , x"},
		} {
			rec := do(t, gw, "GET", "/x", "", h...)
			if rec.Code == 200 && rec.Body.String() != first {
				t.Errorf("strategy %q %v: refreshed by a caller who may not (%s, first %s)", strategy, h, rec.Body, first)
			}
		}
	}
}

// TestAtkCacheRefusalsNotStored: 4xx and 5xx answers and answers that set
// a cookie (canonically) are never served to another caller.
func TestAtkCacheRefusalsNotStored(t *testing.T) {
	var calls atomic.Int32
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch r.URL.Path {
		case "/err":
			if n%2 == 1 {
				w.WriteHeader([]int{400, 403, 404, 500, 503}[int(n/2)%5])
			}
		case "/cookie":
			http.SetCookie(w, &http.Cookie{Name: "s", Value: fmt.Sprint(n)})
		}
		fmt.Fprintf(w, "%d", n)
	})
	gw := mustNew(t,
		WithCache(cache.Config{XCache: true}),
		WithStage(stage.Stage{Name: "prod"}),
		Route("GET /err", Method{Integration: Handler(backend)}),
		Route("GET /cookie", Method{Integration: Handler(backend)}),
	)
	for i := 0; i < 5; i++ {
		a := do(t, gw, "GET", "/err", "")
		b := do(t, gw, "GET", "/err", "")
		if b.Header().Get("X-Cache") == "Hit" && b.Code >= 400 || a.Code >= 400 && b.Code == a.Code {
			t.Errorf("error %d served from cache: %d %s", a.Code, b.Code, b.Body)
		}
		do(t, gw, "GET", "/err", "") // realign: the 200 got cached
		gw.FlushCache(t.Context(), "prod")
	}
	do(t, gw, "GET", "/cookie", "")
	if rec := do(t, gw, "GET", "/cookie", ""); rec.Header().Get("X-Cache") == "Hit" {
		t.Errorf("Set-Cookie answer served from cache")
	}
}

func atkPlans(t *testing.T, now *time.Time, limit int64) (*usageplan.Registry, usageplan.APIKey, usageplan.APIKey, usageplan.APIKey) {
	t.Helper()
	plans := usageplan.MustNew(usageplan.Config{Now: func() time.Time { return *now }})
	if err := plans.AddPlan(usageplan.Plan{ID: "p", Quota: &usageplan.Quota{Limit: limit, Period: usageplan.Day},
		Stages: []usageplan.APIStage{{APIID: "pets", Stage: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	if err := plans.AddPlan(usageplan.Plan{ID: "other", Stages: []usageplan.APIStage{{APIID: "pets", Stage: "dev"}}}); err != nil {
		t.Fatal(err)
	}
	good, err := plans.AddKey(usageplan.APIKey{ID: "good", Value: "atk-good-key-0000000000001"}, "p")
	if err != nil {
		t.Fatal(err)
	}
	off, err := plans.AddKey(usageplan.APIKey{ID: "off", Value: "atk-off-key-00000000000001", Disabled: true}, "p")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := plans.AddKey(usageplan.APIKey{ID: "dev", Value: "atk-dev-key-00000000000001"}, "other")
	if err != nil {
		t.Fatal(err)
	}
	return plans, good, off, dev
}

// TestAtkCacheAPIKeyPlaces: the key is read from the x-api-key header in
// any case and nowhere else; disabled keys and keys of a plan for another
// stage are refused; the authorizer's usage identifier key does not count
// when the source is the header; a cached answer still needs a key.
func TestAtkCacheAPIKeyPlaces(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	plans, good, off, dev := atkPlans(t, &now, 1000)
	gw := mustNew(t,
		WithAPIID("pets"), WithClock(func() time.Time { return now }), WithUsagePlans(plans),
		WithCache(cache.Config{}),
		WithStage(stage.Stage{Name: "prod"}),
		WithAuthorizer("sample", authorizer.MustNewToken(authorizer.TokenConfig{Func: func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			resp, err := sampleTokenFunc(ctx, req)
			resp.UsageIdentifierKey = good.Value
			return resp, err
		}, TTL: authorizer.NoCache, Logger: discardLogger()})),
		Route("GET /k", Method{APIKeyRequired: true, Integration: Mock(200, `{"ok":true}`)}),
		Route("GET /ka", Method{APIKeyRequired: true, Authorizer: "sample", Integration: Mock(200, `{"ok":true}`)}),
	)
	defer gw.Close()
	if rec := do(t, gw, "GET", "/k", "", "X-API-KEY", good.Value); rec.Code != 200 {
		t.Fatalf("good key: %d", rec.Code)
	}
	for _, tc := range []struct {
		target string
		header []string
	}{
		{"/k", nil},
		{"/k?x-api-key=" + good.Value, nil},
		{"/k?X-API-Key=" + good.Value, nil},
		{"/k", []string{"x_api_key", good.Value}},
		{"/k", []string{"Authorization", good.Value}},
		{"/k", []string{"x-api-key", off.Value}},
		{"/k", []string{"x-api-key", dev.Value}},
		{"/k", []string{"x-api-key", strings.ToUpper(good.Value)}},
		{"/k", []string{"x-api-key", good.Value + " "}},
		{"/k", []string{"x-api-key", "", "x-api-key", good.Value}},
		{"/ka", []string{"Authorization", "allow"}}, // the authorizer's key, source HEADER
	} {
		if rec := do(t, gw, "GET", tc.target, "", tc.header...); rec.Code != 403 {
			t.Errorf("%s %v: %d %s, want 403", tc.target, tc.header, rec.Code, rec.Body)
		}
	}
	// Note: x-api-key sent twice, a valid key first, is served (the first
	// value is read); which one AWS reads is not documented.
	if rec := do(t, gw, "GET", "/k", "", "x-api-key", good.Value, "x-api-key", "junk-junk-junk-junk-junk"); rec.Code != 200 {
		t.Logf("x-api-key twice, valid first: %d", rec.Code)
	}
}

// TestAtkCacheQuotaExact: a quota of 5 admits exactly 5 of 60 concurrent
// requests, whatever the spelling of the path, the method's cache, or HEAD.
func TestAtkCacheQuotaExact(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	plans, good, _, _ := atkPlans(t, &now, 5)
	var calls atomic.Int32
	gw := mustNew(t,
		WithAPIID("pets"), WithClock(func() time.Time { return now }), WithUsagePlans(plans),
		WithCache(cache.Config{}),
		WithStage(stage.Stage{Name: "prod", Canary: &stage.Canary{Percent: 50}}),
		WithCORS(cors.Config{AllowOrigins: []string{"https://a.example"}}),
		Route("ANY /pets/{id}", Method{APIKeyRequired: true, Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
		}))}),
	)
	paths := []string{"/pets/1", "/pets//1/", "/pets/%31", "/pets/./1", "/pets/2/../1", "/PETS/1"}
	methods := []string{"GET", "HEAD", "get", "POST"}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := do(t, gw, methods[i%len(methods)], paths[i%len(paths)], "", "x-api-key", good.Value)
			if rec.Code < 300 {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 5 {
		t.Errorf("a quota of 5 admitted %d requests (backend reached %d times)", ok.Load(), calls.Load())
	}
	t.Logf("admitted %d, backend reached %d", ok.Load(), calls.Load())
	// A preflight needs no key (answered by CORS before the plan); an
	// OPTIONS that is no preflight is not served without a key.
	if rec := do(t, gw, "OPTIONS", "/pets/1", "", "Origin", "https://a.example", "Access-Control-Request-Method", "GET"); rec.Code >= 300 {
		t.Errorf("preflight: %d", rec.Code)
	}
	before := calls.Load()
	if rec := do(t, gw, "OPTIONS", "/pets/1", ""); rec.Code < 300 || calls.Load() != before {
		t.Errorf("OPTIONS without key: %d, backend reached %d", rec.Code, calls.Load()-before)
	}
}
