package monitor

import (
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/apigw/apigw/gateway"
)

// The phases in pipeline order, and their index in reqState.phases.
var phaseOrder = []gateway.Phase{
	gateway.PhaseCORS, gateway.PhasePayloadLimit, gateway.PhaseAuthorizer, gateway.PhaseUsagePlan,
	gateway.PhaseValidation, gateway.PhaseCache, gateway.PhaseMapping, gateway.PhaseIntegration,
}

const numPhases = 8

var phaseIndex = func() map[gateway.Phase]int {
	m := map[gateway.Phase]int{}
	for i, p := range phaseOrder {
		m[p] = i
	}
	return m
}()

// The spans' names: the mapping phase makes two, one for the request
// mapping before the integration and one for the response mapping after.
const (
	spanRequestMapping  = "request mapping"
	spanResponseMapping = "response mapping"
)

// phaseRun is one phase of one request.
type phaseRun struct {
	entered bool
	passed  bool // it called the next phase
}

// phaseHandler runs one phase of one route for the monitor: it times the
// phase until it passes the request on (or answers), in a span of its own
// when the request is traced.
type phaseHandler struct {
	m     *Monitor
	route *routeState
	phase gateway.Phase
	i     int
	name  string
	inner http.Handler // the phase, with passOn as its next
	next  http.Handler
}

// Phase wraps one phase of a route when the gateway builds it.
func (m *Monitor) Phase(info gateway.PhaseInfo, mw func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	rs := m.route(info)
	i, ok := phaseIndex[info.Phase]
	if !ok {
		return mw // a phase this monitor does not know
	}
	switch info.Phase {
	case gateway.PhaseCORS, gateway.PhaseAuthorizer, gateway.PhaseCache, gateway.PhaseIntegration:
		// The first phase tells the request its route; the others are
		// measured.
	case gateway.PhasePayloadLimit:
		// One comparison of the Content-Length: not worth a span.
		return mw
	default:
		if !m.tracing {
			return mw
		}
	}
	name := string(info.Phase)
	if info.Phase == gateway.PhaseMapping {
		name = spanRequestMapping
	}
	return func(next http.Handler) http.Handler {
		ph := &phaseHandler{m: m, route: rs, phase: info.Phase, i: i, name: name, next: next}
		ph.inner = mw(http.HandlerFunc(ph.passOn))
		return ph
	}
}

func (ph *phaseHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := stateOf(r.Context())
	if s == nil { // not a request the monitor was told of
		ph.inner.ServeHTTP(w, r)
		return
	}
	if s.route == nil {
		s.route = ph.route
	}
	run := &s.phases[ph.i]
	run.entered = true
	if ph.phase == gateway.PhaseAuthorizer {
		s.authRan = true
		s.authStart = time.Now()
	}
	if s.span != nil {
		if s.spans == nil {
			s.spans = new([numPhases]trace.Span)
		}
		_, span := ph.m.tracer.Start(s.Context, ph.name, ph.m.internalSpan...)
		s.spans[ph.i] = span
		if ph.phase == gateway.PhaseIntegration {
			// The integration's own calls (an HTTP integration's request)
			// are its children.
			r = r.WithContext(trace.ContextWithSpan(r.Context(), span))
			// A panicking integration (the gateway answers 502) ends its
			// span too.
			defer func() {
				if p := recover(); p != nil {
					span.SetStatus(codes.Error, fmt.Sprint("integration panicked: ", p))
					span.End()
					s.spans[ph.i] = nil
					panic(p)
				}
			}()
		}
	}
	ph.inner.ServeHTTP(w, r)
	if !run.passed {
		ph.end(s, run, false)
	} else if s.spans != nil && s.spans[ph.i] != nil { // the response mapping's
		s.spans[ph.i].End()
		s.spans[ph.i] = nil
	}
}

// passOn is the phase's next handler: the phase is over when it passes the
// request on.
func (ph *phaseHandler) passOn(w http.ResponseWriter, r *http.Request) {
	s := stateOf(r.Context())
	if s == nil {
		ph.next.ServeHTTP(w, r)
		return
	}
	run := &s.phases[ph.i]
	run.passed = true
	ph.end(s, run, true)
	ph.next.ServeHTTP(w, r)
	if s.span != nil && ph.phase == gateway.PhaseMapping {
		// What the phase does after the integration is the response
		// mapping, ended when the phase returns.
		_, s.spans[ph.i] = ph.m.tracer.Start(s.Context, spanResponseMapping, ph.m.internalSpan...)
	}
}

// end closes a phase: it passed the request on, or answered it.
func (ph *phaseHandler) end(s *reqState, run *phaseRun, passed bool) {
	c := s.c
	switch ph.phase {
	case gateway.PhaseAuthorizer:
		s.authDur = time.Since(s.authStart)
	case gateway.PhaseCache:
		switch {
		case passed:
			s.cache = cacheMiss
		case c.Status != 0: // the cache answered from an entry
			s.cache = cacheHit
		}
	}
	if s.spans == nil || s.spans[ph.i] == nil {
		return
	}
	span := s.spans[ph.i]
	var kvs []attribute.KeyValue
	switch ph.phase {
	case gateway.PhaseAuthorizer:
		cached := "miss"
		if c.AuthorizerCached {
			cached = "hit"
		}
		kvs = []attribute.KeyValue{attribute.String("apigw.authorizer.name", ph.route.authorizer), attribute.String("apigw.authorizer.cache", cached)}
		if c.Authorizer.PrincipalID != "" {
			kvs = append(kvs, attribute.String("apigw.authorizer.principal_id", c.Authorizer.PrincipalID))
		}
	case gateway.PhaseUsagePlan:
		if c.Identity.APIKeyID != "" {
			kvs = []attribute.KeyValue{attribute.String("apigw.api_key_id", c.Identity.APIKeyID)}
		}
	case gateway.PhaseCache:
		outcome := "miss"
		if s.cache == cacheHit {
			outcome = "hit"
		}
		kvs = []attribute.KeyValue{attribute.String("apigw.cache", outcome)}
	}
	if len(kvs) > 0 {
		span.SetAttributes(kvs...)
	}
	if !passed && c.Error.ResponseType != "" && ph.phase != gateway.PhaseIntegration {
		span.SetStatus(codes.Error, string(c.Error.ResponseType))
	}
	span.End()
	s.spans[ph.i] = nil
}
