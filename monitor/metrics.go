package monitor

import (
	"context"
	"errors"
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
	// REST: AWS's CloudWatch metrics.
	count, err4xx, err5xx       metric.Int64Counter
	http4xx, http5xx            metric.Int64Counter // HTTP APIs' names
	latency, integrationLatency metric.Float64Histogram
	cacheHit, cacheMiss         metric.Int64Counter
	authLatency                 metric.Float64Histogram
	authCacheHit, authCacheMiss metric.Int64Counter
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
		c, err := mt.Int64ObservableCounter(MetricPrefix+name, metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	gauge := func(name, desc string) metric.Int64ObservableGauge {
		g, err := mt.Int64ObservableGauge(MetricPrefix+name, metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	in := &instruments{
		count:              counter("Count", "API requests (CloudWatch Count)."),
		err4xx:             counter("4XXError", "Requests answered 4XX (CloudWatch 4XXError)."),
		err5xx:             counter("5XXError", "Requests answered 5XX (CloudWatch 5XXError)."),
		http4xx:            counter("4xx", "HTTP API requests answered 4XX (CloudWatch 4xx)."),
		http5xx:            counter("5xx", "HTTP API requests answered 5XX (CloudWatch 5xx)."),
		latency:            histogram("Latency", "From the request's arrival to its answer (CloudWatch Latency)."),
		integrationLatency: histogram("IntegrationLatency", "The integration's time (CloudWatch IntegrationLatency)."),
		cacheHit:           counter("CacheHitCount", "Requests served from the stage cache (CloudWatch CacheHitCount)."),
		cacheMiss:          counter("CacheMissCount", "Requests of cached methods served by the integration (CloudWatch CacheMissCount)."),
		authLatency:        histogram("AuthorizerLatency", "The authorizer phase's time."),
		authCacheHit:       counter("AuthorizerCacheHitCount", "Lambda-style authorizer answers taken from the result cache."),
		authCacheMiss:      counter("AuthorizerCacheMissCount", "Authorizations whose answer did not come from the result cache."),

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
		m.mu.RUnlock()
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
	}, in.planThrottled, in.planQuota, in.planStoreErrors, in.planFailedOpen,
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
	add []metric.AddOption
	rec []metric.RecordOption
}

func newDims(kvs ...attribute.KeyValue) dims {
	o := metric.WithAttributeSet(attribute.NewSet(kvs...))
	return dims{add: []metric.AddOption{o}, rec: []metric.RecordOption{o}}
}

// millis is d in milliseconds, as CloudWatch's latencies are.
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
