package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/monitor"
	"github.com/apigw/apigw/stage"
	"go.opentelemetry.io/otel/trace/noop"
)

// TestConsole opens the monitor's console in Chromium: it renders the API
// map with the route's phases, shows a request made before the page was
// loaded, and, once its script has refreshed the page, one made after.
func TestConsole(t *testing.T) {
	b := startBrowser(t)
	mon, err := monitor.New(monitor.Config{TracerProvider: noop.NewTracerProvider()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mon.Close() })
	gw, err := gateway.New(gateway.WithObserver(mon), gateway.WithAPIID("pets"), gateway.WithStage(stage.Stage{Name: "prod"}),
		gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"name":"Rex"}`))
		}))}))
	if err != nil {
		t.Fatal(err)
	}
	mon.Watch(gw)
	mux := http.NewServeMux()
	mux.Handle("/", gw)
	mux.Handle("/console/", http.StripPrefix("/console", mon.Console()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-Amzn-Requestid")
	}
	first := get("/pets/first-pet")

	ctx := b.tab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/console/"), chromedp.WaitVisible(chromedp.ID("recent"))); err != nil {
		t.Fatalf("loading the console: %v", err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	phases, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr.route td.phases`)))
	if err != nil {
		t.Fatal(err)
	}
	if title != "apigw console" || !strings.Contains(phases, "cors") || !strings.Contains(phases, "integration") {
		t.Errorf("title %q, phases %q", title, phases)
	}
	recent, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#recent tbody`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(recent, first) || !strings.Contains(recent, "/pets/first-pet") {
		t.Errorf("the last requests lack the first request %s:\n%s", first, recent)
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart polyline").length`))
	if err != nil {
		t.Fatal(err)
	}
	if charts == 0 {
		t.Error("no chart drawn")
	}

	// A request made now appears once the page has refreshed itself.
	second := get("/pets/second-pet")
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#recent tbody").textContent.includes("`+second+`")`,
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Errorf("the page did not show the request %s made after it loaded: %v", second, err)
	}
}
