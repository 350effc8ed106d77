package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// trivialBackend answers a fixed body, as cheaply as a handler can.
var trivialBackend = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = []string{"application/json"}
	_, _ = w.Write([]byte(`{"ok":true}`))
})

// discardWriter is a ResponseWriter that allocates nothing, so that the
// benchmarks measure the gateway and not httptest.ResponseRecorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func (w *discardWriter) reset() {
	for k := range w.h {
		delete(w.h, k)
	}
}

func benchmarkHandler(b *testing.B, h http.Handler) {
	req := httptest.NewRequest("GET", "/artists/1234", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
}

// BenchmarkGatewayBare is the trivial backend alone: the baseline.
func BenchmarkGatewayBare(b *testing.B) { benchmarkHandler(b, trivialBackend) }

// BenchmarkGatewayProxy is the same backend behind the gateway: one route
// with a path parameter, an in-process integration, access log off.
func BenchmarkGatewayProxy(b *testing.B) {
	gw, err := New(Route("GET /artists/{id}", Method{Integration: Handler(trivialBackend)}))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkHandler(b, gw)
}

// TestGatewayAllocs pins the allocation budget of the proxy path: the
// gateway adds at most 8 allocations to the bare handler's.
func TestGatewayAllocs(t *testing.T) {
	gw := mustNew(t, Route("GET /artists/{id}", Method{Integration: Handler(trivialBackend)}))
	req := httptest.NewRequest("GET", "/artists/1234", nil)
	w := &discardWriter{h: http.Header{}}
	bare := testing.AllocsPerRun(200, func() { w.reset(); trivialBackend.ServeHTTP(w, req) })
	proxied := testing.AllocsPerRun(200, func() { w.reset(); gw.ServeHTTP(w, req) })
	if added := proxied - bare; added > 8 {
		t.Errorf("the gateway adds %.0f allocations per request, budget 8", added)
	}
	t.Logf("bare %.0f, through the gateway %.0f allocations per request", bare, proxied)
}
