package monitor_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/monitor"
	"github.com/apigw/apigw/stage"
)

// headerBackend is an HTTP backend that keeps the headers of the last
// request it got.
type headerBackend struct {
	mu     sync.Mutex
	header http.Header
}

func (b *headerBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.header = r.Header.Clone()
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"name":"Rex"}`))
}

func (b *headerBackend) get(name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.header.Get(name)
}

// spanAttr returns a span's attribute.
func spanAttr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

// TestTraces: a request through every phase and an HTTP integration makes
// a server span named by its route, child of the caller's traceparent, one
// child span per phase in pipeline order, and a client span under the
// integration's whose context the backend receives; a cache hit makes the
// phases up to the cache only.
func TestTraces(t *testing.T) {
	tel := newTelemetry(t)
	clk := newClock()
	plans := petsPlans(t, clk.Now)
	mon := tel.monitor(t, monitor.Config{})
	backend := &headerBackend{}
	srv := httptest.NewServer(backend)
	defer srv.Close()
	gw := mustGateway(t, gateway.WithObserver(mon), gateway.WithAPIID("pets"), gateway.WithClock(clk.Now),
		gateway.WithStage(stage.Stage{Name: "prod"}), gateway.WithCache(cache.Config{TTL: time.Minute}),
		gateway.WithUsagePlans(plans), gateway.WithAuthorizer("tok", allowToken(clk.Now)),
		gateway.Route("GET /pets/{id}", gateway.Method{Authorizer: "tok", APIKeyRequired: true,
			Integration: gateway.HTTP(srv.URL + "/pets/{id}"),
			Response:    mapping.MustCompile(`{"pet": input.json.name}`)}))

	const caller = "00f067aa0ba902b7"
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	h := []string{"Authorization", "good", "x-api-key", "alice-key-00000000000001", "traceparent", "00-" + traceID + "-" + caller + "-01"}
	if rec := send(t, gw, "GET", "/pets/7", h...); rec.Code != 200 || rec.Body.String() != `{"pet":"Rex"}` {
		t.Fatalf("GET: %d %s", rec.Code, rec.Body)
	}
	spans := tel.spans.Ended()
	var server, integration, client sdktrace.ReadOnlySpan
	var phases []string
	for _, s := range spans {
		if s.SpanContext().TraceID().String() != traceID {
			t.Errorf("span %q in trace %s, want the caller's %s", s.Name(), s.SpanContext().TraceID(), traceID)
		}
		switch s.SpanKind() {
		case trace.SpanKindServer:
			server = s
		case trace.SpanKindClient:
			client = s
		}
		if s.Name() == "integration" {
			integration = s
		}
	}
	if server == nil || integration == nil || client == nil {
		t.Fatalf("spans %v: want a server, an integration and a client span", names(spans))
	}
	if server.Name() != "GET /pets/{id}" || server.Parent().SpanID().String() != caller || !server.Parent().IsRemote() {
		t.Errorf("server span %q, parent %s", server.Name(), server.Parent().SpanID())
	}
	if got := spanAttr(server, "http.response.status_code"); got != "200" {
		t.Errorf("server span status %q", got)
	}
	// The phases are the server span's children, in pipeline order.
	inOrder := slices.Clone(spans)
	slices.SortStableFunc(inOrder, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
	for _, s := range inOrder {
		if s.Parent().SpanID() == server.SpanContext().SpanID() {
			phases = append(phases, s.Name())
		}
	}
	want := []string{"cors", "authorizer", "api key and usage plan", "validation", "cache", "request mapping", "integration", "response mapping"}
	if !slices.Equal(phases, want) {
		t.Errorf("phase spans %q\nwant %q", phases, want)
	}
	for _, s := range spans {
		switch s.Name() {
		case "authorizer":
			if spanAttr(s, "apigw.authorizer.cache") != "miss" || spanAttr(s, "apigw.authorizer.name") != "tok" {
				t.Errorf("authorizer span %v", s.Attributes())
			}
		case "cache":
			if spanAttr(s, "apigw.cache") != "miss" {
				t.Errorf("cache span %v", s.Attributes())
			}
		case "api key and usage plan":
			if spanAttr(s, "apigw.api_key_id") != "alice" {
				t.Errorf("usage plan span %v", s.Attributes())
			}
		}
	}
	if client.Parent().SpanID() != integration.SpanContext().SpanID() {
		t.Errorf("client span's parent %s, want the integration's %s", client.Parent().SpanID(), integration.SpanContext().SpanID())
	}
	wantTP := "00-" + traceID + "-" + client.SpanContext().SpanID().String() + "-01"
	if got := backend.get("traceparent"); got != wantTP {
		t.Errorf("backend's traceparent %q, want %q", got, wantTP)
	}
	wantXRay := "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=" + client.SpanContext().SpanID().String() + ";Sampled=1"
	if got := backend.get("X-Amzn-Trace-Id"); got != wantXRay {
		t.Errorf("backend's X-Amzn-Trace-Id %q, want %q", got, wantXRay)
	}

	// The same request again: a cache hit, with the authorizer's cache.
	tel.spans.Reset()
	clk.Advance(2 * time.Second)                                         // alice's throttle: burst 1, 1 per second
	if rec := send(t, gw, "GET", "/pets/7", h[:4]...); rec.Code != 200 { // no traceparent: a trace of its own
		t.Fatalf("second GET: %d %s", rec.Code, rec.Body)
	}
	spans = tel.spans.Ended()
	var got []string
	slices.SortStableFunc(spans, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindServer {
			if s.Parent().IsValid() {
				t.Errorf("server span has a parent %s", s.Parent().SpanID())
			}
			continue
		}
		got = append(got, s.Name())
		switch s.Name() {
		case "authorizer":
			if spanAttr(s, "apigw.authorizer.cache") != "hit" {
				t.Errorf("second authorizer span %v", s.Attributes())
			}
		case "cache":
			if spanAttr(s, "apigw.cache") != "hit" {
				t.Errorf("second cache span %v", s.Attributes())
			}
		}
	}
	if want := want[:5]; !slices.Equal(got, want) {
		t.Errorf("cache hit's phase spans %q, want %q", got, want)
	}
}

// TestTraceRefusal: a phase that refuses the request ends its span with
// the gateway response type as an error; the phases after it make none.
func TestTraceRefusal(t *testing.T) {
	tel := newTelemetry(t)
	clk := newClock()
	mon := tel.monitor(t, monitor.Config{})
	gw := mustGateway(t, gateway.WithObserver(mon), gateway.WithAuthorizer("tok", allowToken(clk.Now)),
		gateway.Route("GET /x", gateway.Method{Authorizer: "tok", Integration: gateway.Handler(okBackend)}))
	if rec := send(t, gw, "GET", "/x", "Authorization", "bad"); rec.Code != 401 {
		t.Fatalf("%d", rec.Code)
	}
	var got []string
	for _, s := range tel.spans.Ended() {
		got = append(got, s.Name())
		if s.Name() == "authorizer" && (s.Status().Code.String() != "Error" || s.Status().Description != "UNAUTHORIZED") {
			t.Errorf("authorizer span status %v", s.Status())
		}
	}
	slices.Sort(got)
	if want := []string{"GET /x", "authorizer", "cors"}; !slices.Equal(got, want) {
		t.Errorf("spans %q, want %q", got, want)
	}
}

// TestXRayHeader: a request with X-Amzn-Trace-Id and no traceparent joins
// that trace; the trace id is $context.xrayTraceId in X-Ray's form.
func TestXRayHeader(t *testing.T) {
	tel := newTelemetry(t)
	mon := tel.monitor(t, monitor.Config{})
	var seen string
	gw := mustGateway(t, gateway.WithObserver(mon),
		gateway.Route("GET /x", gateway.Method{Integration: gateway.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = apigw.FromContext(r.Context()).XRayTraceID
		}))}),
		gateway.Route("GET /mock", gateway.Method{Integration: gateway.Mock(200, `{"trace":"$context.xrayTraceId"}`)}))
	send(t, gw, "GET", "/x", "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	if seen != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("$context.xrayTraceId = %q", seen)
	}
	for _, s := range tel.spans.Ended() {
		if s.SpanKind() == trace.SpanKindServer && (s.Parent().SpanID().String() != "53995c3f42cd8ad8" || s.SpanContext().TraceID().String() != "5759e988bd862e3fe1be46a994272793") {
			t.Errorf("server span parent %s trace %s", s.Parent().SpanID(), s.SpanContext().TraceID())
		}
	}
	// A malformed header starts a trace of its own.
	send(t, gw, "GET", "/x", "X-Amzn-Trace-Id", "Root=1-zz;Parent=53995c3f42cd8ad8")
	if !strings.HasPrefix(seen, "1-") || len(seen) != 35 || seen == "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("$context.xrayTraceId = %q after a malformed header", seen)
	}
	// A mock integration's template sees it too.
	rec := send(t, gw, "GET", "/mock")
	if !strings.Contains(rec.Body.String(), `"trace":"1-`) {
		t.Errorf("mock body %s", rec.Body)
	}
}

