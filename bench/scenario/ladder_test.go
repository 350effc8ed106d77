package scenario

import (
	"net/http"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

// ladderStep is the gateway of apigw-full with only the first phases on.
type ladderStep struct {
	name string
	want string // the answer's body
	opts func(env Env) ([]gateway.Option, gateway.Method)
}

// ladder adds the phases of apigw-full one at a time, in the order the
// pipeline runs them, so that consecutive steps differ by one phase.
func ladder() []ladderStep {
	base := func(Env) ([]gateway.Option, gateway.Method) {
		return []gateway.Option{gateway.WithAPIID(apiID), gateway.WithStage(stage.Stage{Name: stageName})},
			gateway.Method{Integration: gateway.Handler(Backend)}
	}
	withCORS := func(env Env) ([]gateway.Option, gateway.Method) {
		o, m := base(env)
		return append(o, gateway.WithCORS(cors.Config{AllowOrigins: []string{Origin}, AllowMethods: []string{"GET", "POST"},
			AllowHeaders: []string{"Authorization", "Content-Type", "X-Api-Key"}})), m
	}
	withJWT := func(env Env) ([]gateway.Option, gateway.Method) {
		o, m := withCORS(env)
		m.Authorizer = "users"
		return append(o, gateway.WithAuthorizer("users", authorizer.MustNewJWT(authorizer.JWTConfig{Issuer: Issuer, Keys: env.Keys, Algorithms: []string{"RS256"}}))), m
	}
	withKey := func(env Env) ([]gateway.Option, gateway.Method) {
		o, m := withJWT(env)
		plans := usageplan.MustNew(usageplan.Config{AccountThrottle: &usageplan.Throttle{Rate: usageplan.Unlimited}})
		if err := plans.AddPlan(usageplan.Plan{ID: "bench", Throttle: &usageplan.Throttle{Rate: 1e9, Burst: 1e9},
			Stages: []usageplan.APIStage{{APIID: apiID, Stage: stageName}}}); err != nil {
			panic(err)
		}
		if _, err := plans.AddKey(usageplan.APIKey{ID: "bench-client", Value: APIKey}, "bench"); err != nil {
			panic(err)
		}
		m.APIKeyRequired = true
		return append(o, gateway.WithUsagePlans(plans)), m
	}
	withModel := func(env Env) ([]gateway.Option, gateway.Method) {
		o, m := withKey(env)
		m.RequestModels = map[string]string{"application/json": "ArtistUpdate"}
		return append(o, gateway.WithModel("ArtistUpdate", UpdateSchema)), m
	}
	withTemplate := func(env Env) ([]gateway.Option, gateway.Method) {
		o, m := withModel(env)
		m.Response = mapping.MustCompile(`{"name": input.json.artist, "popularity": input.json.popularity}`)
		return o, m
	}
	return []ladderStep{
		{"1-route", ArtistJSON, base},
		{"2-cors", ArtistJSON, withCORS},
		{"3-jwt", ArtistJSON, withJWT},
		{"4-apikey", ArtistJSON, withKey},
		{"5-model", ArtistJSON, withModel},
		{"6-template", MappedJSON, withTemplate},
	}
}

func (l ladderStep) build(tb testing.TB, env Env) (*Scenario, http.Handler) {
	tb.Helper()
	opts, m := l.opts(env)
	gw, err := gateway.New(append(opts, gateway.Route("POST /artists/{id}", m))...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { gw.Close() })
	s := &Scenario{Name: l.name, Request: fullRequest, WantStatus: 200, WantBody: l.want}
	return s, gw
}

func TestLadder(t *testing.T) {
	env := Env{Keys: testCredentials(t).Public}
	for _, l := range ladder() {
		t.Run(l.name, func(t *testing.T) {
			s, h := l.build(t, env)
			if _, err := Measure(s, h, testCredentials(t).Token, time.Millisecond); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// BenchmarkLadder is the request of apigw-full through gateways that add
// its phases one at a time: the difference between consecutive steps is
// what a phase costs inside the gateway (one goroutine, no network).
//
//	go test -run='^$' -bench=Ladder -benchtime=2s -count=6 ./scenario | benchstat -
func BenchmarkLadder(b *testing.B) {
	env := Env{Keys: testCredentials(b).Public}
	b.Run("0-bare", func(b *testing.B) {
		benchmarkScenario(b, &Scenario{Name: "bare", Request: fullRequest, WantStatus: 200, WantBody: ArtistJSON}, Backend)
	})
	for _, l := range ladder() {
		b.Run(l.name, func(b *testing.B) {
			s, h := l.build(b, env)
			benchmarkScenario(b, s, h)
		})
	}
}

// BenchmarkScenarios is every scenario's handler in-process.
func BenchmarkScenarios(b *testing.B) {
	env := testEnv(b)
	for _, s := range All() {
		b.Run(s.Name, func(b *testing.B) {
			h, closeFn, err := s.Build(env)
			if err != nil {
				b.Fatal(err)
			}
			defer closeFn()
			benchmarkScenario(b, s, h)
		})
	}
}
