package usageplan

import (
	"context"
	"time"
)

// Store keeps the state that replicas of a gateway must share: the token
// buckets of usage-plan throttles, quota counters and daily usage records,
// all addressed by a counter ID that names one key in one plan
// ("planID/keyID"). [NewMemoryStore] is the in-process default; package
// usageplan/redisstore shares the state through Redis.
//
// Implementations must be safe for simultaneous use by multiple goroutines
// and must return (not hang) when the context is done.
type Store interface {
	// Admit decides one request: it takes one token from every bucket of
	// req and then spends req.N of the quota, all or nothing, as one atomic
	// step (so replicas never over-admit). A refused request changes no
	// bucket and no counter. Whatever the outcome, req.Backlog is added to
	// the counters first, once per Backlog.ID: the registry carries a batch
	// again, under the same ID, when a call that carried it failed, and the
	// store may have counted it all the same (a timeout after the store
	// ran the call). A store that can fail after counting records the IDs
	// it counted, with the counters, atomically, for as long as it keeps
	// the batch's usage record. A negative req.N is a refund: -N is given
	// back to the quota and to today's usage, buckets untouched, and the
	// outcome is Admitted.
	Admit(ctx context.Context, req AdmitRequest) (Decision, error)
	// SetRemaining sets the remaining quota of c's current period to
	// remaining, AWS's UpdateUsage; remaining above the limit extends it
	// for this period. Today's usage record keeps its count.
	SetRemaining(ctx context.Context, c Counter, remaining int64) error
	// Usage returns the daily records of counter id for the days from
	// through to, one entry per day, in order.
	Usage(ctx context.Context, id string, from, to Date) ([]DayUsage, error)
}

// Counter addresses a key's quota in one plan for the current period.
type Counter struct {
	// ID names the key in its plan: "planID/keyID". It holds no secret.
	ID string
	// Limit is the number of requests the current period allows, the plan's
	// offset already subtracted; below 0: no quota, requests are only
	// counted.
	Limit int64
	// Period is the first day of the current quota period and PeriodEnd
	// the first day of the next one; a store may forget a period's counter
	// once it is over.
	Period, PeriodEnd Date
	// Today is the day whose usage record the request counts toward.
	Today Date
}

// Backlog is a number of requests admitted while the store could not be
// reached (fail-open policy), counted when it answers again.
type Backlog struct {
	// ID identifies the batch, unique across replicas and restarts (a
	// random head per registry and a sequence number); the store counts a
	// batch once per ID (see [Store.Admit]).
	ID string
	// N is the number of requests.
	N int64
	// Period, PeriodEnd and Today are those of the requests' Counter.
	Period, PeriodEnd, Today Date
}

// AdmitRequest is one request of a key under its usage plan.
type AdmitRequest struct {
	Counter
	// Now is the request's time from the registry's clock.
	Now time.Time
	// N is the number of requests to admit, 1 for an HTTP request; below
	// 0, a refund (see [Store.Admit]).
	N int64
	// Throttle is the plan's per-client bucket (counter ID alone); nil:
	// none.
	Throttle *Throttle
	// Method names the per-client per-method bucket within the counter
	// ("api:stage:/pets/GET"); "": none.
	Method string
	// MethodThrottle sets the Method bucket; nil: none.
	MethodThrottle *Throttle
	// Backlog is added to the counters before anything is decided.
	Backlog Backlog
	// WantTokens asks for [Decision.Tokens]; without it a store may leave
	// Tokens at -1.
	WantTokens bool
}

// Outcome is what a [Store] decided.
type Outcome uint8

// The outcomes of [Store.Admit].
const (
	Admitted Outcome = iota
	Throttled
	QuotaExceeded
)

// Decision is the answer of [Store.Admit].
type Decision struct {
	// Outcome is Admitted, Throttled or QuotaExceeded.
	Outcome Outcome
	// RetryAfter is, when Throttled, how long until every bucket has a
	// token again.
	RetryAfter time.Duration
	// MethodThrottled reports, when Throttled, that RetryAfter is the wait
	// of the per-client per-method bucket, rather than of the per-client
	// one: the bucket that refused the request.
	MethodThrottled bool
	// Remaining is the quota left in the period after this request; -1
	// without a quota.
	Remaining int64
	// Tokens is the number of whole tokens left in the per-client bucket;
	// -1 without one (or unless [AdmitRequest.WantTokens]).
	Tokens int64
}

// DayUsage is a key's usage record for one day.
type DayUsage struct {
	// Date is the day (UTC).
	Date Date
	// Used is the number of requests admitted that day.
	Used int64
	// Remaining is the quota left after the day's last request or
	// [Store.SetRemaining]; -1 without a quota or when not recorded.
	Remaining int64
	// Recorded is false for a day without any record; Used and Remaining
	// are then 0 and -1.
	Recorded bool
}
