package authorizer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/apigw/apigw"
	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/sync/singleflight"
)

// lambdaSettings are the settings TOKEN and REQUEST authorizers share.
type lambdaSettings struct {
	TTL       time.Duration
	CacheSize int
	Timeout   time.Duration
	Now       func() time.Time
	Logger    *slog.Logger
}

// lambdaCore is what TOKEN and REQUEST authorizers share: the bounded
// result cache keyed by the identity sources, one call per key at a time,
// recovery and logging of the user's function, and the evaluation of a
// result against each request's method ARN.
type lambdaCore struct {
	kind    string // "TOKEN" or "REQUEST", for logs
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	log     *slog.Logger
	cache   *ttlCache[string, *result] // nil: caching off
	sf      singleflight.Group
}

func newLambdaCore(kind, prefix string, s lambdaSettings) (*lambdaCore, []error) {
	l := &lambdaCore{kind: kind, ttl: s.TTL, timeout: s.Timeout, now: nowFunc(s.Now), log: s.Logger}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("authorizer: "+prefix+"."+format, args...))
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	switch {
	case s.TTL == 0:
		l.ttl = DefaultTTL
	case s.TTL == NoCache:
		l.ttl = 0
	case s.TTL < 0:
		bad("TTL %v: negative (use NoCache to turn the cache off)", s.TTL)
	case s.TTL > MaxTTL:
		bad("TTL %v: over AWS's maximum of %v", s.TTL, MaxTTL)
	}
	if l.timeout == 0 {
		l.timeout = DefaultTimeout
	} else if l.timeout < 0 {
		bad("Timeout %v: negative", s.Timeout)
	}
	size := s.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	} else if size < 0 {
		bad("CacheSize %d: negative", s.CacheSize)
	}
	if l.ttl > 0 && size > 0 {
		seed := maphash.MakeSeed()
		l.cache = newTTLCache[string, *result](size, func(k string) uint64 { return maphash.String(seed, k) })
	}
	return l, errs
}

// result is a Lambda-style authorizer's answer, checked, as cached.
type result struct {
	principalID string
	policy      *policy // nil for an HTTP API simple response
	authorized  bool    // the simple response's isAuthorized
	context     map[string]any
	usageKey    string
}

// apply evaluates res for the request: the policy against c.MethodARN()
// (an explicit Deny wins, no matching Allow is an implicit deny), and on
// success fills c.Authorizer.
func (res *result) apply(c *apigw.Context) error {
	if res.policy == nil {
		if !res.authorized {
			return &apigw.Error{Type: apigw.AccessDenied, Message: "Forbidden",
				Err: errors.New("authorizer: isAuthorized is false")}
		}
	} else {
		switch res.policy.evaluate(c.MethodARN()) {
		case explicitDeny:
			return &apigw.Error{Type: apigw.AccessDenied, Message: msgExplicitDeny,
				Err: ErrExplicitDeny}
		case implicitDeny:
			return &apigw.Error{Type: apigw.AccessDenied, Message: msgNotAuthorized,
				Err: ErrImplicitDeny}
		}
	}
	c.Authorizer = apigw.Authorizer{PrincipalID: res.principalID, Context: res.context, UsageIdentifierKey: res.usageKey}
	return nil
}

// cached returns the live cached result for key.
func (l *lambdaCore) cached(key string) (*result, bool) {
	if l.cache == nil {
		return nil, false
	}
	return l.cache.get(key, l.now().UnixNano())
}

// funcError is the error the user's function returned.
type funcError struct{ err error }

func (e funcError) Error() string { return e.err.Error() }
func (e funcError) Unwrap() error { return e.err }

