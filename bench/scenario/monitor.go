package scenario

import (
	"context"
	"net/http"
	"sync/atomic"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/monitor"
)

// apigwMonitored is apigw full watched by a monitor: CloudWatch's metrics
// into an in-memory reader and, with a sampler, traces into an in-memory
// exporter behind OpenTelemetry's batching processor (what an application
// runs, the network left out).
func apigwMonitored(env Env, sampler sdktrace.Sampler) (http.Handler, func(), error) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	cfg := monitor.Config{MeterProvider: mp, TracerProvider: noop.NewTracerProvider()}
	var tp *sdktrace.TracerProvider
	if sampler != nil {
		tp = sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sampler)), sdktrace.WithBatcher(&countingExporter{}))
		cfg.TracerProvider = tp
	}
	mon, err := monitor.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	h, closeFull, err := apigwFull(env, 0, gateway.WithObserver(mon))
	if err != nil {
		return nil, nil, err
	}
	return h, func() {
		closeFull()
		_ = mon.Close()
		if tp != nil {
			_ = tp.Shutdown(context.Background())
		}
		_ = mp.Shutdown(context.Background())
	}, nil
}

// countingExporter is an in-memory span exporter that keeps a count, not
// the spans, so that a long run does not grow.
type countingExporter struct{ n atomic.Int64 }

func (e *countingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.n.Add(int64(len(spans)))
	return nil
}

func (e *countingExporter) Shutdown(context.Context) error { return nil }
