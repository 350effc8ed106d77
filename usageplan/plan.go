package usageplan

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Unlimited is a [Throttle] rate without limit: a level whose Rate is
// Unlimited admits every request (use it to switch the account level off).
const Unlimited = math.MaxFloat64

// Throttle is a token bucket, AWS's ThrottleSettings: Rate tokens per second
// refill a bucket of Burst tokens, and each request takes one.
type Throttle struct {
	// Rate is the steady-state number of requests per second (AWS's
	// rateLimit); fractions are allowed. [Unlimited] admits everything.
	Rate float64
	// Burst is the bucket size: how many requests may arrive at once
	// (AWS's burstLimit).
	Burst int
}

// Period is the length of a quota period, AWS's QuotaPeriodType. Periods
// start at 00:00 UTC: a DAY every day, a WEEK every Monday, a MONTH on the
// first of the month.
type Period string

// The quota periods.
const (
	Day   Period = "DAY"
	Week  Period = "WEEK"
	Month Period = "MONTH"
)

// MaxQuota is the largest [Quota.Limit]: 2^53, so that every store,
// Redis's Lua numbers included, counts it exactly.
const MaxQuota = 1 << 53

// Quota is AWS's QuotaSettings: at most Limit requests per Period.
type Quota struct {
	// Limit is the number of requests a key may make in one period, at
	// most [MaxQuota].
	Limit int64
	// Offset is subtracted from Limit in the plan's initial period, the one
	// that contains [Plan.CreatedAt] (AWS: "the number of requests
	// subtracted from the given limit in the initial time period").
	Offset int64
	// Period is DAY, WEEK or MONTH.
	Period Period
}

// APIStage is one API stage a plan covers, AWS's ApiStage.
type APIStage struct {
	// APIID and Stage name the stage, as [MethodSpec] does.
	APIID string
	Stage string
	// Throttle holds per-method throttles for the plan's keys on this
	// stage, keyed as AWS keys them: the resource path, a slash and the
	// HTTP method ("/pets/GET", "/pets/{id}/DELETE", "//GET" for the root).
	// A request to such a method needs a token from this bucket as well as
	// from the plan's Throttle.
	Throttle map[string]Throttle
}

// Plan is a usage plan, AWS's UsagePlan: who may call which API stages, how
// fast and how often. Keys are attached with [Registry.AddPlanKey] or
// [Registry.AddKey].
type Plan struct {
	// ID identifies the plan: 1 to 128 characters of A-Z a-z 0-9 . _ -.
	ID string
	// Name is a label for people.
	Name string
	// Description is free text.
	Description string
	// Throttle limits each key of the plan, summed over all the plan's
	// stages (AWS's per-client throttle). nil: no per-client throttle.
	Throttle *Throttle
	// Quota limits the requests each key may make per period. nil: no
	// quota (requests are still counted for usage reports).
	Quota *Quota
	// Stages are the API stages the plan covers. A key may belong to many
	// plans but to only one plan per API stage.
	Stages []APIStage
	// Disabled suspends the plan (an apigw extension): while set, the
	// plan's keys get 403 Forbidden on its stages.
	Disabled bool
	// CreatedAt fixes the plan's initial quota period (see
	// [Quota.Offset]). Zero: the time [Registry.AddPlan] is called. Set it
	// explicitly when replicas must agree on the initial period.
	CreatedAt time.Time
}

// validID reports whether s can be a key or plan ID: it appears in store
// keys, so it is kept to a safe alphabet.
func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-' {
			return false
		}
	}
	return true
}

