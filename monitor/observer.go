package monitor

import (
	"context"
	"maps"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/stage"
)

// routeKey names one route of one stage of one API: the metrics'
// dimensions, bounded by the API's definition. Method is the route's (ANY
// included); an unrouted request has neither method nor resource.
type routeKey struct{ api, stage, method, resource string }

// routeState is what the monitor precomputes for a route when it is built:
// its dimensions, span name and access log format.
type routeState struct {
	key        routeKey
	name       string // the span's: GET /pets/{id}
	detailed   bool   // the stage's detailed metrics are on for it
	httpAPI    bool   // an HTTP API's: 4xx and 5xx, by ApiId, Stage (and Route)
	req        dims   // ApiName, Stage (+ Resource, Method when detailed)
	auth       dims   // ApiName, Stage, Authorizer
	ctr        *counters
	authCtr    *authCounters
	authorizer string
	log        *logFormat // nil: no access log line
	live       *routeLive
}

// route returns the state of a route that is being built: a fresh one on
// its first phase (so that a stage's new settings apply), the same for
// its other phases.
func (m *Monitor) route(info gateway.PhaseInfo) *routeState {
	k := routeKey{info.APIID, info.Stage.Name, info.Method, info.Resource}
	m.mu.Lock()
	defer m.mu.Unlock()
	if rs := m.routes[k]; rs != nil && info.Phase != gateway.PhaseCORS {
		return rs
	}
	detailed := false
	if ms := info.Stage.For(info.Resource, info.Method); ms.MetricsEnabled != nil {
		detailed = *ms.MetricsEnabled
	}
	if info.HTTPAPI {
		m.httpAPIs[k.api] = true
	}
	rs := m.newRoute(k, detailed, info.Stage.AccessLogFormat)
	rs.authorizer = info.Authorizer
	rs.auth = newDims(attribute.String(rs.apiDim(), k.api), attribute.String(dimStage, k.stage), attribute.String(dimAuthorizer, info.Authorizer))
	if info.Authorizer != "" {
		rs.authCtr = m.authCounters[rs.auth.set.Equivalent()]
		if rs.authCtr == nil {
			rs.authCtr = &authCounters{obs: rs.auth.obs}
			m.authCounters[rs.auth.set.Equivalent()] = rs.authCtr
		}
	}
	m.storeRoute(rs)
	return rs
}

// newRoute builds a route's state. Callers hold m.mu.
func (m *Monitor) newRoute(k routeKey, detailed bool, format string) *routeState {
	rs := &routeState{key: k, name: k.method, detailed: detailed, httpAPI: m.httpAPIs[k.api]}
	if k.resource != "" {
		rs.name = stage.RouteKey(k.resource, k.method)
	}
	kvs := []attribute.KeyValue{attribute.String(rs.apiDim(), k.api), attribute.String(dimStage, k.stage)}
	switch {
	case !detailed || k.resource == "":
	case rs.httpAPI:
		kvs = append(kvs, attribute.String(dimRoute, rs.name))
	default:
		kvs = append(kvs, attribute.String(dimResource, k.resource), attribute.String(dimMethod, k.method))
	}
	rs.req = newDims(kvs...)
	rs.ctr = m.counters[rs.req.set.Equivalent()]
	if rs.ctr == nil {
		rs.ctr = &counters{obs: rs.req.obs, httpAPI: rs.httpAPI}
		m.counters[rs.req.set.Equivalent()] = rs.ctr
	}
	rs.log = m.log.format(format)
	rs.live = m.live.route(k)
	return rs
}

// apiDim is the dimension that names the API: REST APIs' ApiName, HTTP
// APIs' ApiId.
func (rs *routeState) apiDim() string {
	if rs.httpAPI {
		return dimAPIID
	}
	return dimAPIName
}

// storeRoute publishes rs: the request path reads m.routes without a
// lock, so the map is replaced, never changed. Callers hold m.mu.
func (m *Monitor) storeRoute(rs *routeState) {
	next := maps.Clone(m.routes)
	next[rs.key] = rs
	m.routes = next
	m.routesRO.Store(&next)
}

