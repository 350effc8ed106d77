package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/stage"
)

// recorder is an Observer that writes down what it is told.
type recorder struct {
	mu       sync.Mutex
	built    []PhaseInfo
	events   []string // per request, in order
	done     []apigw.Context
	wrapped  bool
	ctxValue string
}

type obsKey struct{}

func (o *recorder) Request(ctx context.Context, r *http.Request, c *apigw.Context) context.Context {
	o.log("request " + c.HTTPMethod + " " + c.ResourcePath)
	return context.WithValue(ctx, obsKey{}, "mine")
}

func (o *recorder) Phase(p PhaseInfo, mw func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	o.mu.Lock()
	o.built = append(o.built, p)
	o.mu.Unlock()
	return func(next http.Handler) http.Handler {
		inner := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o.log("next " + string(p.Phase))
			next.ServeHTTP(w, r)
		}))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o.log(string(p.Phase))
			inner.ServeHTTP(w, r)
		})
	}
}

func (o *recorder) Done(ctx context.Context, c *apigw.Context) {
	v, _ := ctx.Value(obsKey{}).(string)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ctxValue = v
	o.done = append(o.done, *c)
	o.events = append(o.events, "done")
}

func (o *recorder) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	o.wrapped = true
	return rt
}

func (o *recorder) log(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, s)
}

func (o *recorder) take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	ev := o.events
	o.events = nil
	return ev
}

// TestObserver: the observer sees each request routed, each phase in
// pipeline order (the integration inside its timeout, under the request's
// context), and the finished Context; its context reaches the backend.
func TestObserver(t *testing.T) {
	o := &recorder{}
	var seen string
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = r.Context().Value(obsKey{}).(string)
		if _, ok := r.Context().Deadline(); !ok {
			t.Error("the integration runs without its deadline")
		}
		_, _ = w.Write([]byte(`{"n":1}`))
	})
	gw := mustNew(t, WithObserver(o), WithStage(stage.Stage{Name: "prod"}), WithCache(cache.Config{TTL: time.Minute}),
		Route("GET /pets/{id}", Method{Integration: Handler(backend), Response: mapping.MustCompile(`{"m": input.json.n}`)}),
		Route("POST /pets", Method{Integration: Handler(backend)}))
	if !o.wrapped {
		t.Error("WrapTransport was not called")
	}
	var routes []string
	for _, p := range o.built {
		if p.Stage == nil || p.Stage.Name != "prod" || p.APIID != "apigw" || p.DeploymentID == "" {
			t.Fatalf("built %+v", p)
		}
		routes = append(routes, p.Method+" "+p.Resource+" "+string(p.Phase))
	}
	want := []string{
		"GET /pets/{id} cors", "GET /pets/{id} payload limit", "GET /pets/{id} validation", "GET /pets/{id} cache", "GET /pets/{id} mapping", "GET /pets/{id} integration",
		"POST /pets cors", "POST /pets payload limit", "POST /pets validation", "POST /pets integration",
	}
	if !slices.Equal(routes, want) {
		t.Errorf("phases built:\n%s\nwant\n%s", strings.Join(routes, "\n"), strings.Join(want, "\n"))
	}

	rec := do(t, gw, "GET", "/pets/1", "")
	if rec.Code != 200 || rec.Body.String() != `{"m":1}` {
		t.Fatalf("GET: %d %s", rec.Code, rec.Body)
	}
	if seen != "mine" || o.ctxValue != "mine" {
		t.Errorf("the observer's context: backend saw %q, Done saw %q", seen, o.ctxValue)
	}
	wantEvents := []string{"request GET /pets/{id}", "cors", "next cors", "payload limit", "next payload limit", "validation", "next validation",
		"cache", "next cache", "mapping", "next mapping", "integration", "done"}
	if got := o.take(); !slices.Equal(got, wantEvents) {
		t.Errorf("events\n%v\nwant\n%v", got, wantEvents)
	}
	// A cache hit: the cache phase answers, nothing after it runs.
	do(t, gw, "GET", "/pets/1", "")
	wantEvents = []string{"request GET /pets/{id}", "cors", "next cors", "payload limit", "next payload limit", "validation", "next validation", "cache", "done"}
	if got := o.take(); !slices.Equal(got, wantEvents) {
		t.Errorf("cache hit events\n%v\nwant\n%v", got, wantEvents)
	}
	// No route: the observer still sees the request and its end.
	do(t, gw, "GET", "/nothing", "")
	if got := o.take(); !slices.Equal(got, []string{"request GET ", "done"}) {
		t.Errorf("unrouted events %v", got)
	}
	last := o.done[len(o.done)-1]
	if last.Status != 403 || last.ResponseLatency < 0 || last.Stage != "prod" {
		t.Errorf("Done's Context: %+v", last)
	}
	first := o.done[0]
	if first.Status != 200 || first.IntegrationStatus != 200 || first.ResourcePath != "/pets/{id}" {
		t.Errorf("Done's Context: status %d, integration %d, resource %s", first.Status, first.IntegrationStatus, first.ResourcePath)
	}
}

