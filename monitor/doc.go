// Package monitor watches apigw's gateways and WebSocket APIs as Amazon
// CloudWatch, AWS X-Ray and API Gateway's access logging and console watch
// AWS's: metrics, traces, access logs, and a live page.
//
//	mon, err := monitor.New(monitor.Config{
//		MeterProvider:  mp,      // any OpenTelemetry SDK or exporter: Prometheus, OTLP ...
//		TracerProvider: tp,
//		AccessLog:      monitor.AccessLog{Writer: os.Stdout, Format: monitor.JSON},
//		UsagePlans:     plans,
//	})
//	gw, err := gateway.New(gateway.WithObserver(mon), ...)
//	mon.Watch(gw)
//	admin.Handle("/console/", http.StripPrefix("/console", mon.Console()))
//
// The package depends on OpenTelemetry's API only: the application picks
// the SDK and the exporters (the examples and the apigw command serve
// Prometheus text, and send traces to OTLP when OTEL_EXPORTER_OTLP_ENDPOINT
// is set). The gateway calls the monitor through gateway.Observer, a hook
// that costs nothing when it is not set.
//
// # Metrics
//
// CloudWatch's API Gateway metrics, by its names and dimensions, each
// instrument named with the prefix apigw. (OpenTelemetry names start with a
// letter; Prometheus shows apigw.4XXError as apigw_4XXError_total):
//
//   - REST APIs: Count, 4XXError, 5XXError, Latency and IntegrationLatency
//     (milliseconds), CacheHitCount and CacheMissCount, by ApiName (the API
//     id) and Stage, and with the stage's detailed metrics
//     (stage.MethodSettings.MetricsEnabled, as on AWS) by Resource (the
//     resource template, never the request path) and Method too.
//   - HTTP APIs (gateway.WithHTTPAPI): Count, 4xx, 5xx, Latency and
//     IntegrationLatency by ApiId and Stage, and with detailed metrics by
//     Route (the route key) too.
//   - WebSocket APIs: ConnectCount, MessageCount, IntegrationError,
//     ClientError, ExecutionError and IntegrationLatency by ApiId, Stage and
//     Route; ConnectionCount, the open connections.
//   - What AWS does not show: AuthorizerLatency, AuthorizerCacheHitCount and
//     AuthorizerCacheMissCount by ApiName, Stage and Authorizer (its name);
//     ThrottleCount and QuotaExceededCount by UsagePlan; the stores' health:
//     UsagePlanStoreErrors, UsagePlanFailOpenCount, CacheStoreErrors; the
//     cache's CacheEntries and CacheBytes.
//
// Every dimension comes from the API's definition (API ids, stage names,
// resource templates, route keys, plan and authorizer names), so series
// stay bounded: no request path or API key value is ever a label.
//
// # Traces
//
// A server span per request named by its route (GET /pets/{id}), the child
// of the caller's trace when the request carries a W3C traceparent or an
// X-Amzn-Trace-Id; a child span per phase that ran, in pipeline order
// (cors, authorizer with its cache hit or miss, api key and usage plan,
// validation, cache with hit or miss, request mapping, integration,
// response mapping; not the payload limit, one comparison); and under the
// integration's span a client span for each request an HTTP integration
// sends, which carries traceparent and X-Amzn-Trace-Id. Remote Lambda
// functions (package lambdainvoke) get the same when their client's
// transport is the monitor's:
//
//	lambdainvoke.Config{HTTPClient: &http.Client{Transport: mon.WrapTransport(http.DefaultTransport)}}
//
// The trace id is the request's $context.xrayTraceId, in X-Ray's form
// (1-5759e988-bd862e3fe1be46a994272793).
// WebSocket events get a span each. The TracerProvider's sampler decides
// what is traced; an unsampled request costs no phase span.
//
// # Access logs
//
// A stage's access log format (stage.Stage.AccessLogFormat, AWS's
// accessLogSettings.format) is text with $context variables, parsed by the
// same parser as every other $context template; CLF, JSON, XML and CSV are
// the API Gateway console's presets. Values are escaped for the notation
// (JSON, XML, CSV; control characters in text), and an empty value is
// written "-" as AWS writes it. Lines go to an io.Writer or through a
// slog.Logger. The gateway's own slog access log (gateway.WithAccessLog)
// stays as it is.
//
// # Console
//
// [Monitor.Console] is a read-only page: the API map, stages, deployments
// and canary split, live per-route figures with small charts, the cache,
// usage against quotas, WebSocket connections and the last requests. It is
// drawn on the server from embedded files (no CDN, no build step) and works
// without JavaScript.
//
// # How it differs from AWS
//
//   - CloudWatch aggregates per minute; here the exporter decides (Prometheus
//     reads cumulative counters and histograms).
//   - The trace id is OpenTelemetry's random one written in X-Ray's form;
//     its first eight digits are not a time (use an X-Ray id generator in
//     the SDK when sending to X-Ray).
//   - The console's live figures are the replica's own, approximate, and
//     kept for one minute.
package monitor
