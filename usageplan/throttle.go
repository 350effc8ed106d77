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

// takeLocal takes a token from the method level and then the account level;
// it returns 0 on success, else how long until the refusing level has one.
// A token the method level gave stays taken when the account refuses.
func (r *Registry) takeLocal(method *level, now time.Time) time.Duration {
	if wait := method.take(now); wait > 0 {
		return wait
	}
	return r.account.take(now)
}

// retrySeconds renders a wait as Retry-After does: whole seconds, rounded
// up, at least 1.
func retrySeconds(d time.Duration) int64 {
	s := int64(math.Ceil(d.Seconds()))
	return max(s, 1)
}

func writeThrottled(w http.ResponseWriter, req *http.Request, wait time.Duration) {
	apigw.WriteError(w, req, &apigw.Error{
		Type:   apigw.Throttled,
		Header: http.Header{"Retry-After": {strconv.FormatInt(retrySeconds(min(wait, never)), 10)}},
	})
}

func writeQuotaExceeded(w http.ResponseWriter, req *http.Request, untilReset time.Duration) {
	apigw.WriteError(w, req, &apigw.Error{
		Type:   apigw.QuotaExceeded,
		Header: http.Header{"Retry-After": {strconv.FormatInt(retrySeconds(untilReset), 10)}},
	})
}

// The RateLimit header names of the IETF httpapi draft, canonical.
const (
	headerLimit     = "Ratelimit-Limit"
	headerRemaining = "Ratelimit-Remaining"
	headerReset     = "Ratelimit-Reset"
)

// setRateLimitHeaders describes the quota of the request's plan when it has
// one, else its per-client throttle.
func setRateLimitHeaders(h http.Header, ar AdmitRequest, dec Decision, now time.Time) {
	var limit, remaining, reset int64
	switch {
	case ar.Limit >= 0:
		limit = ar.Limit
		remaining = max(dec.Remaining, 0)
		reset = retrySeconds(ar.PeriodEnd.Time().Sub(now))
	case ar.Throttle != nil:
		t := ar.Throttle
		limit = int64(t.Burst)
		remaining = max(dec.Tokens, 0)
		if dec.Outcome == Throttled {
			remaining, reset = 0, retrySeconds(dec.RetryAfter)
		} else {
			reset = retrySeconds(time.Duration(float64(int64(t.Burst)-remaining) / t.Rate * float64(time.Second)))
		}
	default:
		return
	}
	v := []string{strconv.FormatInt(limit, 10), strconv.FormatInt(remaining, 10), strconv.FormatInt(reset, 10)}
	h[headerLimit], h[headerRemaining], h[headerReset] = v[0:1:1], v[1:2:2], v[2:3:3]
}
