package monitor

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/apigw/apigw/cache"
)

// MetricPrefix starts every instrument's name: OpenTelemetry names start
// with a letter, and CloudWatch's 4XXError does not. Prometheus shows
// apigw.4XXError as apigw_4XXError_total.
const MetricPrefix = "apigw."

// The dimensions, as CloudWatch names them.
const (
	dimAPIName    = "ApiName" // REST APIs
	dimAPIID      = "ApiId"   // WebSocket (and HTTP) APIs
	dimStage      = "Stage"
	dimResource   = "Resource"
	dimMethod     = "Method"
	dimRoute      = "Route"
	dimAuthorizer = "Authorizer"
	dimUsagePlan  = "UsagePlan"
)

// latencyBuckets are the histograms' bucket bounds in milliseconds, from
// an in-process handler's fraction of a millisecond to AWS's 29 s timeout.
var latencyBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 29000}

// instruments are the monitor's OpenTelemetry instruments.
type instruments struct {
	// REST and HTTP APIs: AWS's CloudWatch metrics. The counters are
	// read from the monitor's own atomic counters when collected: a
	// request costs an atomic addition, not a call into the SDK.
	count, err4xx, err5xx       metric.Int64ObservableCounter
	http4xx, http5xx            metric.Int64ObservableCounter // HTTP APIs' names
	latency, integrationLatency metric.Float64Histogram
	cacheHit, cacheMiss         metric.Int64ObservableCounter
	authLatency                 metric.Float64Histogram
	authCacheHit, authCacheMiss metric.Int64ObservableCounter
	// WebSocket: AWS's WebSocket metrics.
	wsConnect, wsMessage                           metric.Int64Counter
	wsIntegrationError, wsClientError, wsExecError metric.Int64Counter
	// Read when collected.
	planThrottled, planQuota, planStoreErrors, planFailedOpen metric.Int64ObservableCounter
	cacheStoreErrors                                          metric.Int64ObservableCounter
	cacheEntries, cacheBytes, wsConnections                   metric.Int64ObservableGauge
}

func newInstruments(mt metric.Meter) (*instruments, error) {
	var errs []error
	counter := func(name, desc string) metric.Int64Counter {
		c, err := mt.Int64Counter(MetricPrefix+name, metric.WithDescription(desc), metric.WithUnit("{request}"))
		errs = append(errs, err)
		return c
	}
	histogram := func(name, desc string) metric.Float64Histogram {
		h, err := mt.Float64Histogram(MetricPrefix+name, metric.WithDescription(desc), metric.WithUnit("ms"),
			metric.WithExplicitBucketBoundaries(latencyBuckets...))
		errs = append(errs, err)
		return h
	}
	observed := func(name, desc string) metric.Int64ObservableCounter {
		c, err := mt.Int64ObservableCounter(MetricPrefix+name, metric.WithDescription(desc), metric.WithUnit("{request}"))
		errs = append(errs, err)
		return c
	}
	gauge := func(name, desc string) metric.Int64ObservableGauge {
		g, err := mt.Int64ObservableGauge(MetricPrefix+name, metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	in := &instruments{
		count:              observed("Count", "API requests (CloudWatch Count)."),
		err4xx:             observed("4XXError", "Requests answered 4XX (CloudWatch 4XXError)."),
		err5xx:             observed("5XXError", "Requests answered 5XX (CloudWatch 5XXError)."),
		http4xx:            observed("4xx", "HTTP API requests answered 4XX (CloudWatch 4xx)."),
		http5xx:            observed("5xx", "HTTP API requests answered 5XX (CloudWatch 5xx)."),
		latency:            histogram("Latency", "From the request's arrival to its answer (CloudWatch Latency)."),
		integrationLatency: histogram("IntegrationLatency", "The integration's time (CloudWatch IntegrationLatency)."),
		cacheHit:           observed("CacheHitCount", "Requests served from the stage cache (CloudWatch CacheHitCount)."),
		cacheMiss:          observed("CacheMissCount", "Requests of cached methods served by the integration (CloudWatch CacheMissCount)."),
		authLatency:        histogram("AuthorizerLatency", "The authorizer phase's time."),
		authCacheHit:       observed("AuthorizerCacheHitCount", "Lambda-style authorizer answers taken from the result cache."),
		authCacheMiss:      observed("AuthorizerCacheMissCount", "Authorizations whose answer did not come from the result cache."),

		wsConnect:          counter("ConnectCount", "Upgrade requests to the $connect route (CloudWatch ConnectCount)."),
		wsMessage:          counter("MessageCount", "Messages from clients (CloudWatch MessageCount)."),
		wsIntegrationError: counter("IntegrationError", "WebSocket integrations that answered 4XX or 5XX (CloudWatch IntegrationError)."),
		wsClientError:      counter("ClientError", "WebSocket events refused before any integration (CloudWatch ClientError)."),
		wsExecError:        counter("ExecutionError", "WebSocket integrations that failed (CloudWatch ExecutionError)."),

		planThrottled:    observed("ThrottleCount", "Requests refused with 429 Too Many Requests, by usage plan."),
		planQuota:        observed("QuotaExceededCount", "Requests refused with 429 Limit Exceeded, by usage plan."),
		planStoreErrors:  observed("UsagePlanStoreErrors", "Failed calls to the usage plans' store (Redis)."),
		planFailedOpen:   observed("UsagePlanFailOpenCount", "Requests admitted unthrottled because the usage plans' store failed."),
		cacheStoreErrors: observed("CacheStoreErrors", "Failed calls to the stage cache's store (Redis), each served as a miss."),
		cacheEntries:     gauge("CacheEntries", "Entries in the stage cache (in-memory store)."),
		cacheBytes:       gauge("CacheBytes", "Bytes held by the stage cache (in-memory store)."),
		wsConnections:    gauge("ConnectionCount", "Open WebSocket connections on this replica."),
	}
	return in, errors.Join(errs...)
}

// observe registers the callback of the observable instruments.
func (in *instruments) observe(m *Monitor) (metric.Registration, error) {
	mt := m.cfg.MeterProvider.Meter(ScopeName)
	return mt.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		m.mu.RLock()
		gws, apis, plans := m.gateways, m.apis, m.plans
		reqs, auths := slices.Collect(maps.Values(m.counters)), slices.Collect(maps.Values(m.authCounters))
		m.mu.RUnlock()
		for _, c := range reqs {
			c.observe(in, o)
		}
		for _, c := range auths {
			if hit, miss := c.hit.Load(), c.miss.Load(); hit+miss > 0 {
				o.ObserveInt64(in.authCacheHit, int64(hit), c.obs...)
				o.ObserveInt64(in.authCacheMiss, int64(miss), c.obs...)
			}
		}
		if r := plans; r != nil {
			s := r.Stats()
			for id, ps := range s.Plans {
				set := metric.WithAttributeSet(attribute.NewSet(attribute.String(dimUsagePlan, id)))
				o.ObserveInt64(in.planThrottled, int64(ps.Throttled), set)
				o.ObserveInt64(in.planQuota, int64(ps.QuotaExceeded), set)
			}
			o.ObserveInt64(in.planStoreErrors, int64(s.StoreErrors))
			o.ObserveInt64(in.planFailedOpen, int64(s.FailedOpen))
		}
		for _, gw := range gws {
			api := metric.WithAttributeSet(attribute.NewSet(attribute.String(dimAPIName, gw.Describe().APIID)))
			o.ObserveInt64(in.cacheStoreErrors, int64(gw.CacheStats().StoreErrors), api)
			if sz, ok := gw.CacheStore().(sizedStore); ok {
				o.ObserveInt64(in.cacheEntries, int64(sz.Len()), api)
				o.ObserveInt64(in.cacheBytes, sz.Bytes(), api)
			}
		}
		for _, a := range apis {
			o.ObserveInt64(in.wsConnections, int64(a.Len()), metric.WithAttributeSet(attribute.NewSet(
				attribute.String(dimAPIID, a.APIID()), attribute.String(dimStage, a.Stage()))))
		}
		return nil
	}, in.count, in.err4xx, in.err5xx, in.http4xx, in.http5xx, in.cacheHit, in.cacheMiss, in.authCacheHit, in.authCacheMiss,
		in.planThrottled, in.planQuota, in.planStoreErrors, in.planFailedOpen,
		in.cacheStoreErrors, in.cacheEntries, in.cacheBytes, in.wsConnections)
}

