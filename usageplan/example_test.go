package usageplan_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/apigw/apigw/usageplan"
)

// The three plans of the seed's story, on API "pets" stage "prod".
func subscriptionPlans(now func() time.Time) *usageplan.Registry {
	plans := usageplan.MustNew(usageplan.Config{Now: now})
	prod := []usageplan.APIStage{{APIID: "pets", Stage: "prod"}}
	for _, p := range []usageplan.Plan{
		{ID: "basic", Throttle: &usageplan.Throttle{Rate: 1, Burst: 2},
			Quota: &usageplan.Quota{Limit: 100, Period: usageplan.Day}, Stages: prod},
		{ID: "standard", Throttle: &usageplan.Throttle{Rate: 10, Burst: 20},
			Quota: &usageplan.Quota{Limit: 10000, Period: usageplan.Day}, Stages: prod},
		{ID: "premium", Throttle: &usageplan.Throttle{Rate: 100, Burst: 200}, Stages: prod},
	} {
		if err := plans.AddPlan(p); err != nil {
			panic(err)
		}
	}
	for plan, value := range map[string]string{
		"basic":    "demo-basic-key-000000000001",
		"standard": "demo-standard-key-0000000001",
		"premium":  "demo-premium-key-00000000001",
	} {
		if _, err := plans.AddKey(usageplan.APIKey{ID: plan + "-customer", Value: value}, plan); err != nil {
			panic(err)
		}
	}
	return plans
}

func fixedClock() func() time.Time {
	now := time.Date(2024, 6, 5, 12, 0, 0, 0, time.UTC)
	return func() time.Time { return now }
}

func Example() {
	plans := subscriptionPlans(fixedClock())
	mw, err := plans.Middleware(usageplan.MethodSpec{
		APIID: "pets", Stage: "prod", Resource: "/breeds", HTTPMethod: "GET", APIKeyRequired: true,
	})
	if err != nil {
		panic(err)
	}
	breeds := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `["beagle","collie"]`)
	}))

	get := func(key string) {
		req := httptest.NewRequest(http.MethodGet, "/breeds", nil)
		if key != "" {
			req.Header.Set("x-api-key", key)
		}
		rec := httptest.NewRecorder()
		breeds.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
		if ra := rec.Header().Get("Retry-After"); ra != "" {
			fmt.Println("Retry-After:", ra)
		}
	}
	get("")                            // no key
	get("demo-basic-key-000000000001") // basic: burst 2
	get("demo-basic-key-000000000001")
	get("demo-basic-key-000000000001") // throttled
	// Output:
	// 403 {"message":"Forbidden"}
	// 200 ["beagle","collie"]
	// 200 ["beagle","collie"]
	// 429 {"message":"Too Many Requests"}
	// Retry-After: 1
}

func ExampleRegistry_Usage() {
	plans := subscriptionPlans(fixedClock())
	mw, _ := plans.Middleware(usageplan.MethodSpec{
		APIID: "pets", Stage: "prod", Resource: "/breeds", HTTPMethod: "GET", APIKeyRequired: true,
	})
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for range 3 {
		req := httptest.NewRequest(http.MethodGet, "/breeds", nil)
		req.Header.Set("x-api-key", "demo-standard-key-0000000001")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}

	day, _ := usageplan.ParseDate("2024-06-05")
	u, err := plans.Usage(context.Background(), usageplan.UsageQuery{PlanID: "standard", Start: day - 1, End: day})
	if err != nil {
		panic(err)
	}
	_ = json.NewEncoder(os.Stdout).Encode(u)
	// Output:
	// {"usagePlanId":"standard","startDate":"2024-06-04","endDate":"2024-06-05","values":{"standard-customer":[[0,10000],[3,9997]]}}
}

func ExampleRegistry_UpdateUsage() {
	plans := subscriptionPlans(fixedClock())
	// Grant the basic customer 500 more requests today.
	if err := plans.UpdateUsage(context.Background(), "basic", "basic-customer", 600); err != nil {
		panic(err)
	}
	day, _ := usageplan.ParseDate("2024-06-05")
	u, _ := plans.Usage(context.Background(), usageplan.UsageQuery{PlanID: "basic", Start: day, End: day})
	fmt.Println(u.Items["basic-customer"])
	// Output:
	// [[0 600]]
}

func ExampleRegistry_AddKey() {
	plans := subscriptionPlans(fixedClock())
	k, err := plans.AddKey(usageplan.APIKey{Name: "new customer"}, "premium")
	if err != nil {
		panic(err)
	}
	fmt.Println(len(k.Value), len(k.ID), plans.KeyPlans(k.ID))

	_, err = plans.AddKey(usageplan.APIKey{Value: "too-short"})
	fmt.Println(err)
	// Output:
	// 40 10 [premium]
	// usageplan: key[0]: Value: 9 characters, want 20 to 128
}

func ExampleRegistry_UsageHandler() {
	plans := subscriptionPlans(fixedClock())
	rec := httptest.NewRecorder()
	plans.UsageHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/usage?usagePlanId=basic&keyId=basic-customer", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output:
	// 200 {"usagePlanId":"basic","startDate":"2024-06-05","endDate":"2024-06-05","values":{"basic-customer":[[0,100]]}}
}
