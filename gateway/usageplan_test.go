package gateway

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

func TestUsagePlans(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	plans := usageplan.MustNew(usageplan.Config{Now: clock})
	if err := plans.AddPlan(usageplan.Plan{ID: "basic", Throttle: &usageplan.Throttle{Rate: 1, Burst: 2},
		Quota: &usageplan.Quota{Limit: 3, Period: usageplan.Day}, Stages: []usageplan.APIStage{{APIID: "pets", Stage: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	key, err := plans.AddKey(usageplan.APIKey{ID: "k1", Value: "demo-basic-key-000000000001"}, "basic")
	if err != nil {
		t.Fatal(err)
	}
	var seenKeyID string
	gw := mustNew(t,
		WithAPIID("pets"), WithClock(clock), WithUsagePlans(plans),
		WithStage(stage.Stage{Name: "prod"}),
		WithCORS(cors.Config{AllowOrigins: []string{"https://pet.example"}}),
		Route("GET /breeds", Method{APIKeyRequired: true, Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seenKeyID = apigwContext(r).Identity.APIKeyID
		}))}),
		Route("GET /free", Method{Integration: Mock(200, `{}`)}),
	)
	steps := []struct {
		name       string
		key        string
		advance    time.Duration
		wantStatus int
		wantMsg    string
	}{
		{"no key", "", 0, 403, "Forbidden"},
		{"unknown key", "not-a-key-0000000000000", 0, 403, "Forbidden"},
		{"first", key.Value, 0, 200, ""},
		{"burst", key.Value, 0, 200, ""},
		{"throttled", key.Value, 0, 429, "Too Many Requests"},
		{"a second later", key.Value, time.Second, 200, ""},
		{"quota spent", key.Value, time.Second, 429, "Limit Exceeded"},
		{"next day", key.Value, 24 * time.Hour, 200, ""},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		header := []string{"Origin", "https://pet.example"}
		if s.key != "" {
			header = append(header, "x-api-key", s.key)
		}
		rec := do(t, gw, "GET", "/breeds", "", header...)
		if rec.Code != s.wantStatus {
			t.Fatalf("%s: status %d, want %d (%s)", s.name, rec.Code, s.wantStatus, rec.Body)
		}
		if s.wantMsg != "" {
			wantError(t, rec, s.wantStatus, s.wantMsg, map[int]string{403: "ForbiddenException", 429: map[string]string{"Too Many Requests": "TooManyRequestsException", "Limit Exceeded": "LimitExceededException"}[s.wantMsg]}[s.wantStatus])
			if rec.Header().Get("Access-Control-Allow-Origin") != "https://pet.example" {
				t.Errorf("%s: refusal without CORS headers", s.name)
			}
			if s.wantStatus == 429 && rec.Header().Get("Retry-After") == "" {
				t.Errorf("%s: 429 without Retry-After", s.name)
			}
		}
	}
	if seenKeyID != "k1" {
		t.Errorf("backend saw API key id %q", seenKeyID)
	}
	// A method without APIKeyRequired counts toward no plan.
	for range 10 {
		if rec := do(t, gw, "GET", "/free", ""); rec.Code != 200 {
			t.Fatalf("free method: %d", rec.Code)
		}
	}
	if _, err := New(Route("GET /a", Method{Integration: Mock(200, ""), APIKeyRequired: true})); err == nil {
		t.Error("APIKeyRequired without usage plans was accepted")
	}
}

func TestStageThrottleWithoutPlans(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	gw := mustNew(t,
		WithClock(func() time.Time { return now }),
		WithStage(stage.Stage{Name: "prod", MethodSettings: map[string]stage.MethodSettings{
			"/limited/GET": {ThrottlingRateLimit: 1, ThrottlingBurstLimit: 1},
		}}),
		Route("GET /limited", Method{Integration: Mock(200, "")}),
		Route("GET /open", Method{Integration: Mock(200, "")}),
	)
	if rec := do(t, gw, "GET", "/limited", ""); rec.Code != 200 {
		t.Fatalf("first: %d", rec.Code)
	}
	wantError(t, do(t, gw, "GET", "/limited", ""), 429, "Too Many Requests", "TooManyRequestsException")
	for range 100 {
		if rec := do(t, gw, "GET", "/open", ""); rec.Code != 200 {
			t.Fatalf("an unthrottled method was throttled: %d", rec.Code)
		}
	}
}

// TestUsagePlansCoverNoStage: plans that cover none of the gateway's API
// stages (a mistyped API id or stage name) fail New instead of refusing
// every keyed request with a 403 that names no cause.
func TestUsagePlansCoverNoStage(t *testing.T) {
	plans := usageplan.MustNew(usageplan.Config{})
	if err := plans.AddPlan(usageplan.Plan{ID: "basic", Stages: []usageplan.APIStage{{APIID: "pets", Stage: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	keyed := Route("GET /breeds", Method{APIKeyRequired: true, Integration: Mock(200, `{}`)})
	for name, opts := range map[string][]Option{
		"api id":   {WithAPIID("petz"), WithStage(stage.Stage{Name: "prod"})},
		"stage":    {WithAPIID("pets"), WithStage(stage.Stage{Name: "production"})},
		"defaults": {},
	} {
		_, err := New(append(opts, WithUsagePlans(plans), keyed)...)
		if err == nil || !strings.Contains(err.Error(), "[pets/prod]") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(WithAPIID("pets"), WithStage(stage.Stage{Name: "prod"}), WithStage(stage.Stage{Name: "test"}), WithUsagePlans(plans), keyed); err != nil {
		t.Errorf("a plan that covers one of the stages: %v", err)
	}
	if _, err := New(WithUsagePlans(plans), Route("GET /free", Method{Integration: Mock(200, `{}`)})); err != nil {
		t.Errorf("no keyed method: %v", err)
	}
}
