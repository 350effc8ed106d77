package monitor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/monitor"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

// countingExporter is an in-memory span exporter that keeps a count, not
// the spans, so that a long benchmark does not grow.
type countingExporter struct{ n atomic.Int64 }

func (e *countingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.n.Add(int64(len(spans)))
	return nil
}
func (e *countingExporter) Shutdown(context.Context) error { return nil }

const benchKey = "bench-key-0000000000000001"

var artist = []byte(`{"id":1234,"artist":"Queen","popularity":90,"genres":["Progressive rock","Pop rock","Glam rock"]}`)

// fullPipeline is the load benchmark's apigw-full scenario in-process:
// CORS, an authorizer (a TOKEN one, its answer cached), an API key in a
// usage plan that never refuses, the body checked against a model, and the
// answer reshaped by a response template.
func fullPipeline(b testing.TB, opts ...gateway.Option) *gateway.Gateway {
	b.Helper()
	plans := usageplan.MustNew(usageplan.Config{AccountThrottle: &usageplan.Throttle{Rate: usageplan.Unlimited}})
	if err := plans.AddPlan(usageplan.Plan{ID: "bench", Throttle: &usageplan.Throttle{Rate: 1e9, Burst: 1e9},
		Stages: []usageplan.APIStage{{APIID: "bench", Stage: "prod"}}}); err != nil {
		b.Fatal(err)
	}
	if _, err := plans.AddKey(usageplan.APIKey{ID: "client", Value: benchKey}, "bench"); err != nil {
		b.Fatal(err)
	}
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write(artist)
	})
	base := []gateway.Option{
		gateway.WithAPIID("bench"), gateway.WithStage(stage.Stage{Name: "prod"}),
		gateway.WithCORS(cors.Config{AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET", "POST"},
			AllowHeaders: []string{"Authorization", "Content-Type", "X-Api-Key"}}),
		gateway.WithAuthorizer("users", allowToken(nil)),
		gateway.WithUsagePlans(plans),
		gateway.WithModel("ArtistUpdate", `{"type":"object","required":["popularity"],"properties":{"popularity":{"type":"integer","minimum":0,"maximum":100}},"additionalProperties":false}`),
		gateway.Route("POST /artists/{id}", gateway.Method{
			Authorizer: "users", APIKeyRequired: true,
			RequestModels: map[string]string{"application/json": "ArtistUpdate"},
			Integration:   gateway.Handler(backend),
			Response:      mapping.MustCompile(`{"name": input.json.artist, "popularity": input.json.popularity}`),
		}),
	}
	return mustGateway(b, append(base, opts...)...)
}

// discardWriter is a ResponseWriter that allocates nothing.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }

// BenchmarkFullPipeline measures the full pipeline without a monitor, with
// metrics, and with metrics and tracing (no request sampled, 5 % as X-Ray's
// default rule samples beyond its first request each second, or every
// request), all on in-memory exporters. Compare the ns/op within one run.
func BenchmarkFullPipeline(b *testing.B) {
	for _, tc := range []struct {
		name    string
		observe bool
		sampler sdktrace.Sampler // nil: no tracing
	}{
		{"off", false, nil},
		{"metrics", true, nil},
		{"metrics+traces-none", true, sdktrace.ParentBased(sdktrace.NeverSample())},
		{"metrics+traces-5%", true, sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.05))},
		{"metrics+traces-all", true, sdktrace.AlwaysSample()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var opts []gateway.Option
			if tc.observe {
				reader := sdkmetric.NewManualReader()
				mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
				cfg := monitor.Config{MeterProvider: mp, TracerProvider: noTracing}
				if tc.sampler != nil {
					tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(tc.sampler), sdktrace.WithBatcher(&countingExporter{}))
					defer tp.Shutdown(context.Background())
					cfg.TracerProvider = tp
				}
				mon, err := monitor.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				opts = append(opts, gateway.WithObserver(mon))
			}
			gw := fullPipeline(b, opts...)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", "/artists/1234", strings.NewReader(`{"popularity": 90}`))
				req.Header["Origin"] = []string{"https://app.example"}
				req.Header["Authorization"] = []string{"good"}
				req.Header["X-Api-Key"] = []string{benchKey}
				req.Header["Content-Type"] = []string{"application/json"}
				clear(w.h)
				w.status = 0
				gw.ServeHTTP(w, req)
				if w.status != 0 && w.status != 200 {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}

// countWriter counts what it is given and keeps nothing.
type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// BenchmarkAccessLog is a proxied request through a watched gateway whose
// access log writes AWS's JSON preset to a writer that keeps nothing,
// against the same gateway watched without an access log.
func BenchmarkAccessLog(b *testing.B) {
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write(artist)
	})
	lines := &countWriter{}
	for _, tc := range []struct {
		name string
		log  monitor.AccessLog
	}{
		{"off", monitor.AccessLog{}},
		{"json", monitor.AccessLog{Writer: lines, Format: monitor.JSON}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			mon, err := monitor.New(monitor.Config{MeterProvider: mp, TracerProvider: noTracing, AccessLog: tc.log})
			if err != nil {
				b.Fatal(err)
			}
			gw := mustGateway(b, gateway.WithObserver(mon), gateway.Route("GET /artists/{id}", gateway.Method{Integration: gateway.Handler(backend)}))
			req := httptest.NewRequest("GET", "/artists/1234", nil)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				gw.ServeHTTP(w, req)
			}
			if tc.log.Writer != nil && lines.n == 0 {
				b.Fatal("no access log line written")
			}
		})
	}
}