// sizedStore is a cache store that knows its size (cache.MemoryStore).
type sizedStore interface {
	cache.Store
	Len() int
	Bytes() int64
}

// dims are the precomputed measurement options of one set of dimensions:
// built once per route, so that a request allocates nothing to record.
type dims struct {
	set attribute.Set
	add []metric.AddOption
	rec []metric.RecordOption
	obs []metric.ObserveOption
}

func newDims(kvs ...attribute.KeyValue) dims {
	set := attribute.NewSet(kvs...)
	o := metric.WithAttributeSet(set)
	return dims{set: set, add: []metric.AddOption{o}, rec: []metric.RecordOption{o}, obs: []metric.ObserveOption{o}}
}

// counters count the requests of one set of dimensions, shared by every
// route that has them (a stage's routes without detailed metrics share
// one), across redeployments.
type counters struct {
	obs                    []metric.ObserveOption
	httpAPI                bool
	count, e4xx, e5xx      atomic.Uint64
	cacheHits, cacheMisses atomic.Uint64
}

// observe reports the counters: Count and the errors once a request was
// counted, the cache's once the cache saw one.
func (c *counters) observe(in *instruments, o metric.Observer) {
	n := c.count.Load()
	if n == 0 {
		return
	}
	e4, e5 := in.err4xx, in.err5xx
	if c.httpAPI {
		e4, e5 = in.http4xx, in.http5xx
	}
	o.ObserveInt64(in.count, int64(n), c.obs...)
	o.ObserveInt64(e4, int64(c.e4xx.Load()), c.obs...)
	o.ObserveInt64(e5, int64(c.e5xx.Load()), c.obs...)
	if hit, miss := c.cacheHits.Load(), c.cacheMisses.Load(); hit+miss > 0 {
		o.ObserveInt64(in.cacheHit, int64(hit), c.obs...)
		o.ObserveInt64(in.cacheMiss, int64(miss), c.obs...)
	}
}

// authCounters count an authorizer's cache hits and misses.
type authCounters struct {
	obs       []metric.ObserveOption
	hit, miss atomic.Uint64
}

// millis is d in milliseconds, as CloudWatch's latencies are.
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
