package monitor

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/usageplan"
)

//go:embed console
var consoleFiles embed.FS

var consoleTemplate = template.Must(template.New("console.html").Funcs(template.FuncMap{
	"chart":    chart,
	"ms":       formatMillis,
	"percent":  percent,
	"perSec":   perSecond,
	"isoTime":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"clock":    func(t time.Time) string { return t.UTC().Format("15:04:05") },
	"join":     strings.Join,
	"phaseCSS": func(p gateway.Phase) string { return strings.ReplaceAll(string(p), " ", "-") },
	"add":      func(a, b uint64) uint64 { return a + b },
	"sub":      func(a, b int64) int64 { return a - b },
	"hundred":  func(f float64) float64 { return 100 * f },
}).ParseFS(consoleFiles, "console/console.html"))

// Console returns the monitor's console page, read-only: the API map
// (each stage's routes and the phases they run), stages with their
// deployments and canary split, each route's live request rate, error rate
// and latency p50/p99 over the last minute as small charts, the cache's
// size and hit ratio, each API key's usage against its quota, open
// WebSocket connections, and the last requests. It shows the gateways
// given to [Monitor.Watch] and the WebSocket APIs given to
// [Monitor.WatchWebSocket].
//
// Mount it where you want, behind whatever guards it (it shows request
// paths, API key IDs and the API's definition; never key values):
//
//	mux.Handle("/console/", http.StripPrefix("/console", guard(mon.Console())))
//
// It serves the page at its root, the same figures as JSON at stats.json,
// and its script and style sheet (embedded, no CDN) under assets/. The
// page's tables and charts are drawn on the server, so it works without
// JavaScript; with it, the page refreshes its figures every two seconds.
func (m *Monitor) Console() http.Handler {
	assets, _ := fs.Sub(consoleFiles, "console")
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		path := r.URL.Path
		w.Header().Set("X-Content-Type-Options", "nosniff")
		switch {
		case strings.HasSuffix(path, "/stats.json") || path == "stats.json":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_ = json.NewEncoder(w).Encode(m.Snapshot(r.Context()))
		case strings.Contains(path, "/assets/"):
			name := path[strings.LastIndex(path, "/assets/")+len("/assets/"):]
			if name != "console.js" && name != "console.css" {
				http.NotFound(w, r)
				return
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + name
			w.Header().Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r2)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:")
			view := consoleView{Snapshot: m.Snapshot(r.Context()), Fragment: r.URL.Query().Get("fragment") == "1"}
			if err := consoleTemplate.Execute(w, view); err != nil {
				http.Error(w, "monitor: console: "+err.Error(), http.StatusInternalServerError)
			}
		}
	})
}

// consoleView is what the page's template renders.
type consoleView struct {
	Snapshot
	Fragment bool // only the live part, for the page's script
}

// Snapshot is everything the console shows, as stats.json serves it.
type Snapshot struct {
	Time      time.Time           `json:"time"`
	APIs      []APIView           `json:"apis"`
	Routes    []RouteSeries       `json:"routes"`
	Plans     []PlanView          `json:"usagePlans,omitempty"`
	WebSocket []WebSocketView     `json:"webSocket,omitempty"`
	Recent    []recentRequestView `json:"recentRequests"`
}

// APIView is one gateway: its stages, routes, deployments and cache.
type APIView struct {
	APIID       string                          `json:"apiId"`
	Stages      []StageView                     `json:"stages"`
	Deployments []gateway.DeploymentDescription `json:"deployments"`
	Cache       *CacheView                      `json:"cache,omitempty"`
}

// StageView is one stage and the routes it serves.
type StageView struct {
	Name               string      `json:"name"`
	DeploymentID       string      `json:"deploymentId"`
	CanaryDeploymentID string      `json:"canaryDeploymentId,omitempty"`
	CanaryPercent      float64     `json:"canaryPercent,omitempty"`
	DetailedMetrics    bool        `json:"detailedMetrics"`
	AccessLogFormat    string      `json:"accessLogFormat,omitempty"`
	Routes             []RouteView `json:"routes"`
}

// RouteView is one route, its phases and its live figures.
type RouteView struct {
	Method   string          `json:"method"`
	Resource string          `json:"resource"`
	Phases   []gateway.Phase `json:"phases"`
	Live     *RouteSeries    `json:"live,omitempty"`
}

