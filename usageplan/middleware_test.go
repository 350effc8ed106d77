package usageplan

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
)

// TestAnswers checks each refusal against AWS's documented status, message
// and x-amzn-ErrorType.
func TestAnswers(t *testing.T) {
	r, _ := newDemo(t, Config{})
	if _, err := r.AddKey(APIKey{ID: "off", Value: "disabled-key-000000000000001", Disabled: true}, "basic"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddKey(APIKey{ID: "loose", Value: "planless-key-000000000000001"}); err != nil {
		t.Fatal(err)
	}
	if err := r.AddPlan(Plan{ID: "other", Stages: []APIStage{{APIID: "pets", Stage: "beta"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddKey(APIKey{ID: "beta", Value: "beta-only-key-00000000000001"}, "other"); err != nil {
		t.Fatal(err)
	}
	h := mustHandler(t, r, breeds)
	forbidden := `{"message":"Forbidden"}`
	tests := []struct {
		name      string
		key       string
		status    int
		body      string
		errorType string
	}{
		{"no key", "", 403, forbidden, "ForbiddenException"},
		{"unknown key", "no-such-key-000000000000000001", 403, forbidden, "ForbiddenException"},
		{"key prefix", basicKey[:20], 403, forbidden, "ForbiddenException"},
		{"key with suffix", basicKey + "x", 403, forbidden, "ForbiddenException"},
		{"key in other case", strings.ToUpper(basicKey), 403, forbidden, "ForbiddenException"},
		{"disabled key", "disabled-key-000000000000001", 403, forbidden, "ForbiddenException"},
		{"key in no plan", "planless-key-000000000000001", 403, forbidden, "ForbiddenException"},
		{"plan of another stage", "beta-only-key-00000000000001", 403, forbidden, "ForbiddenException"},
		{"over long value", strings.Repeat("a", 200), 403, forbidden, "ForbiddenException"},
		{"valid key", basicKey, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := send(h, tt.key)
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body, tt.status, tt.body)
			}
			if got := rec.Header().Get("X-Amzn-Errortype"); got != tt.errorType {
				t.Errorf("x-amzn-ErrorType %q, want %q", got, tt.errorType)
			}
			if tt.status != 200 && rec.Header().Get("X-Amzn-Requestid") == "" {
				t.Error("no x-amzn-RequestId")
			}
		})
	}
}

func TestThrottledAndQuotaAnswers(t *testing.T) {
	r, clock := newDemo(t, Config{})
	h := mustHandler(t, r, breeds)
	// basic: burst 2, 1/s, 100 a day.
	for i := range 2 {
		if rec := send(h, basicKey); rec.Code != 200 {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	rec := send(h, basicKey)
	if rec.Code != 429 || rec.Body.String() != `{"message":"Too Many Requests"}` ||
		rec.Header().Get("X-Amzn-Errortype") != "TooManyRequestsException" {
		t.Fatalf("throttled: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	if got := rec.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	// Spend the rest of the day's 100 at the refill rate.
	ok := 2
	for ok < 100 {
		clock.Advance(time.Second)
		if send(h, basicKey).Code == 200 {
			ok++
		}
	}
	clock.Advance(time.Second)
	rec = send(h, basicKey)
	if rec.Code != 429 || rec.Body.String() != `{"message":"Limit Exceeded"}` ||
		rec.Header().Get("X-Amzn-Errortype") != "LimitExceededException" {
		t.Fatalf("quota: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	// Noon plus 100 s: the day ends in 11 h 58 min 19 s.
	want := time.Date(2024, 6, 6, 0, 0, 0, 0, time.UTC).Sub(clock.Now())
	if got := rec.Header().Get("Retry-After"); got != itoa(retrySeconds(want)) {
		t.Errorf("Retry-After %q, want %d", got, retrySeconds(want))
	}
	// The next UTC day starts a new quota.
	clock.Set(time.Date(2024, 6, 6, 0, 0, 0, 0, time.UTC))
	if rec := send(h, basicKey); rec.Code != 200 {
		t.Fatalf("next day: %d", rec.Code)
	}
}

func TestIdentityFilled(t *testing.T) {
	r, _ := newDemo(t, Config{})
	mw, err := r.Middleware(breeds)
	if err != nil {
		t.Fatal(err)
	}
	var got apigw.Identity
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got = apigw.FromContext(req.Context()).Identity
	}))
	send(h, standardKey)
	if got.APIKey != standardKey || got.APIKeyID != "standard-key" {
		t.Fatalf("identity %+v", got)
	}
}

func TestKeyFromAuthorizer(t *testing.T) {
	for _, viaOptions := range []bool{true, false} {
		opts := Config{}
		spec := breeds
		if viaOptions {
			opts.KeySource = FromAuthorizer
		} else {
			spec.KeySource = FromAuthorizer
		}
		r, _ := newDemo(t, opts)
		h := mustHandler(t, r, spec)
		serve := func(usageKey, header string) int {
			req := httptest.NewRequest(http.MethodGet, "/breeds", nil)
			req.Header.Set("x-api-key", header)
			c := apigw.NewRequestContext(req, t0)
			c.Authorizer.UsageIdentifierKey = usageKey
			req = req.WithContext(apigw.NewContext(req.Context(), c))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Code
		}
		if got := serve(premiumKey, ""); got != 200 {
			t.Errorf("authorizer key: %d", got)
		}
		if got := serve("", premiumKey); got != 403 {
			t.Errorf("header ignored with AUTHORIZER: got %d, want 403", got)
		}
		if got := serve("unknown-usage-key-000000000001", ""); got != 403 {
			t.Errorf("unknown authorizer key: %d", got)
		}
	}
}

// TestNoKeyMethod: a method without apiKeyRequired ignores keys, plans and
// quotas but still passes the method and account levels.
func TestNoKeyMethod(t *testing.T) {
	r, _ := newDemo(t, Config{})
	spec := breeds
	spec.APIKeyRequired = false
	spec.StageThrottle = &Throttle{Rate: 1, Burst: 3}
	h := mustHandler(t, r, spec)
	if got := countOK(h, "", 10); got != 3 {
		t.Fatalf("admitted %d, want the method burst 3", got)
	}
	if rec := send(h, ""); rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

func TestMiddlewareErrors(t *testing.T) {
	r := MustNew(Config{})
	tests := []struct {
		name string
		spec MethodSpec
		want string
	}{
		{"no resource", MethodSpec{HTTPMethod: "GET"}, "Resource"},
		{"lower-case verb", MethodSpec{Resource: "/", HTTPMethod: "get"}, "HTTPMethod"},
		{"bad source", MethodSpec{Resource: "/", HTTPMethod: "GET", KeySource: "QUERY"}, "KeySource"},
		{"bad throttle", MethodSpec{Resource: "/", HTTPMethod: "GET", Throttle: &Throttle{Rate: -1}}, "Throttle"},
		{"bad stage throttle", MethodSpec{Resource: "/", HTTPMethod: "GET", StageThrottle: &Throttle{Rate: 1, Burst: -1}}, "StageThrottle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Middleware(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "usageplan: ") {
				t.Fatalf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Config
		want string
	}{
		{"key source", Config{KeySource: "COOKIE"}, "Config.KeySource"},
		{"policy", Config{OnStoreError: 7}, "Config.OnStoreError"},
		{"account", Config{AccountThrottle: &Throttle{Rate: -5}}, "Config.AccountThrottle"},
		{"backlog", Config{MaxBacklog: -1}, "Config.MaxBacklog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestRateLimitHeaders(t *testing.T) {
	r, _ := newDemo(t, Config{RateLimitHeaders: true})
	h := mustHandler(t, r, breeds)
	tests := []struct {
		name, key               string
		limit, remaining, reset string
	}{
		// basic has a quota: the headers describe it (12 h to midnight).
		{"quota", basicKey, "100", "99", "43200"},
		// premium has none: they describe its throttle, burst 200, one used.
		{"throttle", premiumKey, "200", "199", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := send(h, tt.key).Header()
			got := [3]string{h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset")}
			if got != [3]string{tt.limit, tt.remaining, tt.reset} {
				t.Fatalf("headers %v, want %v", got, [3]string{tt.limit, tt.remaining, tt.reset})
			}
		})
	}
	off, _ := newDemo(t, Config{})
	if h := send(mustHandler(t, off, breeds), basicKey).Header(); h.Get("RateLimit-Limit") != "" {
		t.Error("RateLimit headers without RateLimitHeaders")
	}
}

func TestFailurePolicy(t *testing.T) {
	for _, tt := range []struct {
		name   string
		policy FailurePolicy
		store  *failingStore
		status int
	}{
		{"open", FailOpen, &failingStore{}, 200},
		{"closed", FailClosed, &failingStore{}, 500},
		{"open, store panics", FailOpen, &failingStore{panicking: true}, 200},
		{"closed, store panics", FailClosed, &failingStore{panicking: true}, 500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			r, _ := newDemo(t, Config{Store: tt.store, OnStoreError: tt.policy, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			h := mustHandler(t, r, breeds)
			for range 3 {
				rec := send(h, basicKey)
				if rec.Code != tt.status {
					t.Fatalf("got %d, want %d", rec.Code, tt.status)
				}
				if tt.status == 500 && rec.Body.String() != `{"message":"Internal server error"}` {
					t.Fatalf("body %q", rec.Body)
				}
			}
			if send(h, "").Code != 403 {
				t.Error("a missing key must stay 403 whatever the store")
			}
			// One warning per second of the clock, not one per request.
			if n := strings.Count(logs.String(), "Usage Plan check failed due to an internal error"); n != 1 {
				t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
			}
		})
	}
}

// TestFailOpenCountsLater: requests admitted while the store was down are
// counted toward quota and usage once it answers again.
func TestFailOpenCountsLater(t *testing.T) {
	mem, _ := NewMemoryStore(MemoryStoreConfig{})
	store := &switchStore{MemoryStore: mem}
	r, _ := newDemo(t, Config{Store: store, Logger: slog.New(slog.DiscardHandler)})
	h := mustHandler(t, r, breeds)
	store.down.Store(true)
	if got := countOK(h, standardKey, 5); got != 5 {
		t.Fatalf("fail open admitted %d of 5", got)
	}
	store.down.Store(false)
	// The first request carries the batch that the failing calls carried
	// (the first request's), the second the four gathered behind it.
	if got := countOK(h, standardKey, 2); got != 2 {
		t.Fatal("refused after recovery")
	}
	u, err := r.Usage(t.Context(), UsageQuery{PlanID: "standard", Start: DateOf(t0), End: DateOf(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Items["standard-key"]; len(got) != 1 || got[0] != [2]int64{7, 9993} {
		t.Fatalf("usage %v, want [[7 9993]]", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
