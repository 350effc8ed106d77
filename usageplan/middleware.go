package usageplan

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/apigw/apigw"
	"golang.org/x/time/rate"
)

// MethodSpec is what the usage-plan phase needs to know about one method of
// a deployed API: the per-method settings package gateway carries in its
// Method and stage.
type MethodSpec struct {
	// APIID and Stage name the API stage, matched against [APIStage].
	APIID string
	Stage string
	// Resource is the method's resource path template ("/pets/{id}", "/")
	// and HTTPMethod its verb ("GET", "ANY"); together they form AWS's
	// method key "/pets/{id}/GET" that [APIStage.Throttle] is keyed by.
	Resource   string
	HTTPMethod string
	// APIKeyRequired is AWS's apiKeyRequired: the request needs a valid
	// key of a plan covering the stage, and the plan's throttle and quota
	// apply. Without it only the method and account levels apply.
	APIKeyRequired bool
	// KeySource overrides the registry's [Config.KeySource] for this
	// method's API; "" keeps it.
	KeySource KeySource
	// Throttle is the stage's method setting for this method (AWS's
	// methodSettings["/pets/GET"] throttling); nil: StageThrottle applies.
	Throttle *Throttle
	// StageThrottle is the stage's default method throttle (AWS's "*/*"
	// method setting). As in AWS it applies to each method separately:
	// every method has its own bucket, of Throttle when set, else of
	// StageThrottle. nil and nil: no method level.
	StageThrottle *Throttle
}

// method is a compiled MethodSpec.
type method struct {
	r         *Registry
	stage     stageRef
	methodKey string // "/pets/GET"
	scope     string // "api:stage:/pets/GET", the per-client per-method bucket
	keyNeeded bool
	source    KeySource
	level     *level // the method level; nil: none
}

// Middleware returns the usage-plan phase of one method: it checks the API
// key (when spec requires one), then takes a token at every throttle level
// in AWS's order of precedence — the plan's per-client per-method and
// per-client buckets and the quota in one atomic step of the [Store], then
// the method and the account buckets — and passes the request on, or
// answers 403 INVALID_API_KEY, 429 THROTTLED or 429 QUOTA_EXCEEDED through
// apigw.WriteError with a Retry-After header.
//
// Build it once per method and deployment; the middleware reads the
// registry's current keys and plans on each request. Middlewares built for
// the same method (API, stage, resource, verb) share its bucket, so a
// redeploy keeps the method's throttle state and applies its new settings.
//
// It fills apigw.Context.Identity.APIKey and APIKeyID, and creates the
// Context when the request has none (standalone use).
func (r *Registry) Middleware(spec MethodSpec) (func(http.Handler) http.Handler, error) {
	m, err := r.compileMethod(spec)
	if err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return &handler{m: m, next: next}
	}, nil
}