// CacheView is a gateway's stage cache.
type CacheView struct {
	cache.Stats
	HitRatio float64 `json:"hitRatio"` // hits / (hits + misses); 0 before any
	Entries  int     `json:"entries"`  // -1 when the store does not say
	Bytes    int64   `json:"bytes"`
	Capacity int64   `json:"capacity"`
}

// PlanView is one usage plan and its keys' usage.
type PlanView struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Throttle      string    `json:"throttle"`
	Quota         string    `json:"quota"`
	Throttled     uint64    `json:"throttled"`
	QuotaExceeded uint64    `json:"quotaExceeded"`
	Keys          []KeyView `json:"keys"`
	Error         string    `json:"error,omitempty"`
}

// KeyView is one API key's usage today: never its value.
type KeyView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Disabled  bool   `json:"disabled"`
	UsedToday int64  `json:"usedToday"`
	Remaining int64  `json:"remaining"` // -1: no quota
	Limit     int64  `json:"limit"`     // -1: no quota
}

// WebSocketView is one WebSocket API.
type WebSocketView struct {
	APIID       string `json:"apiId"`
	Stage       string `json:"stage"`
	Connections int    `json:"connections"`
}

type recentRequestView struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestId"`
	API       string    `json:"apiId"`
	Stage     string    `json:"stage"`
	Method    string    `json:"httpMethod"`
	Path      string    `json:"path"`
	Resource  string    `json:"resourcePath"`
	Status    int       `json:"status"`
	LatencyMS float64   `json:"latencyMs"`
	Error     string    `json:"errorResponseType,omitempty"`
	Canary    bool      `json:"isCanaryRequest,omitempty"`
	TraceID   string    `json:"xrayTraceId,omitempty"`
}

// Snapshot returns what the console shows now.
func (m *Monitor) Snapshot(ctx context.Context) Snapshot {
	now := m.cfg.Now()
	s := Snapshot{Time: now, Routes: m.live.series(now)}
	live := map[routeKey]*RouteSeries{}
	for i := range s.Routes {
		r := &s.Routes[i]
		live[routeKey{r.API, r.Stage, r.Method, r.Resource}] = r
	}
	m.mu.RLock()
	gws, apis, plans := m.gateways, m.apis, m.plans
	m.mu.RUnlock()
	for _, gw := range gws {
		s.APIs = append(s.APIs, apiView(gw, live))
	}
	if reg := plans; reg != nil {
		s.Plans = planViews(ctx, reg, now)
	}
	for _, a := range apis {
		s.WebSocket = append(s.WebSocket, WebSocketView{APIID: a.APIID(), Stage: a.Stage(), Connections: a.Len()})
	}
	for _, r := range m.live.recents() {
		s.Recent = append(s.Recent, recentRequestView{Time: r.Time, RequestID: r.RequestID, API: r.API, Stage: r.Stage,
			Method: r.Method, Path: r.Path, Resource: r.Resource, Status: r.Status, LatencyMS: millis(r.Latency),
			Error: r.Error, Canary: r.Canary, TraceID: r.TraceID})
	}
	return s
}

func apiView(gw *gateway.Gateway, live map[routeKey]*RouteSeries) APIView {
	d := gw.Describe()
	v := APIView{APIID: d.APIID, Deployments: d.Deployments}
	for _, st := range d.Stages {
		sv := StageView{Name: st.Config.Name, DeploymentID: st.DeploymentID, CanaryDeploymentID: st.CanaryDeploymentID,
			AccessLogFormat: st.Config.AccessLogFormat}
		if c := st.Config.Canary; c != nil {
			sv.CanaryPercent = c.Percent
		}
		for _, r := range st.Routes {
			ms := st.Config.For(r.Resource, r.Method)
			if ms.MetricsEnabled != nil && *ms.MetricsEnabled {
				sv.DetailedMetrics = true
			}
			sv.Routes = append(sv.Routes, RouteView{Method: r.Method, Resource: r.Resource, Phases: r.Phases,
				Live: live[routeKey{d.APIID, st.Config.Name, r.Method, r.Resource}]})
		}
		v.Stages = append(v.Stages, sv)
	}
	if store := gw.CacheStore(); store != nil {
		cv := &CacheView{Stats: gw.CacheStats(), Entries: -1}
		if n := cv.Hits + cv.Misses; n > 0 {
			cv.HitRatio = float64(cv.Hits) / float64(n)
		}
		if sz, ok := store.(sizedStore); ok {
			cv.Entries, cv.Bytes = sz.Len(), sz.Bytes()
		}
		if c, ok := store.(interface{ Capacity() int64 }); ok {
			cv.Capacity = c.Capacity()
		}
		v.Cache = cv
	}
	return v
}