// TestNoTracing: with trace/noop's provider nothing is traced or
// propagated, and $context.xrayTraceId stays empty.
func TestNoTracing(t *testing.T) {
	tel := newTelemetry(t)
	mon := tel.monitor(t, monitor.Config{TracerProvider: noTracing})
	var seen string
	gw := mustGateway(t, gateway.WithObserver(mon),
		gateway.Route("GET /x", gateway.Method{Integration: gateway.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = apigw.FromContext(r.Context()).XRayTraceID
		}))}))
	send(t, gw, "GET", "/x", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	if seen != "" || len(tel.spans.Ended()) != 0 {
		t.Errorf("traced without tracing: %q, %d spans", seen, len(tel.spans.Ended()))
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var n []string
	for _, s := range spans {
		n = append(n, s.Name()+"("+s.SpanKind().String()+")")
	}
	return n
}

// TestTracePanic: a panicking integration's span ends, as an error, under
// the server span of the gateway's 502.
func TestTracePanic(t *testing.T) {
	tel := newTelemetry(t)
	mon := tel.monitor(t, monitor.Config{})
	gw := mustGateway(t, gateway.WithObserver(mon),
		gateway.Route("GET /boom", gateway.Method{Integration: gateway.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("boom")
		}))}))
	if rec := send(t, gw, "GET", "/boom"); rec.Code != 502 {
		t.Fatalf("%d", rec.Code)
	}
	var integration, server bool
	for _, s := range tel.spans.Ended() {
		switch s.Name() {
		case "integration":
			integration = s.Status().Code.String() == "Error" && strings.Contains(s.Status().Description, "boom")
		case "GET /boom":
			server = spanAttr(s, "http.response.status_code") == "502"
		}
	}
	if !integration || !server {
		t.Errorf("integration span ended as an error: %v; server span 502: %v", integration, server)
	}
}
