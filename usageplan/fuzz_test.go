package usageplan

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzKeyHeader sends arbitrary x-api-key values: only the exact value of a
// key is admitted; everything else is AWS's 403, and nothing panics.
func FuzzKeyHeader(f *testing.F) {
	for _, seed := range []string{
		basicKey, standardKey, premiumKey, "", " ", basicKey + " ", " " + basicKey,
		basicKey[:len(basicKey)-1], basicKey + "\x00", "demo-basic-key-00000000000\u00e91",
		string(make([]byte, 4096)), "x-api-key", "\xff\xfe",
	} {
		f.Add(seed)
	}
	clock := newClock(t0)
	r := MustNew(Config{Now: clock.Now, AccountThrottle: &Throttle{Rate: Unlimited}})
	if err := r.AddPlan(Plan{ID: "open", Stages: prod}); err != nil {
		f.Fatal(err)
	}
	valid := map[string]bool{}
	for _, v := range []string{basicKey, standardKey, premiumKey} {
		if _, err := r.AddKey(APIKey{Value: v}, "open"); err != nil {
			f.Fatal(err)
		}
		valid[v] = true
	}
	h := mustHandler(f, r, breeds)
	f.Fuzz(func(t *testing.T, value string) {
		req := httptest.NewRequest(http.MethodGet, "/breeds", nil)
		req.Header[HeaderName] = []string{value}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case valid[value] && rec.Code != http.StatusOK:
			t.Fatalf("key %q refused: %d", value, rec.Code)
		case !valid[value] && (rec.Code != http.StatusForbidden || rec.Body.String() != `{"message":"Forbidden"}`):
			t.Fatalf("value %q: %d %q, want 403 Forbidden", value, rec.Code, rec.Body)
		}
		if _, ok := r.KeyByValue(value); ok != valid[value] {
			t.Fatalf("KeyByValue(%q) = %v", value, ok)
		}
	})
}

// FuzzUsageQuery sends arbitrary query strings to the usage handler: it
// answers 200 with a report or a gateway response, always JSON.
func FuzzUsageQuery(f *testing.F) {
	for _, seed := range []string{
		"usagePlanId=basic", "usagePlanId=basic&keyId=basic-key&startDate=2024-06-01&endDate=2024-06-05",
		"usagePlanId=basic&startDate=2024-13-01", "usagePlanId=basic&limit=-1", "usagePlanId=basic&limit=99999999999999999999",
		"usagePlanId=basic&startDate=0001-01-01&endDate=9999-12-31", "usagePlanId=basic&position=zzz",
		"usagePlanId=%zz", "keyId=../../etc", "usagePlanId=basic&keyId=%00",
	} {
		f.Add(seed)
	}
	r, _ := newDemo(f, Config{})
	countOK(mustHandler(f, r, breeds), basicKey, 2)
	h := r.UsageHandler()
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest(http.MethodGet, "/usage", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("query %q: status %d", query, rec.Code)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("query %q: body %q is not JSON", query, rec.Body)
		}
		if rec.Code == http.StatusOK {
			var u Usage
			if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil || u.PlanID == "" {
				t.Fatalf("query %q: report %q", query, rec.Body)
			}
			if v, _ := url.ParseQuery(query); v.Get("usagePlanId") != u.PlanID {
				t.Fatalf("query %q: report of plan %q", query, u.PlanID)
			}
		}
	})
}

// FuzzImportValue imports arbitrary values: a value the rules accept is
// found again by KeyByValue; one they refuse leaves nothing behind.
func FuzzImportValue(f *testing.F) {
	for _, seed := range []string{basicKey, "short", "abcdefghij_abcdefghij", "abcdefghij abcdefghij", "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13"} {
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, value string, strict bool) {
		r := MustNew(Config{StrictKeyValues: strict})
		k, err := r.AddKey(APIKey{Value: value})
		if value == "" { // no value: one is generated
			if err != nil || len(k.Value) != GeneratedKeyLen {
				t.Fatalf("generated %+v, %v", k, err)
			}
			return
		}
		if (err == nil) != (validateValue(value, strict) == nil) {
			t.Fatalf("AddKey(%q) = %v, rules say %v", value, err, validateValue(value, strict))
		}
		got, ok := r.KeyByValue(value)
		if ok != (err == nil) || ok && got.ID != k.ID {
			t.Fatalf("KeyByValue(%q) = %+v, %v after AddKey error %v", value, got, ok, err)
		}
	})
}
