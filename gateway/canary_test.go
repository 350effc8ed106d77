package gateway

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apigw/apigw/internal/testkit"
	"github.com/apigw/apigw/stage"
	"github.com/aws/aws-lambda-go/events"
)

// versionFn is a Lambda-style function that answers its version.
func versionFn(v string) func(events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return func(events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"version":"` + v + `"}`}, nil
	}
}

func helloRoute() DeploymentOption {
	return Route("GET /hello", Method{Integration: Lambda(Aliases{
		Selector:  "${stageVariables.ver}",
		Functions: map[string]any{"prod": versionFn("prod"), "beta": versionFn("beta")},
	})})
}

// seeded is a deterministic source for the canary draw, safe for use by
// several goroutines.
func seeded(seed uint64) func() float64 {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return r.Float64()
	}
}

// binomialBound is the half-width of the 99.9 % interval of a binomial count.
func binomialBound(n int, p float64) float64 { return 3.29 * math.Sqrt(float64(n)*p*(1-p)) }

// drawCanary counts how many of n requests made by req the stage's canary
// draw sends to the canary: the draw where it is made, without the
// pipeline around it (TestCanaryEndToEnd covers that).
func drawCanary(t *testing.T, gw *Gateway, stageName string, n int, req func(i int) *http.Request) int {
	t.Helper()
	sr := gw.state.Load().stages[stageName]
	if sr == nil {
		t.Fatalf("no stage %q", stageName)
	}
	canary := 0
	for i := range n {
		if sr.pick(req(i), gw.cfg.random).canary {
			canary++
		}
	}
	return canary
}

func TestCanaryShare(t *testing.T) {
	t.Parallel()
	for _, percent := range []float64{10, 30, 50} {
		t.Run(fmt.Sprint(percent), func(t *testing.T) {
			gw := mustNew(t,
				WithRandom(seeded(uint64(percent))),
				WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "prod"},
					Canary: &stage.Canary{Percent: percent, Variables: map[string]string{"ver": "beta"}}}),
				helloRoute(),
			)
			const n = 10000
			r := httptest.NewRequest("GET", "/hello", nil)
			beta := drawCanary(t, gw, "prod", n, func(int) *http.Request { return r })
			want := n * percent / 100
			if d := math.Abs(float64(beta) - want); d > binomialBound(n, percent/100) {
				t.Errorf("%d of %d on the canary, want %.0f ± %.0f", beta, n, want, binomialBound(n, percent/100))
			}
		})
	}
}

// TestCanaryEndToEnd: the draw's side serves the request, with its
// variables, at 0 %, 100 % and in between.
func TestCanaryEndToEnd(t *testing.T) {
	t.Parallel()
	for percent, want := range map[float64]string{0: "prod", 100: "beta"} {
		gw := mustNew(t,
			WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "prod"},
				Canary: &stage.Canary{Percent: percent, Variables: map[string]string{"ver": "beta"}}}),
			helloRoute(),
		)
		for range 20 {
			if got := do(t, gw, "GET", "/hello", "").Body.String(); got != `{"version":"`+want+`"}` {
				t.Fatalf("%v %%: %s", percent, got)
			}
		}
	}
	gw := mustNew(t, WithRandom(seeded(3)),
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "prod"},
			Canary: &stage.Canary{Percent: 50, Variables: map[string]string{"ver": "beta"}}}),
		helloRoute(),
	)
	sides := map[string]int{}
	for range 200 {
		sides[do(t, gw, "GET", "/hello", "").Body.String()]++
	}
	if len(sides) != 2 {
		t.Errorf("50 %%: %v", sides)
	}
}

func TestCanaryContext(t *testing.T) {
	gw := mustNew(t,
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "prod", "keep": "yes"},
			Canary: &stage.Canary{Percent: 100, Variables: map[string]string{"ver": "beta"}}}),
		Route("GET /e", Method{Integration: Handler(echo)}),
	)
	got := decode(t, do(t, gw, "GET", "/e", ""))
	vars := got["vars"].(map[string]any)
	if got["canary"] != true || vars["ver"] != "beta" || vars["keep"] != "yes" {
		t.Errorf("canary request saw %v", got)
	}
}

func TestStickyCanary(t *testing.T) {
	t.Parallel()
	gw := mustNew(t,
		WithRandom(seeded(7)),
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "prod"},
			Canary: &stage.Canary{Percent: 10, Variables: map[string]string{"ver": "beta"}, Sticky: &stage.Sticky{Header: "X-Client"}}}),
		helloRoute(),
	)
	const clients, each = 1000, 20
	client := func(i int) *http.Request {
		r := httptest.NewRequest("GET", "/hello", nil)
		r.Header.Set("X-Client", fmt.Sprintf("client-%d", i))
		return r
	}
	onCanary := 0
	for i := range clients {
		r := client(i)
		n := drawCanary(t, gw, "prod", each, func(int) *http.Request { return r })
		if n != 0 && n != each {
			t.Fatalf("client %d saw both sides: %d of %d on the canary", i, n, each)
		}
		if n == each {
			onCanary++
		}
	}
	if d := math.Abs(float64(onCanary) - clients*0.1); d > binomialBound(clients, 0.1) {
		t.Errorf("%d of %d clients on the canary, want 100 ± %.0f", onCanary, clients, binomialBound(clients, 0.1))
	}
	// Through the pipeline: one client stays on its side.
	first := do(t, gw, "GET", "/hello", "", "X-Client", "client-1").Body.String()
	for range 20 {
		if got := do(t, gw, "GET", "/hello", "", "X-Client", "client-1").Body.String(); got != first {
			t.Fatalf("client-1 moved from %s to %s", first, got)
		}
	}
}

func TestStickyByCookieAndAPIKey(t *testing.T) {
	for _, tc := range []struct {
		sticky stage.Sticky
		header []string
	}{
		{stage.Sticky{Cookie: "uid"}, []string{"Cookie", "uid=abc; other=1"}},
		{stage.Sticky{APIKey: true}, []string{"X-Api-Key", "key-123"}},
	} {
		gw := mustNew(t,
			WithRandom(seeded(1)),
			WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "prod"},
				Canary: &stage.Canary{Percent: 50, Variables: map[string]string{"ver": "beta"}, Sticky: &tc.sticky}}),
			helloRoute(),
		)
		first := do(t, gw, "GET", "/hello", "", tc.header...).Body.String()
		for range 50 {
			if got := do(t, gw, "GET", "/hello", "", tc.header...).Body.String(); got != first {
				t.Fatalf("%+v: the client moved from %s to %s", tc.sticky, first, got)
			}
		}
	}
}

// TestCanaryLifecycle is the seed's story: 10 %, then 50 %, then promote,
// then delete, each while requests are in flight, none failing.
func TestCanaryLifecycle(t *testing.T) {
	t.Parallel()
	gw := mustNew(t,
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "prod"}}),
		helloRoute(),
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed, served atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rec := httptest.NewRecorder()
				gw.ServeHTTP(rec, httptest.NewRequest("GET", "/hello", nil))
				if rec.Code != http.StatusOK {
					failed.Add(1)
				}
				served.Add(1)
			}
		}()
	}
	r := httptest.NewRequest("GET", "/hello", nil)
	share := func() float64 {
		// Requests keep flowing through each change.
		n := served.Load()
		testkit.WaitFor(t, "requests in flight", func() bool { return served.Load() >= n+200 })
		return float64(drawCanary(t, gw, "prod", 2000, func(int) *http.Request { return r })) / 20
	}
	if err := gw.SetCanary("prod", &stage.Canary{Percent: 10, Variables: map[string]string{"ver": "beta"}}); err != nil {
		t.Fatal(err)
	}
	if s := share(); s < 5 || s > 15 {
		t.Errorf("at 10 %%: %.1f %% on the canary", s)
	}
	if err := gw.SetCanaryPercent("prod", 50); err != nil {
		t.Fatal(err)
	}
	if s := share(); s < 42 || s > 58 {
		t.Errorf("at 50 %%: %.1f %% on the canary", s)
	}
	if err := gw.PromoteCanary("prod"); err != nil {
		t.Fatal(err)
	}
	if s := share(); s != 0 {
		t.Errorf("after promotion: %.1f %% on the canary, want 0", s)
	}
	if got := do(t, gw, "GET", "/hello", "").Body.String(); got != `{"version":"beta"}` {
		t.Errorf("after promotion the stage answers %s", got)
	}
	st := gw.Stages()[0]
	if st.Variables["ver"] != "beta" || st.Canary == nil || st.Canary.Percent != 0 {
		t.Errorf("promoted stage = %+v (canary %+v)", st, st.Canary)
	}
	if err := gw.DeleteCanary("prod"); err != nil {
		t.Fatal(err)
	}
	if gw.Stages()[0].Canary != nil {
		t.Error("canary not deleted")
	}
	close(stop)
	wg.Wait()
	if failed.Load() > 0 {
		t.Errorf("%d requests failed during the canary's changes", failed.Load())
	}
	if err := gw.SetCanaryPercent("prod", 10); err == nil {
		t.Error("SetCanaryPercent without a canary succeeded")
	}
	if err := gw.SetCanary("nope", &stage.Canary{}); err == nil {
		t.Error("SetCanary on an unknown stage succeeded")
	}
	if err := gw.SetCanary("prod", &stage.Canary{Percent: 101}); err == nil {
		t.Error("a bad canary was accepted")
	}
}

// TestCanaryDeployment sends the canary's share to another deployment.
func TestCanaryDeployment(t *testing.T) {
	gw := mustNew(t,
		WithStage(stage.Stage{Name: "prod"}),
		Route("GET /v", Method{Integration: Mock(200, `v1`)}),
	)
	id, err := gw.CreateDeployment(Route("GET /v", Method{Integration: Mock(200, `v2`)}))
	if err != nil {
		t.Fatal(err)
	}
	if got := do(t, gw, "GET", "/v", "").Body.String(); got != "v1" {
		t.Fatalf("CreateDeployment moved the stage: %s", got)
	}
	if err := gw.SetCanary("prod", &stage.Canary{Percent: 100, DeploymentID: id}); err != nil {
		t.Fatal(err)
	}
	if got := do(t, gw, "GET", "/v", "").Body.String(); got != "v2" {
		t.Errorf("canary at 100 %% answered %s", got)
	}
	if err := gw.PromoteCanary("prod"); err != nil {
		t.Fatal(err)
	}
	if err := gw.DeleteCanary("prod"); err != nil {
		t.Fatal(err)
	}
	if got := do(t, gw, "GET", "/v", "").Body.String(); got != "v2" {
		t.Errorf("after promotion the stage answered %s", got)
	}
	if gw.Stages()[0].DeploymentID != id {
		t.Errorf("stage deployment = %s, want %s", gw.Stages()[0].DeploymentID, id)
	}
	// A pinned stage stays where it is when a new deployment is made.
	if _, err := gw.Deploy(Route("GET /v", Method{Integration: Mock(200, `v3`)})); err != nil {
		t.Fatal(err)
	}
	if got := do(t, gw, "GET", "/v", "").Body.String(); got != "v2" {
		t.Errorf("a pinned stage moved to %s", got)
	}
	if err := gw.SetStageDeployment("prod", ""); err != nil {
		t.Fatal(err)
	}
	if got := do(t, gw, "GET", "/v", "").Body.String(); got != "v3" {
		t.Errorf("following the latest: %s", got)
	}
	if err := gw.SetStageDeployment("prod", "nope"); err == nil {
		t.Error("an unknown deployment was accepted")
	}
}

// BenchmarkStageResolve is the entry's share: finding the stage and drawing
// the canary side.
func BenchmarkStageResolve(b *testing.B) {
	for _, tc := range []struct {
		name   string
		stages []stage.Stage
		path   string
		header string
	}{
		{"single", []stage.Stage{{Name: "prod"}}, "/hello", ""},
		{"prefixed", []stage.Stage{{Name: "prod"}, {Name: "beta"}}, "/prod/hello", ""},
		{"canary", []stage.Stage{{Name: "prod", Canary: &stage.Canary{Percent: 10}}}, "/hello", ""},
		{"sticky", []stage.Stage{{Name: "prod", Canary: &stage.Canary{Percent: 10, Sticky: &stage.Sticky{Header: "X-Client"}}}}, "/hello", "client-42"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			opts := []Option{Route("GET /hello", Method{Integration: Mock(200, "")})}
			for _, s := range tc.stages {
				opts = append(opts, WithStage(s))
			}
			gw := mustNew(b, opts...)
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.header != "" {
				req.Header.Set("X-Client", tc.header)
			}
			st := gw.state.Load()
			random := gw.cfg.random
			b.ReportAllocs()
			for b.Loop() {
				sr, _ := st.resolve(req.URL.Path)
				if sr.pick(req, random) == nil {
					b.Fatal("no binding")
				}
			}
		})
	}
}

func TestStageResolveAllocs(t *testing.T) {
	gw := mustNew(t, WithStage(stage.Stage{Name: "prod", Canary: &stage.Canary{Percent: 10, Sticky: &stage.Sticky{Header: "X-Client"}}}),
		WithStage(stage.Stage{Name: "beta"}), Route("GET /hello", Method{Integration: Mock(200, "")}))
	req := httptest.NewRequest("GET", "/prod/hello", nil)
	req.Header.Set("X-Client", "c")
	st := gw.state.Load()
	if n := testing.AllocsPerRun(100, func() {
		sr, _ := st.resolve(req.URL.Path)
		sr.pick(req, gw.cfg.random)
	}); n > 0 {
		t.Errorf("stage resolution allocates %.0f times per request", n)
	}
}

// TestDeleteDeployment: a deployment no stage or canary serves can be
// deleted; one in use, or the latest, cannot; and the history keeps at most
// MaxDeployments, dropping the oldest unused ones.
func TestDeleteDeployment(t *testing.T) {
	vars := map[string]string{"ver": "prod"}
	gw := mustNew(t, WithStage(stage.Stage{Name: "prod", Variables: vars}), WithStage(stage.Stage{Name: "test", Variables: vars}), helloRoute())
	first := gw.Deployments()[0]
	second, err := gw.Deploy(helloRoute())
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.SetStageDeployment("test", first); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{first: "served by stage test", second: "latest", "nope": "no such deployment"} {
		if err := gw.DeleteDeployment(id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DeleteDeployment(%s) = %v, want %q", id, err, want)
		}
	}
	if err := gw.SetCanary("prod", &stage.Canary{DeploymentID: first, Percent: 10}); err != nil {
		t.Fatal(err)
	}
	if err := gw.SetStageDeployment("test", ""); err != nil {
		t.Fatal(err)
	}
	if err := gw.DeleteDeployment(first); err == nil || !strings.Contains(err.Error(), "the canary of stage prod") {
		t.Errorf("a canary's deployment: %v", err)
	}
	if err := gw.DeleteCanary("prod"); err != nil {
		t.Fatal(err)
	}
	if err := gw.DeleteDeployment(first); err != nil {
		t.Errorf("an unused deployment: %v", err)
	}
	if slices.Contains(gw.Deployments(), first) {
		t.Error("a deleted deployment is listed")
	}

	// The history is bounded; the deployments in use survive.
	if err := gw.SetStageDeployment("test", second); err != nil {
		t.Fatal(err)
	}
	for range 3 * MaxDeployments {
		if _, err := gw.Deploy(helloRoute()); err != nil {
			t.Fatal(err)
		}
	}
	deps := gw.Deployments()
	if len(deps) != MaxDeployments || !slices.Contains(deps, second) {
		t.Errorf("%d deployments kept (want %d), the pinned one kept: %v", len(deps), MaxDeployments, slices.Contains(deps, second))
	}
	if rec := do(t, gw, "GET", "/test/hello", ""); rec.Code != 200 {
		t.Errorf("the pinned stage: %d", rec.Code)
	}
}
