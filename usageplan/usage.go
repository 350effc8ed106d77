package usageplan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/apigw/apigw"
)

// maxReportRange bounds the days one report may span.
const maxReportRange = 366

// UsageQuery selects a usage report, as AWS's GetUsage does.
type UsageQuery struct {
	// PlanID is the plan; required.
	PlanID string
	// KeyID limits the report to one key; "" reports every key of the
	// plan. A key removed from the plan can still be named, for its
	// history.
	KeyID string
	// Start and End are the first and last day reported (UTC), at most 366
	// days apart.
	Start, End Date
	// Limit is the number of keys per page; 0 reports every key.
	Limit int
	// Position resumes a report at the key a previous page's
	// [Usage.Position] named.
	Position string
}

// Usage is a usage report in the JSON shape of AWS's GetUsage: for each
// key, one [used, remaining] pair per day from StartDate to EndDate.
// Remaining is the quota left at the end of the day (-1 when the plan has no
// quota).
type Usage struct {
	// PlanID is the plan reported on.
	PlanID string `json:"usagePlanId"`
	// StartDate and EndDate are the first and last day, "2006-01-02".
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
	// Position is set when more keys follow: pass it as
	// [UsageQuery.Position] for the next page.
	Position string `json:"position,omitempty"`
	// Items maps each key ID to its daily [used, remaining] pairs.
	Items map[string][][2]int64 `json:"values"`
}

// Usage returns a usage report (AWS's GetUsage) read from the store.
func (r *Registry) Usage(ctx context.Context, q UsageQuery) (*Usage, error) {
	p := r.plans.Load().m[q.PlanID]
	if p == nil {
		return nil, fmt.Errorf("usageplan: Usage: plan %q: %w", q.PlanID, ErrNotFound)
	}
	if q.End < q.Start || q.End-q.Start >= maxReportRange {
		return nil, fmt.Errorf("usageplan: Usage: %v to %v: want at most %d days, start first", q.Start, q.End, maxReportRange)
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("usageplan: Usage: Limit %d: must be 0 or more", q.Limit)
	}
	var keys []string
	if q.KeyID != "" {
		if !validID(q.KeyID) {
			return nil, fmt.Errorf("usageplan: Usage: key %q: %w", q.KeyID, ErrNotFound)
		}
		keys = []string{q.KeyID}
	} else {
		keys = r.PlanKeys(q.PlanID)
	}
	if q.Position != "" {
		i, _ := slices.BinarySearch(keys, q.Position)
		keys = keys[i:]
	}
	u := &Usage{PlanID: q.PlanID, StartDate: q.Start.String(), EndDate: q.End.String(), Items: make(map[string][][2]int64, len(keys))}
	if q.Limit > 0 && len(keys) > q.Limit {
		u.Position = keys[q.Limit]
		keys = keys[:q.Limit]
	}
	from := q.Start
	if p.plan.Quota != nil {
		from, _ = periodBounds(p.plan.Quota.Period, q.Start)
	}
	for _, k := range keys {
		days, err := r.store.Usage(ctx, counterID(q.PlanID, k), from, q.End)
		if err != nil {
			return nil, err
		}
		if len(days) != int(q.End-from+1) {
			return nil, fmt.Errorf("usageplan: Usage: the store returned %d days for %d", len(days), q.End-from+1)
		}
		u.Items[k] = p.pairs(days, q.Start)
	}
	return u, nil
}

// pairs turns daily records into [used, remaining] pairs from start on,
// carrying the remaining quota forward within each period.
func (p *planState) pairs(days []DayUsage, start Date) [][2]int64 {
	q := p.plan.Quota
	out := make([][2]int64, 0, len(days))
	rem := int64(-1)
	var periodEnd Date
	for i, d := range days {
		if q != nil {
			if i == 0 || d.Date >= periodEnd {
				var ps Date
				ps, periodEnd = periodBounds(q.Period, d.Date)
				rem = q.Limit
				if ps == p.initial {
					rem -= q.Offset
				}
			}
			if d.Recorded {
				if d.Remaining >= 0 {
					rem = d.Remaining
				} else {
					rem -= d.Used
				}
			}
		}
		if d.Date >= start {
			r := rem
			if q != nil {
				r = max(r, 0)
			}
			out = append(out, [2]int64{d.Used, r})
		}
	}
	return out
}

