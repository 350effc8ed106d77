package usageplan

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestUsageReport follows a key over four days of a weekly quota: counts
// per day, remaining carried forward, UpdateUsage, the week boundary.
func TestUsageReport(t *testing.T) {
	clock := newClock(time.Date(2024, 6, 8, 10, 0, 0, 0, time.UTC)) // Saturday
	r := MustNew(Config{Now: clock.Now})
	if err := r.AddPlan(Plan{ID: "weekly", Quota: &Quota{Limit: 10, Period: Week}, Stages: prod}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []APIKey{{ID: "a", Value: basicKey}, {ID: "b", Value: standardKey}} {
		if _, err := r.AddKey(k, "weekly"); err != nil {
			t.Fatal(err)
		}
	}
	h := mustHandler(t, r, breeds)
	countOK(h, basicKey, 3) // Saturday: 3
	clock.Advance(24 * time.Hour)
	countOK(h, basicKey, 2) // Sunday: 2 (5 this week)
	if err := r.UpdateUsage(t.Context(), "weekly", "a", 8); err != nil {
		t.Fatal(err)
	}
	countOK(h, basicKey, 1) // Sunday: 3, 7 left after the extension
	clock.Advance(48 * time.Hour)
	countOK(h, basicKey, 4) // Tuesday, a new week: 4
	countOK(h, standardKey, 1)

	u, err := r.Usage(t.Context(), UsageQuery{PlanID: "weekly", Start: DateOf(t0.AddDate(0, 0, 3)), End: DateOf(t0.AddDate(0, 0, 6))})
	if err != nil {
		t.Fatal(err)
	}
	want := &Usage{
		PlanID: "weekly", StartDate: "2024-06-08", EndDate: "2024-06-11",
		Items: map[string][][2]int64{
			"a": {{3, 7}, {3, 7}, {0, 10}, {4, 6}},
			"b": {{0, 10}, {0, 10}, {0, 10}, {1, 9}},
		},
	}
	if !reflect.DeepEqual(u, want) {
		t.Fatalf("usage\n%+v\nwant\n%+v", u, want)
	}
	body, _ := json.Marshal(u)
	if got := string(body); got != `{"usagePlanId":"weekly","startDate":"2024-06-08","endDate":"2024-06-11","values":{"a":[[3,7],[3,7],[0,10],[4,6]],"b":[[0,10],[0,10],[0,10],[1,9]]}}` {
		t.Fatalf("JSON %s", got)
	}

	page, err := r.Usage(t.Context(), UsageQuery{PlanID: "weekly", Start: DateOf(clock.Now()), End: DateOf(clock.Now()), Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.Position != "b" || len(page.Items) != 1 || page.Items["a"] == nil {
		t.Fatalf("first page %+v", page)
	}
	page, err = r.Usage(t.Context(), UsageQuery{PlanID: "weekly", Start: DateOf(clock.Now()), End: DateOf(clock.Now()), Limit: 1, Position: page.Position})
	if err != nil {
		t.Fatal(err)
	}
	if page.Position != "" || len(page.Items) != 1 || page.Items["b"] == nil {
		t.Fatalf("second page %+v", page)
	}
}

func TestUsageWithoutQuota(t *testing.T) {
	r, _ := newDemo(t, Config{})
	countOK(mustHandler(t, r, breeds), premiumKey, 4)
	u, err := r.Usage(t.Context(), UsageQuery{PlanID: "premium", KeyID: "premium-key", Start: DateOf(t0) - 1, End: DateOf(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Items["premium-key"]; !reflect.DeepEqual(got, [][2]int64{{0, -1}, {4, -1}}) {
		t.Fatalf("usage %v", got)
	}
}

func TestUsageErrors(t *testing.T) {
	r, _ := newDemo(t, Config{})
	d := DateOf(t0)
	tests := []struct {
		name string
		err  error
		text string
	}{
		{"unknown plan", second(r.Usage(t.Context(), UsageQuery{PlanID: "nope", Start: d, End: d})), "nope"},
		{"reversed range", second(r.Usage(t.Context(), UsageQuery{PlanID: "basic", Start: d, End: d - 1})), "at most"},
		{"long range", second(r.Usage(t.Context(), UsageQuery{PlanID: "basic", Start: d - 366, End: d})), "at most"},
		{"negative limit", second(r.Usage(t.Context(), UsageQuery{PlanID: "basic", Start: d, End: d, Limit: -1})), "Limit"},
		{"update: no quota", r.UpdateUsage(t.Context(), "premium", "premium-key", 5), "no quota"},
		{"update: negative", r.UpdateUsage(t.Context(), "basic", "basic-key", -1), "remaining"},
		{"update: key not in plan", r.UpdateUsage(t.Context(), "basic", "standard-key", 5), "standard-key"},
		{"update: unknown plan", r.UpdateUsage(t.Context(), "nope", "basic-key", 5), "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil || !strings.Contains(tt.err.Error(), tt.text) {
				t.Fatalf("error %v, want one naming %q", tt.err, tt.text)
			}
		})
	}
	failing, _ := newDemo(t, Config{Store: &failingStore{}})
	if _, err := failing.Usage(t.Context(), UsageQuery{PlanID: "basic", Start: d, End: d}); !errors.Is(err, errStoreDown) {
		t.Errorf("store error lost: %v", err)
	}
}

func TestUsageHandler(t *testing.T) {
	r, _ := newDemo(t, Config{})
	countOK(mustHandler(t, r, breeds), basicKey, 2)
	h := r.UsageHandler()
	tests := []struct {
		name, method, query string
		status              int
		body                string
	}{
		{"today by default", "GET", "usagePlanId=basic", 200,
			`{"usagePlanId":"basic","startDate":"2024-06-05","endDate":"2024-06-05","values":{"basic-key":[[2,98]]}}`},
		{"one key, two days", "GET", "usagePlanId=basic&keyId=basic-key&startDate=2024-06-04&endDate=2024-06-05", 200,
			`{"usagePlanId":"basic","startDate":"2024-06-04","endDate":"2024-06-05","values":{"basic-key":[[0,100],[2,98]]}}`},
		{"HEAD", "HEAD", "usagePlanId=basic", 200, ``},
		{"no plan", "GET", "", 400, `{"message":"Missing required request parameters: [usagePlanId]"}`},
		{"bad date", "GET", "usagePlanId=basic&startDate=yesterday", 400, `{"message":"Invalid startDate: want YYYY-MM-DD"}`},
		{"bad limit", "GET", "usagePlanId=basic&limit=0", 400, `{"message":"Invalid limit: want 1 to 500"}`},
		{"reversed", "GET", "usagePlanId=basic&startDate=2024-06-06&endDate=2024-06-05", 400,
			`{"message":"Invalid date range: endDate must not precede startDate, at most 366 days"}`},
		{"unknown plan", "GET", "usagePlanId=gold", 404, `{"message":"Invalid Usage Plan ID specified"}`},
		{"POST", "POST", "usagePlanId=basic", 405, `{"message":"Method Not Allowed"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, "/usage?"+tt.query, nil))
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	rec := httptest.NewRecorder()
	failing, _ := newDemo(t, Config{Store: &failingStore{}})
	failing.UsageHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/usage?usagePlanId=basic", nil))
	if rec.Code != 500 {
		t.Fatalf("store down: %d", rec.Code)
	}
}