func (r *Registry) compileMethod(spec MethodSpec) (*method, error) {
	var errs []error
	name := fmt.Sprintf("usageplan: method %s %s (API %q stage %q)", spec.HTTPMethod, spec.Resource, spec.APIID, spec.Stage)
	if spec.Resource == "" || spec.Resource[0] != '/' {
		errs = append(errs, fmt.Errorf("%s: Resource %q: must start with /", name, spec.Resource))
	}
	if !validHTTPMethod(spec.HTTPMethod) {
		errs = append(errs, fmt.Errorf("%s: HTTPMethod %q: must be an upper-case verb such as GET or ANY", name, spec.HTTPMethod))
	}
	switch spec.KeySource {
	case "", FromHeader, FromAuthorizer:
	default:
		errs = append(errs, fmt.Errorf("%s: KeySource %q: must be HEADER or AUTHORIZER", name, spec.KeySource))
	}
	level := spec.Throttle
	field := "Throttle"
	if level == nil {
		level, field = spec.StageThrottle, "StageThrottle"
	}
	if level != nil {
		if err := level.validateLocal(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", name, field, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	m := &method{
		r:         r,
		stage:     stageRef{spec.APIID, spec.Stage},
		methodKey: spec.Resource + "/" + spec.HTTPMethod,
		keyNeeded: spec.APIKeyRequired,
		source:    spec.KeySource,
	}
	m.scope = spec.APIID + ":" + spec.Stage + ":" + m.methodKey
	if m.source == "" {
		m.source = r.keySource
	}
	if level != nil && level.Rate != Unlimited {
		m.level = r.methodLevel(methodRef{spec.APIID, spec.Stage, spec.Resource, spec.HTTPMethod}, *level)
	}
	return m, nil
}

// methodLevel returns the shared level of a method, set to t (not
// Unlimited).
func (r *Registry) methodLevel(ref methodRef, t Throttle) *level {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.methods[ref]
	if l == nil {
		l = newLevel(t)
		r.methods[ref] = l
		return l
	}
	now := r.now()
	if l.lim.Limit() != rate.Limit(t.Rate) {
		l.lim.SetLimitAt(now, rate.Limit(t.Rate))
	}
	if l.lim.Burst() != t.Burst {
		l.lim.SetBurstAt(now, t.Burst)
	}
	return l
}

type handler struct {
	m    *method
	next http.Handler
}

// The reasons of a 403, for logs (apigw.Error.Err); the client sees only
// AWS's "Forbidden".
var (
	errMissingKey  = errors.New("usageplan: no API key sent")
	errUnknownKey  = errors.New("usageplan: unknown API key")
	errDisabledKey = errors.New("usageplan: API key disabled")
	errNoPlan      = errors.New("usageplan: API key in no enabled usage plan for this API stage")
)

// ServeHTTP runs the phase for one request.
func (h *handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	req, c := apigw.EnsureContext(req)
	m := h.m
	r := m.r
	if !m.keyNeeded {
		now := r.now()
		if wait, l := r.takeLocal(m.level, now); wait > 0 {
			r.writeThrottled(w, req, wait, l.burst())
			return
		}
		h.next.ServeHTTP(w, req)
		return
	}

	var value string
	if m.source == FromAuthorizer {
		value = c.Authorizer.UsageIdentifierKey
	} else if v := req.Header[HeaderName]; len(v) > 0 {
		value = v[0]
	}
	if value == "" {
		apigw.WriteError(w, req, &apigw.Error{Type: apigw.InvalidAPIKey, Err: errMissingKey})
		return
	}
	e := r.lookup(value)
	if e == nil {
		apigw.WriteError(w, req, &apigw.Error{Type: apigw.InvalidAPIKey, Err: errUnknownKey})
		return
	}
	if e.key.Disabled {
		apigw.WriteError(w, req, &apigw.Error{Type: apigw.InvalidAPIKey, Err: errDisabledKey})
		return
	}
	plan, stage, b := e.planFor(m.stage)
	if plan == nil {
		apigw.WriteError(w, req, &apigw.Error{Type: apigw.InvalidAPIKey, Err: errNoPlan})
		return
	}
	c.Identity.APIKey = value
	c.Identity.APIKeyID = e.key.ID

	now := r.now()
	// Look before the store: while the method or account level is empty,
	// refuse without spending the client's tokens or quota.
	if wait, l := r.peekLocal(m.level, now); wait > 0 {
		b.slot.counters.throttled.Add(1)
		r.writeThrottled(w, req, wait, l.burst())
		return
	}

	ar := plan.request(b.counterID, now)
	ar.Throttle = plan.throttle
	if t := stage.methods[m.methodKey]; t != nil {
		ar.Method, ar.MethodThrottle = m.scope, t
	}
	ar.Backlog = r.backlog.take(ar.ID)
	ar.WantTokens = r.headers && ar.Limit < 0
	dec, err := r.admit(req, ar)
	failedOpen := false
	var pending *Pending
	if err != nil {
		r.counters.storeErrors.Add(1)
		if req.Context().Err() == nil { // else the client left: not the store's fault
			r.warn(now, err)
		}
		if pending = asPending(err); pending == nil {
			if ar.Backlog.N > 0 {
				r.backlog.put(ar.ID, ar.Backlog)
			}
		}
		if r.policy == FailClosed {
			if pending != nil {
				pending.onResolved(r.settle(ar, false))
			}
			apigw.WriteError(w, req, &apigw.Error{Type: apigw.Default5XX, Err: err})
			return
		}
		if pending == nil {
			r.backlog.add(ar.Counter, ar.N)
		}
		failedOpen = true
		r.counters.failedOpen.Add(1)
	}
	if !failedOpen && dec.Outcome != Admitted {
		if dec.Outcome == QuotaExceeded {
			b.slot.counters.quotaExceeded.Add(1)
			r.writeQuotaExceeded(w, req, ar.Limit, ar.PeriodEnd.Time().Sub(now))
		} else {
			b.slot.counters.throttled.Add(1)
			r.writeThrottled(w, req, dec.RetryAfter, refusedBurst(ar, dec))
		}
		return
	}
	if wait, l := r.takeLocal(m.level, now); wait > 0 {
		// Lost the race for the method or account token after the store
		// admitted: give the quota back.
		if pending != nil {
			pending.onResolved(r.settle(ar, false))
		} else {
			r.refund(req, ar, failedOpen)
		}
		b.slot.counters.throttled.Add(1)
		r.writeThrottled(w, req, wait, l.burst())
		return
	}
	if pending != nil {
		pending.onResolved(r.settle(ar, true))
	}
	if r.headers && !failedOpen {
		setAdmittedHeaders(w.Header(), ar, dec, now)
	}
	h.next.ServeHTTP(w, req)
}

// refusedBurst is the burst of the plan's bucket that the store says
// throttled ar.
func refusedBurst(ar AdmitRequest, dec Decision) int {
	t := ar.Throttle
	if (dec.MethodThrottled || t == nil) && ar.MethodThrottle != nil {
		t = ar.MethodThrottle
	}
	if t == nil {
		return 0
	}
	return t.Burst
}

// asPending returns err's *Pending, if it has one.
func asPending(err error) *Pending {
	var p *Pending
	if errors.As(err, &p) {
		return p
	}
	return nil
}

// settle returns what to do once the store knows the outcome of a call it
// stopped waiting for: count the request when it was served and the store
// did not count it, give its quota back when it was not served and the
// store counted it, and give back the backlog batch the call carried
// unless the store ran the call (which counted it).
func (r *Registry) settle(ar AdmitRequest, served bool) func(Decision, error) {
	return func(dec Decision, err error) {
		if err != nil && ar.Backlog.N > 0 {
			r.backlog.put(ar.ID, ar.Backlog)
		}
		counted := err == nil && dec.Outcome == Admitted
		switch {
		case served && !counted:
			r.backlog.add(ar.Counter, ar.N)
		case !served && counted:
			ref := ar
			ref.N = -ar.N
			ref.Throttle, ref.Method, ref.MethodThrottle, ref.Backlog = nil, "", nil, Backlog{}
			if _, err := r.store.Admit(context.Background(), ref); err != nil {
				r.warn(r.now(), err)
			}
		}
	}
}

// admit calls the store, turning a panic into an error.
func (r *Registry) admit(req *http.Request, ar AdmitRequest) (dec Decision, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("usageplan: store panicked: %v", p)
		}
	}()
	return r.store.Admit(req.Context(), ar)
}

