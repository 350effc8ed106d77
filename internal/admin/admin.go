// Package admin is the admin server of the examples and the apigw command,
// turned on by -admin-addr:
// Prometheus text at /metrics (OpenTelemetry's Prometheus exporter) and the
// monitor's console at /, beside the API. Traces go to OTLP over HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set (OpenTelemetry's standard variables
// configure the exporter); otherwise tracing is off.
//
//	adm, err := admin.New(ctx, *adminAddr, nil)    // nil when the flag is empty
//	gw, err := gateway.New(append(opts, adm.Gateway()...)...)
//	adm.Watch(gw)
//	return adm.Run(ctx, func(ctx context.Context) error { return serve.ListenAndServe(ctx, addr, gw, ready) })
//
// Every method of a nil *Admin does nothing, so a command calls them
// whether or not the flag was given.
package admin

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/serve"
	"github.com/apigw/apigw/monitor"
	"github.com/apigw/apigw/usageplan"
	"github.com/apigw/apigw/websocket"
)

// Usage is the -admin-addr flag's help.
const Usage = "serve Prometheus metrics at /metrics and the monitor's console at / on this address (off when empty)"

// Admin is an example's monitoring: a monitor on the OpenTelemetry SDK and
// the server of its endpoints.
type Admin struct {
	addr    string
	mon     *monitor.Monitor
	handler http.Handler
	mp      *sdkmetric.MeterProvider
	tp      *sdktrace.TracerProvider // nil: no OTLP endpoint
	ready   chan<- string
}

// New returns the admin server of addr, nil when addr is "". ready, if not
// nil, receives the address it listens on.
func New(ctx context.Context, addr string, ready chan<- string) (*Admin, error) {
	if addr == "" {
		return nil, nil
	}
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	a := &Admin{addr: addr, ready: ready, mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))}
	cfg := monitor.Config{MeterProvider: a.mp, TracerProvider: noop.NewTracerProvider()}
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
		te, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("admin: OTLP: %w", err)
		}
		a.tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(te))
		cfg.TracerProvider = a.tp
	}
	if a.mon, err = monitor.New(cfg); err != nil {
		return nil, errors.Join(err, a.shutdown(context.Background()))
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", a.mon.Console())
	a.handler = mux
	return a, nil
}

// Gateway returns the options that have a gateway watched.
func (a *Admin) Gateway() []gateway.Option {
	if a == nil {
		return nil
	}
	return []gateway.Option{gateway.WithObserver(a.mon)}
}

// Watch shows gw on the console.
func (a *Admin) Watch(gw *gateway.Gateway) {
	if a != nil {
		a.mon.Watch(gw)
	}
}

// WebSocket returns the options that have a WebSocket API watched.
func (a *Admin) WebSocket() []websocket.Option {
	if a == nil {
		return nil
	}
	return []websocket.Option{websocket.WithObserver(a.mon)}
}

// WatchWebSocket shows api's connections on the console.
func (a *Admin) WatchWebSocket(api *websocket.API) {
	if a != nil {
		a.mon.WatchWebSocket(api)
	}
}

// WatchUsagePlans adds the plans' refusals to the metrics and their keys'
// usage to the console.
func (a *Admin) WatchUsagePlans(r *usageplan.Registry) {
	if a != nil {
		a.mon.WatchUsagePlans(r)
	}
}

// WrapTransport returns rt with the monitor's client spans and trace
// propagation, for the HTTP client of remote Lambda functions
// (lambdainvoke.Config.HTTPClient); rt itself without tracing.
func (a *Admin) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	if a == nil {
		return rt
	}
	return a.mon.WrapTransport(rt)
}

// Run runs serveAPI and, beside it, the admin server until ctx ends or
// either fails; it returns when both have stopped, the telemetry flushed.
func (a *Admin) Run(ctx context.Context, serveAPI func(context.Context) error) error {
	if a == nil {
		return serveAPI(ctx)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	adminDone := make(chan error, 1)
	listening := make(chan string, 1)
	go func() {
		var addr string
		select {
		case addr = <-listening:
		case <-ctx.Done():
			return
		}
		log.Printf("admin: console http://%s/, Prometheus metrics http://%s/metrics", addr, addr)
		if a.ready != nil {
			a.ready <- addr
		}
	}()
	go func() {
		err := serve.ListenAndServe(ctx, a.addr, a.handler, listening)
		if err != nil {
			err = fmt.Errorf("admin: %w", err)
		}
		cancel() // an admin server that cannot listen stops the example
		adminDone <- err
	}()
	err := serveAPI(ctx)
	cancel()
	return errors.Join(err, <-adminDone, a.shutdown(context.Background()))
}

// shutdown flushes the traces and stops the providers.
func (a *Admin) shutdown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, serve.ShutdownTimeout)
	defer cancel()
	var errs []error
	if a.mon != nil {
		errs = append(errs, a.mon.Close())
	}
	if a.tp != nil {
		errs = append(errs, a.tp.Shutdown(ctx))
	}
	errs = append(errs, a.mp.Shutdown(ctx))
	return errors.Join(errs...)
}