func isAlnum(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// validate checks t as a level of the usage plan, which must let some
// requests through: Rate above 0 and Burst at least 1.
func (t Throttle) validatePlan() error {
	if math.IsNaN(t.Rate) || t.Rate <= 0 {
		return fmt.Errorf("Rate %v: must be above 0", t.Rate)
	}
	if t.Burst < 1 {
		return fmt.Errorf("Burst %d: must be at least 1", t.Burst)
	}
	return nil
}

// validateLocal checks t as a method, stage or account level, where AWS
// also accepts 0/0 (every request throttled).
func (t Throttle) validateLocal() error {
	if math.IsNaN(t.Rate) || t.Rate < 0 {
		return fmt.Errorf("Rate %v: must be 0 or more", t.Rate)
	}
	if t.Burst < 0 {
		return fmt.Errorf("Burst %d: must be 0 or more", t.Burst)
	}
	return nil
}

func (q Quota) validate() error {
	var errs []error
	switch q.Period {
	case Day, Week, Month:
	default:
		errs = append(errs, fmt.Errorf("Period %q: must be DAY, WEEK or MONTH", q.Period))
	}
	if q.Limit < 0 || q.Limit > MaxQuota {
		errs = append(errs, fmt.Errorf("Limit %d: must be 0 to 2^53", q.Limit))
	}
	if q.Offset < 0 || q.Offset > q.Limit {
		errs = append(errs, fmt.Errorf("Offset %d: must be between 0 and Limit", q.Offset))
	}
	return errors.Join(errs...)
}

// validate checks p and returns every problem, each naming its field.
func (p *Plan) validate() error {
	var errs []error
	if !validID(p.ID) {
		errs = append(errs, fmt.Errorf("usageplan: plan ID %q: must be 1 to 128 characters of A-Z a-z 0-9 . _ -", p.ID))
	}
	prefix := "usageplan: plan " + p.ID + ": "
	if p.Throttle != nil {
		if err := p.Throttle.validatePlan(); err != nil {
			errs = append(errs, fmt.Errorf("%sThrottle: %w", prefix, err))
		}
	}
	if p.Quota != nil {
		if err := p.Quota.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%sQuota: %w", prefix, err))
		}
	}
	seen := make(map[stageRef]bool, len(p.Stages))
	for i, s := range p.Stages {
		ref := stageRef{s.APIID, s.Stage}
		if s.Stage == "" {
			errs = append(errs, fmt.Errorf("%sStages[%d]: Stage is empty", prefix, i))
		}
		if seen[ref] {
			errs = append(errs, fmt.Errorf("%sStages[%d]: API %q stage %q listed twice", prefix, i, s.APIID, s.Stage))
		}
		seen[ref] = true
		for _, m := range sortedKeys(s.Throttle) {
			if !validMethodKey(m) {
				errs = append(errs, fmt.Errorf("%sStages[%d].Throttle[%q]: want /resource/path/METHOD, as /pets/GET", prefix, i, m))
				continue
			}
			if err := s.Throttle[m].validatePlan(); err != nil {
				errs = append(errs, fmt.Errorf("%sStages[%d].Throttle[%q]: %w", prefix, i, m, err))
			}
		}
	}
	return errors.Join(errs...)
}

// validMethodKey reports whether k looks like AWS's "/resource/METHOD".
func validMethodKey(k string) bool {
	i := strings.LastIndexByte(k, '/')
	if len(k) < 2 || k[0] != '/' || i < 1 || i == len(k)-1 {
		return false
	}
	return validHTTPMethod(k[i+1:])
}

func validHTTPMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return false
		}
	}
	return true
}

// clone returns a deep copy of p, so the registry never shares maps or
// slices with its caller.
func (p Plan) clone() Plan {
	if p.Throttle != nil {
		t := *p.Throttle
		p.Throttle = &t
	}
	if p.Quota != nil {
		q := *p.Quota
		p.Quota = &q
	}
	if p.Stages != nil {
		stages := make([]APIStage, len(p.Stages))
		for i, s := range p.Stages {
			if s.Throttle != nil {
				m := make(map[string]Throttle, len(s.Throttle))
				for k, v := range s.Throttle {
					m[k] = v
				}
				s.Throttle = m
			}
			stages[i] = s
		}
		p.Stages = stages
	}
	return p
}

// Date is a calendar day in UTC, counted in days since 1970-01-01. Stores
// use it to name quota periods and daily usage records.
type Date int32

// DateOf returns the UTC day that contains t.
func DateOf(t time.Time) Date {
	s := t.Unix()
	d := s / 86400
	if s < 0 && s%86400 != 0 {
		d--
	}
	return Date(d)
}

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("usageplan: date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// Time returns 00:00 UTC of d.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats d as "2006-01-02".
func (d Date) String() string { return d.Time().Format(time.DateOnly) }

// periodBounds returns the first day of the period of p that contains d and
// the first day of the next period.
func periodBounds(p Period, d Date) (start, end Date) {
	switch p {
	case Week:
		// 1970-01-01 was a Thursday: day 0 is 3 days after a Monday.
		start = d - Date(((int64(d)+3)%7+7)%7)
		return start, start + 7
	case Month:
		y, m, day := civil(int64(d))
		start = d - Date(day-1)
		return start, start + Date(daysIn(y, m))
	default:
		return d, d + 1
	}
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil inverse), without the time package's
// cost on the request path.
func civil(z int64) (year int64, month, day int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// daysIn is the number of days of month in year.
func daysIn(year int64, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