// refund gives back the quota of a request the store admitted but a local
// level refused.
func (r *Registry) refund(req *http.Request, ar AdmitRequest, failedOpen bool) {
	if failedOpen {
		r.backlog.add(ar.Counter, -ar.N)
		return
	}
	ar.N = -ar.N
	ar.Throttle, ar.Method, ar.MethodThrottle, ar.Backlog = nil, "", nil, Backlog{}
	if _, err := r.admit(req, ar); err != nil {
		r.counters.storeErrors.Add(1)
		r.warn(ar.Now, err)
	}
}

// request builds the store request of the counter id at now.
func (p *planState) request(id string, now time.Time) AdmitRequest {
	return AdmitRequest{Counter: p.counter(id, DateOf(now)), Now: now, N: 1}
}

// counter returns the counter id on day today.
func (p *planState) counter(id string, today Date) Counter {
	pc := p.period.Load()
	if pc == nil || pc.today != today {
		pc = &periodCache{today: today, c: Counter{Limit: -1, Period: today, PeriodEnd: today + 1, Today: today}}
		if q := p.plan.Quota; q != nil {
			pc.c.Period, pc.c.PeriodEnd = periodBounds(q.Period, today)
			pc.c.Limit = q.Limit
			if pc.c.Period == p.initial {
				pc.c.Limit -= q.Offset
			}
		}
		p.period.Store(pc)
	}
	c := pc.c
	c.ID = id
	return c
}

// periodCache is a plan's quota period for one day, computed once a day.
type periodCache struct {
	today Date
	c     Counter // without ID
}