// call runs fn, bounded by the timeout and with its panics recovered: once
// for all concurrent callers of one key when caching is on (the result is
// then cached for the TTL), once per caller when it is off. The function's
// "Unauthorized" is a 401; any other error, a panic or a malformed answer
// is logged and is a 500 AUTHORIZER_CONFIGURATION_ERROR. fn must not touch
// the request or its Context: it may outlive them.
//
// The call runs on a context that the callers' cancellation does not reach
// (only the timeout does): a caller whose client leaves stops waiting, and
// the others still get the answer.
func (l *lambdaCore) call(ctx context.Context, key, requestID string, fn func(context.Context) (*result, error)) (*result, error) {
	run := func() (*result, error) {
		// A caller that missed the cache just before another's call stored
		// its answer, and reached the flight group after that call had
		// left it, finds the answer here instead of calling again: with
		// the answer stored before a call leaves the group, concurrent
		// first requests with one key make exactly one call.
		if res, ok := l.cached(key); ok {
			return res, nil
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.timeout)
		defer cancel()
		res, err := l.protect(cctx, requestID, fn)
		if err != nil {
			return nil, err
		}
		if l.cache != nil {
			l.cache.put(key, res, l.now().Add(l.ttl).UnixNano())
		}
		return res, nil
	}
	if l.cache == nil {
		return run()
	}
	ch := l.sf.DoChan(key, func() (any, error) { return run() })
	select {
	case out := <-ch:
		if out.Err != nil {
			return nil, out.Err
		}
		return out.Val.(*result), nil
	case <-ctx.Done():
		return nil, &apigw.Error{Type: apigw.AuthorizerFailure, NullMessage: true, Err: ctx.Err()}
	}
}

// protect runs fn and turns its failures into refusals.
func (l *lambdaCore) protect(ctx context.Context, requestID string, fn func(context.Context) (*result, error)) (res *result, err error) {
	defer func() {
		if p := recover(); p != nil {
			l.log.Error("authorizer: function panicked", "type", l.kind, "requestId", requestID,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res, err = nil, configError(fmt.Errorf("authorizer: %s function panicked: %v", l.kind, p))
		}
	}()
	res, err = fn(ctx)
	if err == nil {
		return res, nil
	}
	var fe funcError
	if errors.As(err, &fe) {
		// AWS answers 401 only for a function error whose message is
		// exactly "Unauthorized"; a wrapped ErrUnauthorized is another
		// message, hence a 500, as in AWS.
		if fe.err.Error() == "Unauthorized" {
			return nil, unauthorized(fmt.Errorf("authorizer: %s function: %w", l.kind, fe.err))
		}
		l.log.Error("authorizer: function failed", "type", l.kind, "requestId", requestID, "err", fe.err)
		return nil, configError(fmt.Errorf("authorizer: %s function: %w", l.kind, fe.err))
	}
	l.log.Error("authorizer: malformed answer", "type", l.kind, "requestId", requestID, "err", err)
	return nil, configError(err)
}

// policyResult checks a policy answer: a principal id, a well-formed
// policy, and a context of strings, numbers and booleans.
func policyResult(resp events.APIGatewayCustomAuthorizerResponse) (*result, error) {
	if resp.PrincipalID == "" {
		return nil, errors.New("authorizer: answer has no principalId")
	}
	p, err := compilePolicy(resp.PolicyDocument)
	if err != nil {
		return nil, fmt.Errorf("authorizer: %w", err)
	}
	ctxMap, err := checkContext(resp.Context)
	if err != nil {
		return nil, err
	}
	return &result{principalID: resp.PrincipalID, policy: p, context: ctxMap, usageKey: resp.UsageIdentifierKey}, nil
}

// simpleResult checks an HTTP API simple answer.
func simpleResult(resp events.APIGatewayV2CustomAuthorizerSimpleResponse) (*result, error) {
	ctxMap, err := checkContext(resp.Context)
	if err != nil {
		return nil, err
	}
	return &result{authorized: resp.IsAuthorized, context: ctxMap}, nil
}

// checkContext copies an answer's context map after checking that every
// value is a string, a finite number or a boolean, as AWS requires.
func checkContext(m map[string]any) (map[string]any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		ok := true
		switch x := v.(type) {
		case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		case float32:
			ok = !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0)
		case float64:
			ok = !math.IsNaN(x) && !math.IsInf(x, 0)
		case json.Number:
			_, err := x.Float64()
			ok = err == nil
		default:
			ok = false
		}
		if !ok {
			return nil, fmt.Errorf("authorizer: answer context[%q]: %T is not a string, number or boolean", k, v)
		}
		out[k] = v
	}
	return out, nil
}

// missingIdentity is the 401 for an absent or empty identity source.
func missingIdentity(what string) *apigw.Error {
	return unauthorized(errors.New("authorizer: identity source " + what + " is missing"))
}

// singleHeader returns the only value of header h, or "" when it is absent
// or sent more than once.
func singleHeader(r *http.Request, h string) string {
	vals := r.Header[h]
	if len(vals) != 1 {
		return ""
	}
	return vals[0]
}
