package usageplan

import (
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
	"golang.org/x/time/rate"
)

// never is the wait reported by a level that admits nothing (rate 0).
const never = time.Hour

// peek returns how long until lim holds a token, without taking one; 0
// when it holds one now (or lim is nil). Its arithmetic is rate.Limiter's,
// so that the AllowN that follows agrees.
func peek(lim *rate.Limiter, now time.Time) time.Duration {
	if lim == nil {
		return 0
	}
	missing := 1 - lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	l := lim.Limit()
	if l <= 0 || lim.Burst() < 1 {
		return never
	}
	return time.Duration(missing / float64(l) * float64(time.Second))
}

// level is a local throttle level, the method's or the account's: a token
// bucket and a hint that it ran dry. While it is dry, requests look at it
// before calling the store, so that a refused request spends no quota;
// otherwise they skip the look, which costs a lock.
type level struct {
	lim *rate.Limiter
	dry atomic.Bool
}

// newLevel returns the level of t; nil when t is Unlimited.
func newLevel(t Throttle) *level {
	if t.Rate == Unlimited {
		return nil
	}
	return &level{lim: rate.NewLimiter(rate.Limit(t.Rate), t.Burst)}
}

// peek returns how long until l holds a token when l ran dry lately, else 0.
func (l *level) peek(now time.Time) time.Duration {
	if l == nil || !l.dry.Load() {
		return 0
	}
	return peek(l.lim, now)
}

// take takes a token from l; it returns 0 on success, else how long until
// l holds one.
func (l *level) take(now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	if l.lim.AllowN(now, 1) {
		if l.dry.Load() {
			l.dry.Store(false)
		}
		return 0
	}
	l.dry.Store(true)
	return max(peek(l.lim, now), time.Nanosecond)
}

// burst is the level's burst, for the RateLimit headers.
func (l *level) burst() int {
	if l == nil {
		return 0
	}
	return l.lim.Burst()
}

// takeLocal takes a token from the method level and then the account level;
// it returns 0 on success, else how long until the refusing level has one,
// and that level. A token the method level gave stays taken when the
// account refuses.
func (r *Registry) takeLocal(method *level, now time.Time) (time.Duration, *level) {
	if wait := method.take(now); wait > 0 {
		return wait, method
	}
	return r.account.take(now), r.account
}

// peekLocal returns how long until both the method and the account level
// hold a token, when one of them ran dry lately, and the level that waits
// longer; 0 when neither has run dry.
func (r *Registry) peekLocal(method *level, now time.Time) (time.Duration, *level) {
	wm, wa := method.peek(now), r.account.peek(now)
	if wm >= wa {
		return wm, method
	}
	return wa, r.account
}

// retrySeconds renders a wait as Retry-After does: whole seconds, rounded
// up, at least 1.
func retrySeconds(d time.Duration) int64 {
	s := int64(math.Ceil(d.Seconds()))
	return max(s, 1)
}

// writeThrottled answers 429 THROTTLED for a bucket of burst that holds a
// token again in wait; with the RateLimit headers they describe that bucket.
func (r *Registry) writeThrottled(w http.ResponseWriter, req *http.Request, wait time.Duration, burst int) {
	retry := retrySeconds(min(wait, never))
	h := http.Header{"Retry-After": {strconv.FormatInt(retry, 10)}}
	if r.headers {
		setRateLimit(h, int64(burst), 0, retry)
	}
	apigw.WriteError(w, req, &apigw.Error{Type: apigw.Throttled, Header: h})
}

// writeQuotaExceeded answers 429 QUOTA_EXCEEDED for a quota of limit whose
// period ends in untilReset; with the RateLimit headers they describe it.
func (r *Registry) writeQuotaExceeded(w http.ResponseWriter, req *http.Request, limit int64, untilReset time.Duration) {
	retry := retrySeconds(untilReset)
	h := http.Header{"Retry-After": {strconv.FormatInt(retry, 10)}}
	if r.headers {
		setRateLimit(h, limit, 0, retry)
	}
	apigw.WriteError(w, req, &apigw.Error{Type: apigw.QuotaExceeded, Header: h})
}

// The RateLimit header names of the IETF httpapi draft, canonical.
const (
	headerLimit     = "Ratelimit-Limit"
	headerRemaining = "Ratelimit-Remaining"
	headerReset     = "Ratelimit-Reset"
)

// setAdmittedHeaders describes, on an admitted request's answer, the quota
// of its plan when it has one, else the plan's per-client throttle.
func setAdmittedHeaders(h http.Header, ar AdmitRequest, dec Decision, now time.Time) {
	switch {
	case ar.Limit >= 0:
		setRateLimit(h, ar.Limit, max(dec.Remaining, 0), retrySeconds(ar.PeriodEnd.Time().Sub(now)))
	case ar.Throttle != nil:
		t := ar.Throttle
		remaining := max(dec.Tokens, 0)
		full := never
		if t.Rate > 0 {
			full = time.Duration(float64(int64(t.Burst)-remaining) / t.Rate * float64(time.Second))
		}
		setRateLimit(h, int64(t.Burst), remaining, retrySeconds(min(full, never)))
	}
}

// setRateLimit sets the three RateLimit headers.
func setRateLimit(h http.Header, limit, remaining, reset int64) {
	v := []string{strconv.FormatInt(limit, 10), strconv.FormatInt(remaining, 10), strconv.FormatInt(reset, 10)}
	h[headerLimit], h[headerRemaining], h[headerReset] = v[0:1:1], v[1:2:2], v[2:3:3]
}
