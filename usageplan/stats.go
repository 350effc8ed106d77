package usageplan

import "sync/atomic"

// Stats are a Registry's counters since New, for metrics: what AWS's
// CloudWatch does not show about usage plans.
type Stats struct {
	// Plans counts the refusals of each plan's keys, by plan ID; a plan
	// removed from the registry takes its counts with it.
	Plans map[string]PlanStats
	// StoreErrors are failed calls to the Store (Redis unreachable or
	// late, for package redisstore), each handled by the failure policy.
	StoreErrors uint64
	// FailedOpen are requests admitted unthrottled because the store
	// failed, under the FailOpen policy.
	FailedOpen uint64
}

// PlanStats are the refusals of one plan's keys.
type PlanStats struct {
	// Throttled are requests refused with 429 Too Many Requests at any
	// level (the plan's, the method's or the account's) while using a
	// key of the plan.
	Throttled uint64
	// QuotaExceeded are requests refused with 429 Limit Exceeded.
	QuotaExceeded uint64
}

// planCounters are the counters of one plan ID, kept in its slot so that
// they survive changes to the plan.
type planCounters struct {
	throttled, quotaExceeded atomic.Uint64
}

// registryCounters are the registry-wide counters.
type registryCounters struct {
	storeErrors, failedOpen atomic.Uint64
}

// Stats returns the registry's counters. It takes the registry's lock for
// a moment: call it when metrics are collected, not per request.
func (r *Registry) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Stats{
		Plans:       make(map[string]PlanStats, len(r.slots)),
		StoreErrors: r.counters.storeErrors.Load(),
		FailedOpen:  r.counters.failedOpen.Load(),
	}
	for id, slot := range r.slots {
		s.Plans[id] = PlanStats{Throttled: slot.counters.throttled.Load(), QuotaExceeded: slot.counters.quotaExceeded.Load()}
	}
	return s
}
