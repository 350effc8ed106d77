package monitor_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"strings"

	"go.opentelemetry.io/otel/trace/noop"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/monitor"
	"github.com/apigw/apigw/stage"
)

// A monitor writing the stage's access log in the console's JSON preset;
// the same monitor records the metrics (on OpenTelemetry's global
// MeterProvider here: the application picks it) and serves the console.
func Example() {
	var log bytes.Buffer
	mon := monitor.MustNew(monitor.Config{
		TracerProvider: noop.NewTracerProvider(),
		AccessLog:      monitor.AccessLog{Writer: &log},
	})
	gw, err := gateway.New(
		gateway.WithObserver(mon),
		gateway.WithStage(stage.Stage{Name: "prod",
			AccessLogFormat: `{"requestId":"$context.requestId","route":"$context.httpMethod $context.resourcePath","status":$context.status,"caller":"$context.identity.caller"}`}),
		gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Mock(200, `{"name":"Rex"}`)}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	mon.Watch(gw)
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, httptest.NewRequest("GET", "/pets/7", nil))
	fmt.Print(strings.ReplaceAll(log.String(), rec.Header().Get("X-Amzn-Requestid"), "<request id>"))

	console := httptest.NewRecorder()
	mon.Console().ServeHTTP(console, httptest.NewRequest("GET", "/", nil))
	fmt.Println(console.Code, console.Header().Get("Content-Type"))
	// Output:
	// {"requestId":"<request id>","route":"GET /pets/{id}","status":200,"caller":"-"}
	// 200 text/html; charset=utf-8
}
