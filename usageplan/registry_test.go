package usageplan

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidateValue(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		strict bool
		ok     bool
	}{
		{"demo basic", basicKey, false, true},
		{"demo standard", standardKey, false, true},
		{"demo premium", premiumKey, false, true},
		{"demo under strict", basicKey, true, false},
		{"alphanumeric under strict", "abcdefghijABCDEFGHIJ0123", true, true},
		{"underscore", "abcdefghij_abcdefghij", false, true},
		{"20 characters", strings.Repeat("a", 20), false, true},
		{"19 characters", strings.Repeat("a", 19), false, false},
		{"128 characters", strings.Repeat("a", 128), false, true},
		{"129 characters", strings.Repeat("a", 129), false, false},
		{"space", "abcdefghij abcdefghij", false, false},
		{"dot", "abcdefghij.abcdefghij", false, false},
		{"non-ASCII", "abcdefghijéabcdefghij", false, false},
		{"NUL", "abcdefghij\x00abcdefghij", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateValue(tt.value, tt.strict)
			if (err == nil) != tt.ok {
				t.Fatalf("validateValue(%q, strict %v) = %v, want ok %v", tt.value, tt.strict, err, tt.ok)
			}
		})
	}
}

func TestGeneratedKeys(t *testing.T) {
	r := MustNew(Config{StrictKeyValues: true})
	seen := map[string]bool{}
	for range 200 {
		k, err := r.AddKey(APIKey{Name: "gen"})
		if err != nil {
			t.Fatal(err)
		}
		if len(k.Value) != GeneratedKeyLen || validateValue(k.Value, true) != nil {
			t.Fatalf("generated value %q", k.Value)
		}
		if len(k.ID) != 10 || !validID(k.ID) || k.CreatedAt.IsZero() {
			t.Fatalf("generated key %+v", k)
		}
		if seen[k.Value] || seen[k.ID] {
			t.Fatalf("repeated %q", k.Value)
		}
		seen[k.Value], seen[k.ID] = true, true
	}
}