// lookup finds the state of the route that served c: by its method, or
// ANY; for a request no route took, the stage's own (made on first use).
func (m *Monitor) lookup(c *apigw.Context) *routeState {
	routes := *m.routesRO.Load()
	k := routeKey{c.APIID, c.Stage, c.HTTPMethod, c.ResourcePath}
	if c.ResourcePath != "" {
		if rs := routes[k]; rs != nil {
			return rs
		}
		k.method = "ANY"
		if rs := routes[k]; rs != nil {
			return rs
		}
	}
	k.method, k.resource = "", ""
	if rs := routes[k]; rs != nil {
		return rs
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if rs := m.routes[k]; rs != nil {
		return rs
	}
	rs := m.newRoute(k, false, m.stageFormat(c.APIID, c.Stage))
	m.storeRoute(rs)
	return rs
}

// stageFormat is the access log format of a stage, as its routes have it.
// Callers hold m.mu.
func (m *Monitor) stageFormat(api, stage string) string {
	for k, rs := range m.routes {
		if k.api == api && k.stage == stage && rs.log != nil {
			return rs.log.src
		}
	}
	return ""
}

// stateKey finds a request's state in its context.
type stateKey struct{}

// reqState is the monitor's state of one request, and its context: the
// context the gateway was given, with the server span when traced.
type reqState struct {
	context.Context
	c         *apigw.Context
	route     *routeState // nil until known
	span      trace.Span  // nil: not traced
	phases    [numPhases]phaseRun
	spans     *[numPhases]trace.Span // the phases' spans, when traced
	cache     cacheOutcome
	authRan   bool
	authStart time.Time
	authDur   time.Duration
}

// Value finds the state itself; anything else in the context it carries.
func (s *reqState) Value(key any) any {
	if key == (stateKey{}) {
		return s
	}
	return s.Context.Value(key)
}

func stateOf(ctx context.Context) *reqState {
	s, _ := ctx.Value(stateKey{}).(*reqState)
	return s
}

type cacheOutcome uint8

const (
	cacheNone cacheOutcome = iota
	cacheHit
	cacheMiss
)

// Request starts watching a routed request: its state, and its server
// span when traced (the caller's traceparent or X-Amzn-Trace-Id honoured).
func (m *Monitor) Request(ctx context.Context, r *http.Request, c *apigw.Context) context.Context {
	s := &reqState{c: c}
	if m.tracing {
		s.route = m.lookup(c) // for the span's name; else the first phase tells
	}
	s.Context = m.startSpan(ctx, r, s)
	return s
}

// Done records a finished request: its metrics, live figures, access log
// line, and the end of its span.
func (m *Monitor) Done(ctx context.Context, c *apigw.Context) {
	s := stateOf(ctx)
	if s == nil {
		return
	}
	rs, in := s.route, m.inst
	if rs == nil { // no phase ran: no route took the request
		rs = m.lookup(c)
	}
	ctr := rs.ctr
	ctr.count.Add(1)
	switch {
	case c.Status >= 500:
		ctr.e5xx.Add(1)
	case c.Status >= 400:
		ctr.e4xx.Add(1)
	}
	in.latency.Record(ctx, millis(c.ResponseLatency), rs.req.rec...)
	if s.phases[phaseIndex[gateway.PhaseIntegration]].entered {
		in.integrationLatency.Record(ctx, millis(c.IntegrationLatency), rs.req.rec...)
	}
	switch s.cache {
	case cacheHit:
		ctr.cacheHits.Add(1)
	case cacheMiss:
		ctr.cacheMisses.Add(1)
	}
	if s.authRan && rs.authCtr != nil {
		in.authLatency.Record(ctx, millis(s.authDur), rs.auth.rec...)
		if c.AuthorizerCached {
			rs.authCtr.hit.Add(1)
		} else {
			rs.authCtr.miss.Add(1)
		}
	}
	now := m.cfg.Now()
	rs.live.record(now, c, s.cache)
	m.live.recent(now, c)
	if rs.log != nil {
		m.log.write(ctx, rs.log, c)
	}
	if s.span != nil {
		s.span.SetAttributes(attribute.Int("http.response.status_code", c.Status))
		if c.IntegrationStatus != 0 {
			s.span.SetAttributes(attribute.Int("apigw.integration.status", c.IntegrationStatus))
		}
		if c.Status >= 500 {
			s.span.SetStatus(codes.Error, string(c.Error.ResponseType))
		}
		s.span.End()
	}
}
