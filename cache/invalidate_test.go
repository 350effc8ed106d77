package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/apigw/apigw"
)

// admins may invalidate: the authorizer put their group in the claims.
func admins(r *http.Request, c *apigw.Context) bool {
	return c.Authorizer.Claims["group"] == "admin"
}

func asAdmin(r *http.Request) *http.Request {
	apigw.FromContext(r.Context()).Authorizer.Claims = map[string]any{"group": "admin"}
	return r
}

func TestInvalidation(t *testing.T) {
	refresh := http.Header{"Cache-Control": {"max-age=0"}}
	tests := []struct {
		name        string
		cfg         Config
		admin       bool
		wantStatus  int
		wantBody    string // after the cached "v #1"
		wantWarning bool
		wantAfter   string // what the next plain request gets
		wantStats   Stats
	}{
		{"allowed caller refreshes", Config{CanInvalidate: admins}, true,
			200, "v #2", false, "v #2", Stats{Hits: 1, Misses: 2, Invalidations: 1}},
		{"anyone may", Config{AnyoneMayInvalidate: true}, false,
			200, "v #2", false, "v #2", Stats{Hits: 1, Misses: 2, Invalidations: 1}},
		{"default strategy: served from cache with a warning", Config{CanInvalidate: admins}, false,
			200, "v #1", true, "v #1", Stats{Hits: 2, Misses: 1, DeniedInvalidations: 1}},
		{"no rule and authorization required: nobody may", Config{}, true,
			200, "v #1", true, "v #1", Stats{Hits: 2, Misses: 1, DeniedInvalidations: 1}},
		{"SUCCEED_WITHOUT_RESPONSE_HEADER", Config{CanInvalidate: admins, UnauthorizedStrategy: SucceedWithoutResponseHeader}, false,
			200, "v #1", false, "v #1", Stats{Hits: 2, Misses: 1, DeniedInvalidations: 1}},
		{"FAIL_WITH_403", Config{CanInvalidate: admins, UnauthorizedStrategy: FailWith403}, false,
			403, `{"message":"User is not authorized to access this resource"}`, false, "v #1",
			Stats{Hits: 1, Misses: 1, DeniedInvalidations: 1}},
		{"FAIL_WITH_403 lets the allowed through", Config{CanInvalidate: admins, UnauthorizedStrategy: FailWith403}, true,
			200, "v #2", false, "v #2", Stats{Hits: 1, Misses: 2, Invalidations: 1}},
		{"panicking rule refuses", Config{CanInvalidate: func(*http.Request, *apigw.Context) bool { panic("boom") }}, true,
			200, "v #1", true, "v #1", Stats{Hits: 2, Misses: 1, DeniedInvalidations: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, tt.cfg)
			backend := &counter{body: "v"}
			h := mustWrap(t, c, MethodSettings{}, backend)
			wantBody(t, do(h, routed{target: "/x", stage: "prod"}.request()), "v #1")

			r := routed{target: "/x", stage: "prod", header: refresh}.request()
			if tt.admin {
				r = asAdmin(r)
			}
			w := do(h, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			wantBody(t, w, tt.wantBody)
			if got := w.Header().Get(WarningHeader) == WarningValue; got != tt.wantWarning {
				t.Errorf("warning header present = %v, want %v (%q)", got, tt.wantWarning, w.Header().Get(WarningHeader))
			}
			if tt.wantStatus == 403 {
				if got := w.Header().Get("X-Amzn-Errortype"); got != "AccessDeniedException" {
					t.Errorf("x-amzn-ErrorType = %q, want AccessDeniedException", got)
				}
				if got := apigw.FromContext(r.Context()).Error.ResponseType; got != apigw.AccessDenied {
					t.Errorf("$context.error.responseType = %q, want ACCESS_DENIED", got)
				}
			}
			after := do(h, routed{target: "/x", stage: "prod"}.request())
			wantBody(t, after, tt.wantAfter)
			if after.Header().Get(WarningHeader) != "" {
				t.Errorf("the warning was stored with the entry")
			}
			if got := c.Stats(); got != tt.wantStats {
				t.Errorf("Stats = %+v, want %+v", got, tt.wantStats)
			}
		})
	}
}

func TestPanickingRuleIsLogged(t *testing.T) {
	var logs bytes.Buffer
	c := mustNew(t, Config{
		CanInvalidate: func(*http.Request, *apigw.Context) bool { panic("boom") },
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
	})
	h := c.Handler(&counter{})
	get(h, "/x", "Cache-Control", "max-age=0")
	if !strings.Contains(logs.String(), "CanInvalidate panicked") || !strings.Contains(logs.String(), "boom") {
		t.Errorf("log = %q", logs.String())
	}
}

func TestRefreshThatCannotBeStoredRemovesEntry(t *testing.T) {
	c := mustNew(t, Config{AnyoneMayInvalidate: true})
	backend := &counter{body: "v"}
	h := c.Handler(backend)
	wantBody(t, get(h, "/x"), "v #1")
	backend.status = http.StatusServiceUnavailable
	if w := get(h, "/x", "Cache-Control", "max-age=0"); w.Code != 503 {
		t.Fatalf("refresh status = %d, want the integration's 503", w.Code)
	}
	backend.status = 0
	wantBody(t, get(h, "/x"), "v #3") // the old entry is gone
}

func TestFlushAndInvalidate(t *testing.T) {
	ctx := context.Background()
	c := mustNew(t, Config{})
	backend := &counter{body: "v"}
	h := mustWrap(t, c, MethodSettings{KeyParameters: []string{"method.request.path.id"}}, backend)
	req := func(stage, id string) *http.Request {
		return routed{target: "/artists/" + id, stage: stage, resource: "/artists/{id}",
			pathParams: map[string]string{"id": id}}.request()
	}
	for _, stage := range []string{"prod", "beta"} {
		for _, id := range []string{"1", "2"} {
			do(h, req(stage, id))
		}
	}
	if backend.calls.Load() != 4 {
		t.Fatalf("calls = %d, want 4", backend.calls.Load())
	}
	err := c.Invalidate(ctx, Key{Stage: "prod", Method: "GET", Resource: "/artists/{id}",
		Params: map[string][]string{"method.request.path.id": {"1"}}})
	if err != nil {
		t.Fatal(err)
	}
	wantBody(t, do(h, req("prod", "1")), "v #5")
	wantBody(t, do(h, req("prod", "2")), "v #2")

	if err := c.Flush(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	wantBody(t, do(h, req("prod", "2")), "v #6")
	wantBody(t, do(h, req("beta", "1")), "v #3") // another stage's cache is untouched
}

func TestForbiddenBodyIsJSON(t *testing.T) {
	c := mustNew(t, Config{UnauthorizedStrategy: FailWith403})
	w := get(c.Handler(&counter{}), "/x", "Cache-Control", "max-age=0")
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 403 {
		t.Fatalf("status %d body %q: %v", w.Code, w.Body, err)
	}
}