func TestKeyLifecycle(t *testing.T) {
	r, clock := newDemo(t, Config{})
	h := mustHandler(t, r, breeds)
	status := func() int { return send(h, premiumKey).Code }
	steps := []struct {
		name string
		do   func() error
		want int
	}{
		{"as added", nil, 200},
		{"disabled", func() error { return r.SetKeyEnabled("premium-key", false) }, 403},
		{"enabled", func() error { return r.SetKeyEnabled("premium-key", true) }, 200},
		{"plan disabled", func() error { return r.SetPlanEnabled("premium", false) }, 403},
		{"plan enabled", func() error { return r.SetPlanEnabled("premium", true) }, 200},
		{"detached", func() error { return r.RemovePlanKey("premium", "premium-key") }, 403},
		{"attached", func() error { return r.AddPlanKey("premium", "premium-key") }, 200},
		{"plan leaves the stage", func() error {
			p, _ := r.Plan("premium")
			p.Stages = []APIStage{{APIID: "pets", Stage: "beta"}}
			return r.UpdatePlan(p)
		}, 403},
		{"plan back on the stage", func() error {
			p, _ := r.Plan("premium")
			p.Stages = prod
			return r.UpdatePlan(p)
		}, 200},
		{"value rotated", func() error {
			return r.UpdateKey(APIKey{ID: "premium-key", Name: "premium", Value: "rotated-premium-key-00000001"})
		}, 403},
		{"value back", func() error { return r.UpdateKey(APIKey{ID: "premium-key", Value: premiumKey}) }, 200},
		{"plan removed", func() error { return r.RemovePlan("premium") }, 403},
	}
	for _, s := range steps {
		if s.do != nil {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		clock.Advance(time.Second)
		if got := status(); got != s.want {
			t.Fatalf("%s: got %d, want %d", s.name, got, s.want)
		}
	}
	if got := r.KeyPlans("premium-key"); len(got) != 0 {
		t.Errorf("key still in plans %v after RemovePlan", got)
	}
	if err := r.RemoveKey("premium-key"); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.KeyByValue(premiumKey); ok {
		t.Error("removed key still found")
	}
	if _, ok := r.Key("premium-key"); ok {
		t.Error("removed key still listed")
	}
}

func TestRegistryErrors(t *testing.T) {
	r, _ := newDemo(t, Config{})
	if err := r.AddPlan(Plan{ID: "beta", Stages: []APIStage{{APIID: "pets", Stage: "beta"}}}); err != nil {
		t.Fatal(err)
	}
	if err := r.AddPlan(Plan{ID: "prod2", Stages: prod}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
		text string
	}{
		{"duplicate plan", r.AddPlan(Plan{ID: "basic"}), ErrExists, "basic"},
		{"update unknown plan", r.UpdatePlan(Plan{ID: "nope"}), ErrNotFound, "nope"},
		{"remove unknown plan", r.RemovePlan("nope"), ErrNotFound, "nope"},
		{"duplicate key ID", second(r.AddKey(APIKey{ID: "basic-key"})), ErrExists, "basic-key"},
		{"duplicate key value", second(r.AddKey(APIKey{Value: basicKey})), ErrExists, "Value"},
		{"key to unknown plan", second(r.AddKey(APIKey{}, "nope")), ErrNotFound, "nope"},
		{"key to two plans of one stage", second(r.AddKey(APIKey{}, "basic", "prod2")), ErrConflict, "prod"},
		{"attach to a second plan of the stage", r.AddPlanKey("prod2", "basic-key"), ErrConflict, "prod"},
		{"attach twice", r.AddPlanKey("basic", "basic-key"), ErrExists, "basic-key"},
		{"detach unknown", r.RemovePlanKey("beta", "basic-key"), ErrNotFound, "beta"},
		{"update unknown key", r.UpdateKey(APIKey{ID: "nope"}), ErrNotFound, "nope"},
		{"rotate to a used value", r.UpdateKey(APIKey{ID: "basic-key", Value: standardKey}), ErrExists, "Value"},
		{"enable unknown key", r.SetKeyEnabled("nope", true), ErrNotFound, "nope"},
		{"remove unknown key", r.RemoveKey("nope"), ErrNotFound, "nope"},
		{"short imported value", second(r.AddKey(APIKey{Value: "short"})), nil, "Value"},
		{"bad key ID", second(r.AddKey(APIKey{ID: "a b"})), nil, "ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil || !strings.HasPrefix(tt.err.Error(), "usageplan: ") || !strings.Contains(tt.err.Error(), tt.text) {
				t.Fatalf("error %v, want one naming %q", tt.err, tt.text)
			}
			if tt.want != nil && !errors.Is(tt.err, tt.want) {
				t.Fatalf("error %v is not %v", tt.err, tt.want)
			}
		})
	}
	// A plan update that would put a key in two plans of one stage fails.
	if _, err := r.AddKey(APIKey{ID: "both"}, "basic", "beta"); err != nil {
		t.Fatal(err)
	}
	p, _ := r.Plan("beta")
	p.Stages = prod
	if err := r.UpdatePlan(p); !errors.Is(err, ErrConflict) {
		t.Fatalf("UpdatePlan: %v, want ErrConflict", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestPlanValidation(t *testing.T) {
	tests := []struct {
		name string
		plan Plan
		want []string
	}{
		{"empty ID", Plan{}, []string{"plan ID"}},
		{"bad ID", Plan{ID: "a/b"}, []string{"plan ID"}},
		{"zero rate", Plan{ID: "p", Throttle: &Throttle{Burst: 1}}, []string{"Throttle: Rate"}},
		{"zero burst", Plan{ID: "p", Throttle: &Throttle{Rate: 1}}, []string{"Throttle: Burst"}},
		{"bad period", Plan{ID: "p", Quota: &Quota{Limit: 1, Period: "YEAR"}}, []string{"Quota: Period"}},
		{"negative limit", Plan{ID: "p", Quota: &Quota{Limit: -1, Period: Day}}, []string{"Quota: Limit", "Offset"}},
		{"limit over 2^53", Plan{ID: "p", Quota: &Quota{Limit: MaxQuota + 1, Period: Day}}, []string{"Quota: Limit"}},
		{"offset over limit", Plan{ID: "p", Quota: &Quota{Limit: 1, Offset: 2, Period: Day}}, []string{"Quota: Offset"}},
		{"no stage name", Plan{ID: "p", Stages: []APIStage{{APIID: "a"}}}, []string{"Stages[0]: Stage"}},
		{"stage twice", Plan{ID: "p", Stages: []APIStage{{APIID: "a", Stage: "s"}, {APIID: "a", Stage: "s"}}}, []string{"Stages[1]"}},
		{"bad method key", Plan{ID: "p", Stages: []APIStage{{Stage: "s", Throttle: map[string]Throttle{"pets GET": {Rate: 1, Burst: 1}}}}}, []string{`Throttle["pets GET"]`}},
		{"bad method throttle", Plan{ID: "p", Stages: []APIStage{{Stage: "s", Throttle: map[string]Throttle{"/pets/GET": {}}}}}, []string{`Throttle["/pets/GET"]: Rate`}},
		{"all at once", Plan{ID: "", Throttle: &Throttle{}, Quota: &Quota{}}, []string{"plan ID", "Throttle", "Quota: Period"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := MustNew(Config{}).AddPlan(tt.plan)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestPlanIsCopied(t *testing.T) {
	r := MustNew(Config{})
	p := Plan{ID: "p", Throttle: &Throttle{Rate: 1, Burst: 1}, Stages: []APIStage{{Stage: "s", Throttle: map[string]Throttle{"/a/GET": {Rate: 1, Burst: 1}}}}}
	if err := r.AddPlan(p); err != nil {
		t.Fatal(err)
	}
	p.Throttle.Rate = 99
	p.Stages[0].Throttle["/a/GET"] = Throttle{Rate: 99, Burst: 99}
	got, _ := r.Plan("p")
	if got.Throttle.Rate != 1 || got.Stages[0].Throttle["/a/GET"].Rate != 1 {
		t.Fatalf("the registry shares the caller's plan: %+v", got)
	}
	if ids := slices.Collect(func(yield func(string) bool) {
		for _, p := range r.Plans() {
			yield(p.ID)
		}
	}); !slices.Equal(ids, []string{"p"}) {
		t.Fatalf("Plans %v", ids)
	}
}

func TestImportKeysAllOrNothing(t *testing.T) {
	r, _ := newDemo(t, Config{})
	_, err := r.ImportKeys([]APIKey{{ID: "k1", Value: "import-key-0000000000000001"}, {ID: "k2", Value: "short"}}, "basic")
	if err == nil {
		t.Fatal("accepted a short value")
	}
	if _, ok := r.Key("k1"); ok {
		t.Fatal("a failed import added k1")
	}
	keys := make([]APIKey, 3000)
	for i := range keys {
		keys[i].ID = "bulk-" + itoa(int64(i))
	}
	got, err := r.ImportKeys(keys, "standard")
	if err != nil {
		t.Fatal(err)
	}
	h := mustHandler(t, r, breeds)
	if rec := send(h, got[2999].Value); rec.Code != 200 {
		t.Fatalf("imported key: %d", rec.Code)
	}
	if n := len(r.PlanKeys("standard")); n != 3001 {
		t.Fatalf("standard has %d keys, want 3001", n)
	}
	if n := len(r.Keys()); n != 3003 {
		t.Fatalf("%d keys, want 3003", n)
	}
}

func TestPeriods(t *testing.T) {
	day := func(s string) Date {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		period     Period
		on         string
		start, end string
	}{
		{Day, "2024-06-05", "2024-06-05", "2024-06-06"},
		{Week, "2024-06-05", "2024-06-03", "2024-06-10"}, // Wednesday → Monday
		{Week, "2024-06-03", "2024-06-03", "2024-06-10"}, // a Monday
		{Week, "2024-06-09", "2024-06-03", "2024-06-10"}, // a Sunday
		{Week, "1970-01-01", "1969-12-29", "1970-01-05"},
		{Week, "1969-12-28", "1969-12-22", "1969-12-29"},
		{Month, "2024-02-29", "2024-02-01", "2024-03-01"},
		{Month, "2024-12-31", "2024-12-01", "2025-01-01"},
		{Month, "2024-01-01", "2024-01-01", "2024-02-01"},
	}
	for _, tt := range tests {
		t.Run(string(tt.period)+" "+tt.on, func(t *testing.T) {
			s, e := periodBounds(tt.period, day(tt.on))
			if s.String() != tt.start || e.String() != tt.end {
				t.Fatalf("got %v..%v, want %s..%s", s, e, tt.start, tt.end)
			}
		})
	}
	if got := DateOf(time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC)); got != -1 {
		t.Errorf("DateOf before the epoch = %d, want -1", got)
	}
	if got := DateOf(time.Date(2024, 6, 5, 23, 59, 59, 0, time.FixedZone("x", -3600))); got.String() != "2024-06-06" {
		t.Errorf("DateOf is not UTC: %v", got)
	}
	if _, err := ParseDate("2024-6-5"); err == nil {
		t.Error("ParseDate accepted 2024-6-5")
	}
}

// TestQuotaPeriodsAndOffset: the offset applies to the initial period only;
// weekly and monthly quotas reset on their UTC boundaries.
func TestQuotaPeriodsAndOffset(t *testing.T) {
	tests := []struct {
		name   string
		quota  Quota
		next   time.Time // the start of the next period after t0
		first  int       // admitted in the initial period
		second int
	}{
		{"day with offset", Quota{Limit: 5, Offset: 2, Period: Day}, time.Date(2024, 6, 6, 0, 0, 0, 0, time.UTC), 3, 5},
		{"week", Quota{Limit: 4, Period: Week}, time.Date(2024, 6, 10, 0, 0, 0, 0, time.UTC), 4, 4},
		{"month with offset", Quota{Limit: 4, Offset: 4, Period: Month}, time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), 0, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0)
			r := MustNew(Config{Now: clock.Now})
			q := tt.quota
			if err := r.AddPlan(Plan{ID: "p", Quota: &q, Stages: prod}); err != nil {
				t.Fatal(err)
			}
			if _, err := r.AddKey(APIKey{Value: basicKey}, "p"); err != nil {
				t.Fatal(err)
			}
			h := mustHandler(t, r, breeds)
			if got := countOK(h, basicKey, 10); got != tt.first {
				t.Fatalf("initial period admitted %d, want %d", got, tt.first)
			}
			clock.Set(tt.next.Add(-time.Nanosecond))
			if got := countOK(h, basicKey, 1); got != 0 {
				t.Fatal("admitted before the period ended")
			}
			clock.Set(tt.next)
			if got := countOK(h, basicKey, 10); got != tt.second {
				t.Fatalf("next period admitted %d, want %d", got, tt.second)
			}
		})
	}
}

// TestCivil checks the calendar arithmetic of monthly periods against the
// time package, day by day over four centuries around the epoch.
func TestCivil(t *testing.T) {
	for d := Date(-80000); d < 80000; d++ {
		tm := d.Time()
		y, m, day := civil(int64(d))
		if y != int64(tm.Year()) || m != int(tm.Month()) || day != tm.Day() {
			t.Fatalf("civil(%d) = %d-%d-%d, want %v", d, y, m, day, tm)
		}
		s, e := periodBounds(Month, d)
		first := time.Date(tm.Year(), tm.Month(), 1, 0, 0, 0, 0, time.UTC)
		if s != DateOf(first) || e != DateOf(first.AddDate(0, 1, 0)) {
			t.Fatalf("month of %v: %v..%v", tm, s, e)
		}
	}
}