// UpdateUsage sets the quota the key keyID has left in the plan planID for
// the current period (AWS's UpdateUsage); a remaining above the limit
// extends the quota for this period only.
func (r *Registry) UpdateUsage(ctx context.Context, planID, keyID string, remaining int64) error {
	p := r.plans.Load().m[planID]
	if p == nil {
		return fmt.Errorf("usageplan: UpdateUsage: plan %q: %w", planID, ErrNotFound)
	}
	if p.plan.Quota == nil {
		return fmt.Errorf("usageplan: UpdateUsage: plan %q has no quota", planID)
	}
	if remaining < 0 {
		return fmt.Errorf("usageplan: UpdateUsage: remaining %d: must be 0 or more", remaining)
	}
	if !slices.Contains(r.KeyPlans(keyID), planID) {
		return fmt.Errorf("usageplan: UpdateUsage: key %q in plan %q: %w", keyID, planID, ErrNotFound)
	}
	ar := p.request(counterID(planID, keyID), r.now())
	return r.store.SetRemaining(ctx, ar.Counter, remaining)
}

// UsageHandler returns an http.Handler that answers GET requests with a
// usage report as JSON (AWS's GetUsage shape), from the query parameters
// usagePlanId (required), keyId, startDate and endDate (YYYY-MM-DD, default
// today), limit (keys per page, default 25, at most 500) and position.
// Errors are gateway responses: 400 for bad parameters, 404 for an unknown
// plan. It is opt-in: mount it behind your own authorization, since it
// reveals every key's usage.
func (r *Registry) UsageHandler() http.Handler {
	return http.HandlerFunc(r.serveUsage)
}

func (r *Registry) serveUsage(w http.ResponseWriter, req *http.Request) {
	req, _ = apigw.EnsureContext(req)
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		apigw.WriteError(w, req, &apigw.Error{Type: apigw.Default4XX, Status: http.StatusMethodNotAllowed, Message: "Method Not Allowed"})
		return
	}
	q, err := r.parseUsageQuery(req)
	if err != nil {
		apigw.WriteError(w, req, &apigw.Error{Type: apigw.BadRequestParameters, Message: err.Error()})
		return
	}
	u, err := r.Usage(req.Context(), q)
	switch {
	case errors.Is(err, ErrNotFound):
		apigw.WriteError(w, req, &apigw.Error{Type: apigw.ResourceNotFound, Message: "Invalid Usage Plan ID specified", Err: err})
		return
	case err != nil:
		apigw.WriteError(w, req, &apigw.Error{Type: apigw.Default5XX, Err: err})
		return
	}
	body, err := json.Marshal(u)
	if err != nil {
		apigw.WriteError(w, req, &apigw.Error{Type: apigw.Default5XX, Err: err})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// parseUsageQuery reads the handler's query parameters; the error message
// is meant for the client.
func (r *Registry) parseUsageQuery(req *http.Request) (UsageQuery, error) {
	v := req.URL.Query()
	q := UsageQuery{PlanID: v.Get("usagePlanId"), KeyID: v.Get("keyId"), Position: v.Get("position"), Limit: 25}
	if q.PlanID == "" {
		return q, errors.New("Missing required request parameters: [usagePlanId]")
	}
	today := DateOf(r.now())
	q.Start, q.End = today, today
	for name, d := range map[string]*Date{"startDate": &q.Start, "endDate": &q.End} {
		if s := v.Get(name); s != "" {
			parsed, err := ParseDate(s)
			if err != nil {
				return q, fmt.Errorf("Invalid %s: want YYYY-MM-DD", name)
			}
			*d = parsed
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return q, errors.New("Invalid limit: want 1 to 500")
		}
		q.Limit = n
	}
	if q.End < q.Start || q.End-q.Start >= maxReportRange {
		return q, fmt.Errorf("Invalid date range: endDate must not precede startDate, at most %d days", maxReportRange)
	}
	return q, nil
}
