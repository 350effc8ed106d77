package usageplan

import (
	"net/http"
	"testing"
)

// TestRateLimitHeadersDescribeTheRefusal: with RateLimitHeaders, a
// throttled 429 describes the throttle that refused it (its burst, nothing
// left, the reset equal to Retry-After), whatever level it is and whether
// or not the plan has a quota; a quota refusal describes the quota; an
// admitted request the quota, else the plan's throttle.
func TestRateLimitHeadersDescribeTheRefusal(t *testing.T) {
	type answer struct {
		status                         int
		limit, remaining, reset, retry string
	}
	tests := []struct {
		name  string
		opts  Config
		plan  Plan // replaces basic when its ID is set
		spec  func(*MethodSpec)
		sends int      // requests before the one checked
		key   string   // default basicKey
		want  []answer // the answers of the last requests
	}{
		{
			name: "plan throttle, plan with a quota",
			want: []answer{
				{200, "100", "99", "43200", ""},
				{200, "100", "98", "43200", ""},
				{429, "2", "0", "1", "1"}, // basic: burst 2, 1/s
			},
		},
		{
			name: "plan throttle, plan without a quota",
			key:  premiumKey, sends: 200,
			want: []answer{{429, "200", "0", "1", "1"}},
		},
		{
			name: "per-method throttle of the plan",
			plan: Plan{ID: "basic", Throttle: &Throttle{Rate: 100, Burst: 100}, Quota: &Quota{Limit: 100, Period: Day},
				Stages: []APIStage{{APIID: "pets", Stage: "prod", Throttle: map[string]Throttle{"/breeds/GET": {Rate: 0.5, Burst: 3}}}}},
			sends: 3,
			want:  []answer{{429, "3", "0", "2", "2"}},
		},
		{
			name:  "method level",
			spec:  func(s *MethodSpec) { s.StageThrottle = &Throttle{Rate: 0.25, Burst: 1} },
			sends: 1,
			want:  []answer{{429, "1", "0", "4", "4"}},
		},
		{
			name:  "method level, method without key",
			spec:  func(s *MethodSpec) { s.APIKeyRequired = false; s.Throttle = &Throttle{Rate: 0.25, Burst: 1} },
			sends: 1,
			want:  []answer{{429, "1", "0", "4", "4"}},
		},
		{
			name:  "account level",
			opts:  Config{AccountThrottle: &Throttle{Rate: 0.1, Burst: 1}},
			sends: 1,
			want:  []answer{{429, "1", "0", "10", "10"}},
		},
		{
			name: "quota",
			plan: Plan{ID: "basic", Throttle: &Throttle{Rate: 100, Burst: 100}, Quota: &Quota{Limit: 3, Period: Day}, Stages: prod},
			want: []answer{
				{200, "3", "2", "43200", ""},
				{200, "3", "1", "43200", ""},
				{200, "3", "0", "43200", ""},
				{429, "3", "0", "43200", "43200"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.RateLimitHeaders = true
			r, _ := newDemo(t, opts)
			if tt.plan.ID != "" {
				if err := r.UpdatePlan(tt.plan); err != nil {
					t.Fatal(err)
				}
			}
			spec := breeds
			if tt.spec != nil {
				tt.spec(&spec)
			}
			h := mustHandler(t, r, spec)
			key := tt.key
			if key == "" {
				key = basicKey
			}
			for i := range tt.sends {
				if rec := send(h, key); rec.Code != 200 {
					t.Fatalf("request %d: %d", i, rec.Code)
				}
			}
			for i, want := range tt.want {
				rec := send(h, key)
				h := rec.Header()
				got := answer{rec.Code, h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset"), h.Get("Retry-After")}
				if got != want {
					t.Errorf("answer %d: %+v, want %+v", i, got, want)
				}
			}
		})
	}
}

// TestRateLimitHeadersOff: without RateLimitHeaders no answer carries them,
// a 429 keeps its Retry-After.
func TestRateLimitHeadersOff(t *testing.T) {
	r, _ := newDemo(t, Config{})
	h := mustHandler(t, r, breeds)
	for i := range 3 {
		rec := send(h, basicKey)
		if rec.Header().Get("RateLimit-Limit") != "" || rec.Header().Get("RateLimit-Reset") != "" {
			t.Errorf("request %d: RateLimit headers without RateLimitHeaders: %v", i, rec.Header())
		}
		if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
			t.Errorf("request %d: 429 without Retry-After", i)
		}
	}
}
