package admin

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/serve"
)

// TestAdmin runs a gateway beside its admin server: /metrics has the
// request in Prometheus text, / is the console, and with
// OTEL_EXPORTER_OTLP_ENDPOINT set the traces reach the collector by the
// time Run returns.
func TestAdmin(t *testing.T) {
	var traces atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/traces" {
			traces.Add(1)
		}
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	adminReady := make(chan string, 1)
	adm, err := New(ctx, "127.0.0.1:0", adminReady)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(append(adm.Gateway(), gateway.WithAPIID("pets"),
		gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Mock(200, `{"ok":true}`)}))...)
	if err != nil {
		t.Fatal(err)
	}
	adm.Watch(gw)
	apiReady := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- adm.Run(ctx, func(ctx context.Context) error { return serve.ListenAndServe(ctx, "127.0.0.1:0", gw, apiReady) })
	}()
	api, admin := "http://"+<-apiReady, "http://"+<-adminReady
	get := func(url string) string {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	get(api + "/pets/1")
	get(api + "/pets/2")
	metrics := get(admin + "/metrics")
	for _, want := range []string{`apigw_Count_total{ApiName="pets",Stage="default"`, "apigw_Latency_milliseconds_bucket{"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, metrics)
		}
	}
	if page := get(admin + "/"); !strings.Contains(page, "apigw console") || !strings.Contains(page, "/pets/{id}") {
		t.Errorf("console: %.200s", page)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if traces.Load() == 0 {
		t.Error("no trace reached the OTLP endpoint")
	}
}

// TestNilAdmin: without -admin-addr every method does nothing.
func TestNilAdmin(t *testing.T) {
	adm, err := New(context.Background(), "", nil)
	if err != nil || adm != nil {
		t.Fatalf("New(\"\") = %v, %v", adm, err)
	}
	if adm.Gateway() != nil || adm.WebSocket() != nil {
		t.Error("options from a nil Admin")
	}
	adm.Watch(nil)
	ran := false
	if err := adm.Run(context.Background(), func(context.Context) error { ran = true; return nil }); err != nil || !ran {
		t.Errorf("Run: %v, ran %v", err, ran)
	}
}
