package monitor

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/usageplan"
	"github.com/apigw/apigw/websocket"
)

// ScopeName is the instrumentation scope of the monitor's meter and tracer.
const ScopeName = "github.com/apigw/apigw/monitor"

// Config configures a [Monitor]. The zero value records metrics and traces
// through OpenTelemetry's global providers (no-ops until the application
// sets some) and writes no access log.
type Config struct {
	// MeterProvider makes the instruments. Default: otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
	// TracerProvider makes the spans. Default: otel.GetTracerProvider().
	// Its sampler decides which requests are traced; an unsampled request
	// costs no phase span. trace/noop's provider turns tracing off, trace
	// propagation and $context.xrayTraceId included.
	TracerProvider trace.TracerProvider
	// Propagator reads the caller's trace context from the request and
	// writes it into HTTP integration requests. Default: W3C traceparent
	// and baggage. X-Amzn-Trace-Id is always read too, when the request
	// has no traceparent.
	Propagator propagation.TextMapPropagator
	// AccessLog writes a line per request in the stage's access log format
	// (stage.Stage.AccessLogFormat, or AccessLog.Format). Default: none
	// (the gateway's own slog access log, gateway.WithAccessLog, is
	// unaffected).
	AccessLog AccessLog
	// UsagePlans, when set, adds each plan's throttled and quota-refused
	// requests and the store's errors and fail-open admissions to the
	// metrics, and each key's usage to the console.
	UsagePlans *usageplan.Registry
	// RecentRequests is how many requests the console lists. Default 50.
	RecentRequests int
	// Now is the clock of the console's live figures. Default time.Now.
	Now func() time.Time
}

// AccessLog says where and how the monitor writes access log lines.
type AccessLog struct {
	// Writer receives one line per request, newline-terminated. Writes
	// are serialised.
	Writer io.Writer
	// Logger receives one record per request whose message is the line
	// (Info, Warn for 4xx, Error for 5xx), when Writer is nil.
	Logger *slog.Logger
	// Format is the format of stages that set no
	// stage.Stage.AccessLogFormat: $context variables in text, such as
	// the presets CLF, JSON, XML and CSV. "" writes nothing for them.
	Format string
}

// Monitor watches gateways and WebSocket APIs: it is a gateway.Observer
// and a websocket.Observer. It records AWS's CloudWatch metrics and
// X-Ray-style traces through the OpenTelemetry API, writes access logs in
// AWS's formats and serves a console page ([Monitor.Console]). It is safe
// for simultaneous use by multiple goroutines, and starts no goroutine.
type Monitor struct {
	cfg     Config
	tracing bool // false for trace/noop's provider: no span, no propagation
	tracer  trace.Tracer
	// The spans' start options, made once: an option is an interface,
	// made per call it would allocate.
	serverSpan, internalSpan, clientSpan []trace.SpanStartOption
	propFields                           []string // the propagator's headers, canonical
	prop                                 propagation.TextMapPropagator
	inst                                 *instruments
	log                                  *accessLogger
	live                                 *liveStats
	ws                                   wsRoutes

	mu       sync.RWMutex
	routes   map[routeKey]*routeState                 // under mu
	routesRO atomic.Pointer[map[routeKey]*routeState] // the same, read without mu
	httpAPIs map[string]bool                          // API ids of HTTP APIs, under mu
	// The request counters by dimensions, under mu; never removed (the
	// API's definitions bound them).
	counters     map[attribute.Distinct]*counters
	authCounters map[attribute.Distinct]*authCounters
	gateways     []*gateway.Gateway
	apis         []*websocket.API
	plans        *usageplan.Registry
	reg          metric.Registration
}

var (
	_ gateway.Observer   = (*Monitor)(nil)
	_ websocket.Observer = (*Monitor)(nil)
)

// New returns a Monitor configured by cfg: the instruments are made and a
// default access log format is checked here.
func New(cfg Config) (*Monitor, error) {
	if cfg.MeterProvider == nil {
		cfg.MeterProvider = otel.GetMeterProvider()
	}
	if cfg.TracerProvider == nil {
		cfg.TracerProvider = otel.GetTracerProvider()
	}
	if cfg.Propagator == nil {
		cfg.Propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	}
	if cfg.RecentRequests <= 0 {
		cfg.RecentRequests = 50
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var errs []error
	m := &Monitor{cfg: cfg, prop: cfg.Propagator, routes: map[routeKey]*routeState{}, httpAPIs: map[string]bool{}, plans: cfg.UsagePlans,
		counters: map[attribute.Distinct]*counters{}, authCounters: map[attribute.Distinct]*authCounters{}}
	m.routesRO.Store(&m.routes)
	m.tracer = cfg.TracerProvider.Tracer(ScopeName)
	_, off := cfg.TracerProvider.(noop.TracerProvider)
	m.tracing = !off
	m.serverSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}
	m.internalSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
	m.clientSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
	for _, f := range cfg.Propagator.Fields() {
		m.propFields = append(m.propFields, http.CanonicalHeaderKey(f))
	}
	inst, err := newInstruments(cfg.MeterProvider.Meter(ScopeName))
	if err != nil {
		errs = append(errs, err)
	}
	m.inst = inst
	log, err := newAccessLogger(cfg.AccessLog)
	if err != nil {
		errs = append(errs, fmt.Errorf("AccessLog.Format: %w", err))
	}
	m.log = log
	m.live = newLiveStats(cfg.RecentRequests, cfg.Now)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	if m.reg, err = m.inst.observe(m); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	return m, nil
}

// MustNew is like [New] but panics on a bad configuration; for examples.
func MustNew(cfg Config) *Monitor {
	m, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return m
}

// Watch adds a gateway to the console and to the metrics that are read
// from it when they are collected (its cache's counters and size). The
// gateway's requests are recorded once it has the monitor as its observer
// (gateway.WithObserver).
func (m *Monitor) Watch(gw *gateway.Gateway) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gateways = append(m.gateways, gw)
}

// WatchWebSocket adds a WebSocket API to the console and to the open
// connections gauge. Its events are recorded once it has the monitor as
// its observer (websocket.WithObserver).
func (m *Monitor) WatchWebSocket(api *websocket.API) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.apis = append(m.apis, api)
}

// WatchUsagePlans does what Config.UsagePlans does, for a registry made
// after the monitor.
func (m *Monitor) WatchUsagePlans(r *usageplan.Registry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.plans = r
}

// Close unregisters the callbacks of the observable instruments; the
// monitor keeps recording requests.
func (m *Monitor) Close() error {
	if m.reg == nil {
		return nil
	}
	return m.reg.Unregister()
}
