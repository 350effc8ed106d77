package monitor_test

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ws "github.com/coder/websocket"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/testkit"
	"github.com/apigw/apigw/monitor"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/websocket"
)

// TestConsole renders the console and its JSON after a few requests: the
// API map with each route's phases, the stage's canary, the live figures,
// usage against quota and the last requests.
func TestConsole(t *testing.T) {
	tel := newTelemetry(t)
	clk := newClock()
	plans := petsPlans(t, clk.Now)
	mon := tel.monitor(t, monitor.Config{UsagePlans: plans, TracerProvider: noTracing, Now: clk.Now})
	gw := petsGateway(t, mon, clk, plans, gateway.WithRandom(func() float64 { return 0.99 })) // the base, never the canary
	mon.Watch(gw)
	id, err := gw.CreateDeployment(gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Mock(200, "{}")}))
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.SetCanary("prod", &stage.Canary{Percent: 12.5, DeploymentID: id}); err != nil {
		t.Fatal(err)
	}
	send(t, gw, "GET", "/limited", "x-api-key", "bob-key-000000000000001")
	send(t, gw, "GET", "/fail/with%20<script>")
	send(t, gw, "GET", "/fail")

	console := httptest.NewServer(http.StripPrefix("/console", mon.Console()))
	defer console.Close()
	get := func(path string) (string, http.Header) {
		t.Helper()
		resp, err := http.Get(console.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b), resp.Header
	}
	page, h := get("/console/")
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || h.Get("Content-Security-Policy") == "" {
		t.Errorf("page headers %v", h)
	}
	for _, want := range []string{
		`<code>pets</code>`, "12.5 % → <code>" + id + "</code>",
		`<td class="resource"><code>/pets/{id}</code></td>`,
		`<span class="phase authorizer">authorizer</span>`, `<span class="phase cache">cache</span>`,
		`<span class="phase api-key-and-usage-plan">api key and usage plan</span>`,
		`<svg class="chart"`,                              // the live charts of the routes that served
		`<td><code>bob</code></td><td>bob</td><td>1</td>`, // used today
		"&lt;script&gt;",                                  // a path, escaped
		`href="assets/console.css"`, `src="assets/console.js"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "bob-key-") {
		t.Error("the page shows an API key's value")
	}
	frag, _ := get("/console/?fragment=1")
	if !strings.HasPrefix(frag, `<main id="live"`) || strings.Contains(frag, "<html") {
		t.Errorf("fragment: %.80s", frag)
	}
	js, h := get("/console/assets/console.js")
	if !strings.Contains(js, "fragment") || !strings.Contains(h.Get("Content-Type"), "javascript") {
		t.Errorf("console.js: %s %.40s", h.Get("Content-Type"), js)
	}
	if css, _ := get("/console/assets/console.css"); !strings.Contains(css, ".phase") {
		t.Error("console.css")
	}
	body, _ := get("/console/stats.json")
	var s monitor.Snapshot
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.APIs) != 1 || len(s.APIs[0].Stages) != 1 || len(s.APIs[0].Stages[0].Routes) != 3 || s.APIs[0].Cache == nil {
		t.Fatalf("snapshot %+v", s.APIs)
	}
	if len(s.Recent) != 3 || s.Recent[0].Path != "/fail" || s.Recent[0].Status != 500 || s.Recent[2].Status != 200 {
		t.Errorf("recent %+v", s.Recent)
	}
	var live *monitor.RouteSeries
	for i := range s.Routes {
		if s.Routes[i].Resource == "/limited" {
			live = &s.Routes[i]
		}
	}
	if live == nil || live.Count != 1 || len(live.Requests) != 60 || live.Requests[59] != 1 {
		t.Errorf("live /limited %+v", live)
	}
	if len(s.Plans) != 2 || s.Plans[1].ID != "capped" || s.Plans[1].Keys[0].UsedToday != 1 || s.Plans[1].Keys[0].Remaining != 0 || s.Plans[1].Keys[0].Limit != 1 {
		t.Errorf("plans %+v", s.Plans)
	}
	resp, err := http.Post(console.URL+"/console/", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
	resp, _ = http.Get(console.URL + "/console/assets/../../etc/passwd")
	if resp != nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("assets serve a file outside")
		}
	}
}

// TestWebSocketMetrics: AWS's WebSocket metrics and the open connections
// gauge after a connect, two messages (one to no route) and a refused
// connect.
func TestWebSocketMetrics(t *testing.T) {
	tel := newTelemetry(t)
	mon := tel.monitor(t, monitor.Config{TracerProvider: noTracing})
	api, err := websocket.New(websocket.WithObserver(mon), websocket.WithAPIID("chat"), websocket.WithStage("prod", nil),
		websocket.Route("$connect", websocket.RouteSpec{Integration: websocket.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("deny") != "" {
				w.WriteHeader(http.StatusForbidden)
			}
		}))}),
		websocket.Route("echo", websocket.RouteSpec{TwoWay: true, Integration: websocket.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("echo"))
		}))}))
	if err != nil {
		t.Fatal(err)
	}
	mon.WatchWebSocket(api)
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer api.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	if _, resp, err := ws.Dial(ctx, url+"/?deny=1", nil); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("denied connect: %v", err)
	}
	c, _, err := ws.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	_ = c.Write(ctx, ws.MessageText, []byte(`{"action":"echo"}`))
	if _, b, err := c.Read(ctx); err != nil || string(b) != "echo" {
		t.Fatalf("echo: %q %v", b, err)
	}
	_ = c.Write(ctx, ws.MessageText, []byte(`{"action":"none"}`))
	if _, b, err := c.Read(ctx); err != nil || !strings.Contains(string(b), "Forbidden") {
		t.Fatalf("no route: %q %v", b, err)
	}
	const (
		connect = "ApiId=chat,Route=$connect,Stage=prod"
		echo    = "ApiId=chat,Route=echo,Stage=prod"
		none    = "ApiId=chat,Route=,Stage=prod"
	)
	for _, tc := range []struct {
		metric string
		want   map[string]float64
	}{
		{"ConnectCount", map[string]float64{connect: 2}},
		{"MessageCount", map[string]float64{echo: 1, none: 1}},
		{"IntegrationError", map[string]float64{connect: 1}},
		{"ClientError", map[string]float64{none: 1}},
		{"ConnectionCount", map[string]float64{"ApiId=chat,Stage=prod": 1}},
	} {
		// The server records a message after it answered it: wait for it.
		testkit.WaitFor(t, tc.metric, func() bool { return maps.Equal(tel.points(t, tc.metric), tc.want) })
	}
}