// TestObserverRedeploy: every stage's routes are built again for the
// observer on Deploy, and a route that is only checked is not shown.
func TestObserverRedeploy(t *testing.T) {
	o := &recorder{}
	gw := mustNew(t, WithObserver(o), WithStage(stage.Stage{Name: "a"}), WithStage(stage.Stage{Name: "b"}),
		Route("GET /x", Method{Integration: Mock(200, "")}))
	if n := len(o.built); n != 8 { // 2 stages × (cors, limit, validation, integration)
		t.Fatalf("%d phases built, want 8", n)
	}
	if _, err := gw.Deploy(Route("GET /y", Method{Integration: Mock(200, "")})); err != nil {
		t.Fatal(err)
	}
	if n := len(o.built); n != 16 {
		t.Fatalf("%d phases built after Deploy, want 16", n)
	}
	for _, p := range o.built[8:] {
		if p.Resource != "/y" {
			t.Errorf("after Deploy: %+v", p)
		}
	}
}

// TestObserverAllocs: without an observer nothing changes (the budget of
// TestGatewayAllocs); with one that adds nothing, the hooks themselves cost
// no allocation.
func TestObserverAllocs(t *testing.T) {
	gw := mustNew(t, WithObserver(nopObserver{}), Route("GET /artists/{id}", Method{Integration: Handler(trivialBackend)}))
	plain := mustNew(t, Route("GET /artists/{id}", Method{Integration: Handler(trivialBackend)}))
	req := httptest.NewRequest("GET", "/artists/1234", nil)
	w := &discardWriter{h: http.Header{}}
	without := testing.AllocsPerRun(200, func() { w.reset(); plain.ServeHTTP(w, req) })
	with := testing.AllocsPerRun(200, func() { w.reset(); gw.ServeHTTP(w, req) })
	if with != without {
		t.Errorf("a do-nothing observer costs %.0f allocations per request (%.0f without)", with-without, without)
	}
}

type nopObserver struct{}

func (nopObserver) Request(ctx context.Context, _ *http.Request, _ *apigw.Context) context.Context {
	return ctx
}
func (nopObserver) Phase(_ PhaseInfo, mw func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return mw
}
func (nopObserver) Done(context.Context, *apigw.Context) {}

// TestDescribe lists the stages, their deployments and canary, and each
// route's phases.
func TestDescribe(t *testing.T) {
	gw := mustNew(t, WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"v": "1"}}),
		WithCache(cache.Config{TTL: time.Minute}),
		Route("GET /pets/{id}", Method{Integration: Mock(200, "")}),
		Route("POST /pets", Method{Integration: Mock(200, "")}))
	id, err := gw.CreateDeployment(WithDescription("v2"), Route("GET /pets", Method{Integration: Mock(200, "")}))
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.SetCanary("prod", &stage.Canary{Percent: 10, DeploymentID: id}); err != nil {
		t.Fatal(err)
	}
	d := gw.Describe()
	if d.APIID != "apigw" || len(d.Stages) != 1 || len(d.Deployments) != 2 || d.Deployments[1].Description != "v2" {
		t.Fatalf("%+v", d)
	}
	s := d.Stages[0]
	if s.Config.Name != "prod" || s.DeploymentID != d.Deployments[0].ID || s.CanaryDeploymentID != id || s.Config.Canary.Percent != 10 {
		t.Errorf("stage %+v", s)
	}
	var got []string
	for _, r := range s.Routes {
		var ps []string
		for _, p := range r.Phases {
			ps = append(ps, string(p))
		}
		got = append(got, r.Method+" "+r.Resource+": "+strings.Join(ps, ", "))
	}
	want := []string{
		"GET /pets/{id}: cors, payload limit, validation, cache, integration",
		"POST /pets: cors, payload limit, validation, integration", // POST is not cached: no cache phase
	}
	if !slices.Equal(got, want) {
		t.Errorf("routes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s.Config.Variables["v"] = "changed"
	if gw.Describe().Stages[0].Config.Variables["v"] != "1" {
		t.Error("Describe shares the stage's variables")
	}
}