// planViews reads each plan's keys' usage today from the store.
func planViews(ctx context.Context, reg *usageplan.Registry, now time.Time) []PlanView {
	stats := reg.Stats()
	today := usageplan.DateOf(now)
	var out []PlanView
	for _, p := range reg.Plans() {
		pv := PlanView{ID: p.ID, Name: p.Name, Throttle: "none", Quota: "none",
			Throttled: stats.Plans[p.ID].Throttled, QuotaExceeded: stats.Plans[p.ID].QuotaExceeded}
		if t := p.Throttle; t != nil {
			pv.Throttle = strconv.FormatFloat(t.Rate, 'g', -1, 64) + "/s, burst " + strconv.Itoa(t.Burst)
		}
		limit := int64(-1)
		if q := p.Quota; q != nil {
			limit = q.Limit
			pv.Quota = strconv.FormatInt(q.Limit, 10) + " per " + strings.ToLower(string(q.Period))
		}
		keys := reg.PlanKeys(p.ID)
		var usage *usageplan.Usage
		if len(keys) > 0 {
			var err error
			usage, err = reg.Usage(ctx, usageplan.UsageQuery{PlanID: p.ID, Start: today, End: today})
			if err != nil {
				pv.Error = err.Error()
			}
		}
		for _, id := range keys {
			k, _ := reg.Key(id)
			kv := KeyView{ID: id, Name: k.Name, Disabled: k.Disabled, Remaining: limit, Limit: limit}
			if usage != nil {
				if days := usage.Items[id]; len(days) > 0 {
					kv.UsedToday, kv.Remaining = days[len(days)-1][0], days[len(days)-1][1]
				}
			}
			pv.Keys = append(pv.Keys, kv)
		}
		out = append(out, pv)
	}
	return out
}

// formatMillis writes a latency for people: 0.42 ms, 12 ms, 1.3 s.
func formatMillis(ms float64) string {
	switch {
	case ms == 0:
		return "–"
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	case ms < 1000:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	}
	return strconv.FormatFloat(ms/1000, 'f', 1, 64) + " s"
}

func percent(part, whole uint64) string {
	if whole == 0 {
		return "–"
	}
	return strconv.FormatFloat(100*float64(part)/float64(whole), 'f', 1, 64) + " %"
}

func perSecond(n uint64) string {
	return strconv.FormatFloat(float64(n)/window, 'f', 2, 64)
}

// chart draws a small line chart of one or two series as inline SVG (the
// page draws its own charts: no library, no script needed).
func chart(title string, series ...any) template.HTML {
	const w, h = 180.0, 36.0
	var lines [][]float64
	for _, s := range series {
		switch v := s.(type) {
		case []float64:
			lines = append(lines, v)
		case []uint64:
			f := make([]float64, len(v))
			for i, x := range v {
				f[i] = float64(x)
			}
			lines = append(lines, f)
		}
	}
	top := 0.0
	for _, l := range lines {
		for _, x := range l {
			top = max(top, x)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="%s"><title>%s (max %s)</title>`,
		w, h, w, h, template.HTMLEscapeString(title), template.HTMLEscapeString(title), strconv.FormatFloat(top, 'g', 3, 64))
	for i, l := range lines {
		if len(l) < 2 {
			continue
		}
		fmt.Fprintf(&b, `<polyline class="line%d" points="`, i)
		for j, x := range l {
			y := h - 1
			if top > 0 {
				y = h - 1 - x/top*(h-2)
			}
			fmt.Fprintf(&b, "%.1f,%.1f ", float64(j)*w/float64(len(l)-1), y)
		}
		b.WriteString(`"/>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
