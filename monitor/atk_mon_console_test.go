package monitor_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/monitor"
)

// TestAtkMonConsoleStoredXSS: request paths (the only client-chosen text
// the console shows: the last requests' paths) holding markup must reach
// the page, its live fragment and stats.json only as inert text.
func TestAtkMonConsoleStoredXSS(t *testing.T) {
	tel := newTelemetry(t)
	clk := newClock()
	mon := tel.monitor(t, monitor.Config{TracerProvider: noTracing, Now: clk.Now})
	gw := mustGateway(t, gateway.WithObserver(mon), gateway.WithAPIID("pets"), gateway.WithClock(clk.Now),
		gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Handler(okBackend)}))
	mon.Watch(gw)
	payloads := []string{
		"/pets/%3Cimg%20src=x%20onerror=alert(1)%3E",
		"/pets/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", // %2F: 403, still a recent request
		"/pets/%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
		"/nowhere/%3Csvg%20onload=alert(1)%3E",
		"/pets/'%20onmouseover='alert(1)",
		"/pets/javascript:alert(1)",
		"/pets/%3C!--",
	}
	for _, p := range payloads {
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("User-Agent", `"><script>alert(2)</script>`)
		req.Header.Set("X-Amzn-Trace-Id", `Root=1-5759e988-bd862e3fe1be46a994272793"><script>alert(3)</script>`)
		gw.ServeHTTP(httptest.NewRecorder(), req)
	}
	srv := httptest.NewServer(http.StripPrefix("/console", mon.Console()))
	defer srv.Close()
	get := func(path string) (string, http.Header) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b), resp.Header
	}
	bad := regexp.MustCompile(`(?i)<(script|img|svg)\b|<!--|<[^>]*\son\w+\s*=|href\s*=\s*["']?javascript:|<[^>]*src\s*=\s*x`)
	for _, path := range []string{"/console/", "/console/?fragment=1", "/console/x/%3Cscript%3E/"} {
		page, h := get(path)
		if csp := h.Get("Content-Security-Policy"); csp == "" || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		// Strip the page's own <script src="assets/console.js" ...> tag.
		page = strings.Replace(page, `<script src="assets/console.js" defer></script>`, "", 1)
		page = strings.ReplaceAll(page, `<svg class="chart"`, "") // the server's own charts
		if m := bad.FindString(page); m != "" {
			i := strings.Index(page, m)
			t.Errorf("%s: markup from a request reaches the page: %q", path, page[max(0, i-80):min(len(page), i+80)])
		}
		if path == "/console/" && !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: the hostile path is not shown escaped", path)
		}
	}
	js, h := get("/console/stats.json")
	if ct := h.Get("Content-Type"); ct != "application/json" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("stats.json headers %v", h)
	}
	if strings.ContainsAny(js, "<>") {
		t.Errorf("stats.json carries raw < or >: a page that inlines it would run it")
	}
	var snap map[string]any
	if err := json.Unmarshal([]byte(js), &snap); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js, `\u003cimg src=x onerror=alert(1)\u003e`) {
		t.Errorf("stats.json lacks the path, escaped")
	}
}

// TestAtkMonConsoleScriptSinks: the console's script never turns data into
// markup of its own: no innerHTML, outerHTML, insertAdjacentHTML,
// document.write, eval or Function; it swaps in a fragment parsed by
// DOMParser (whose scripts never run, and which the server escaped) and
// writes the time with textContent only.
func TestAtkMonConsoleScriptSinks(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/console", (&monitorConsole{t}).handler()))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/console/assets/console.js")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	src := string(b)
	if resp.StatusCode != 200 || !strings.Contains(src, "DOMParser") {
		t.Fatalf("console.js: %d %q", resp.StatusCode, src)
	}
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(", "setTimeout(\"", "setTimeout('", ".src", "href ="} {
		if strings.Contains(src, sink) {
			t.Errorf("console.js uses %s", sink)
		}
	}
	for _, m := range regexp.MustCompile(`\.textContent\s*=\s*([^;]+);`).FindAllStringSubmatch(src, -1) {
		if strings.TrimSpace(m[1]) != "fresh.dataset.time" {
			t.Errorf("console.js writes %s as textContent", m[1])
		}
	}
}

type monitorConsole struct{ t *testing.T }

func (c *monitorConsole) handler() http.Handler {
	tel := newTelemetry(c.t)
	return tel.monitor(c.t, monitor.Config{TracerProvider: noTracing}).Console()
}
