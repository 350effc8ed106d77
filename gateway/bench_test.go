package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-lambda-go/events"
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
// gateway adds at most 5 allocations to the bare handler's — the request's
// context (with its apigw.Context and scratch space), the request ids, the
// PathParameters map (two) and the request carrying the context. Nothing is
// pooled that a handler could keep (round 1 pooled the Context and the map:
// 2 allocations fewer, but a kept context lost its Context).
func TestGatewayAllocs(t *testing.T) {
	gw := mustNew(t, Route("GET /artists/{id}", Method{Integration: Handler(trivialBackend)}))
	req := httptest.NewRequest("GET", "/artists/1234", nil)
	w := &discardWriter{h: http.Header{}}
	bare := testing.AllocsPerRun(200, func() { w.reset(); trivialBackend.ServeHTTP(w, req) })
	proxied := testing.AllocsPerRun(200, func() { w.reset(); gw.ServeHTTP(w, req) })
	if added := proxied - bare; added > 5 {
		t.Errorf("the gateway adds %.0f allocations per request, budget 5", added)
	}
	t.Logf("bare %.0f, through the gateway %.0f allocations per request", bare, proxied)
}

// artistJSON is the music API's artist, as its backend writes it.
var artistJSON = []byte(`{"id":1234,"artist":"Queen","popularity":90,"genres":["Progressive rock","Pop rock","Glam rock"]}`)

var artistBackend = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = []string{"application/json"}
	_, _ = w.Write(artistJSON)
})

// BenchmarkGatewayGenres is the music API's genres method end to end: the
// artist fetched in-process, then reshaped by the response template,
// against the same artist proxied as it is. The difference is the cost of
// the template (parse, evaluate, write).
func BenchmarkGatewayGenres(b *testing.B) {
	for _, tc := range []struct {
		name string
		m    Method
	}{
		{"proxy", Method{Integration: Handler(artistBackend)}},
		{"template", Method{Integration: Handler(artistBackend), Response: mapping.MustCompile(`{"genre": input.json.genres}`)}},
		{"template-vtl", Method{Integration: Handler(artistBackend), Response: mapping.VTL(`#set($a = $input.path('$'))
{"genre": [#foreach($g in $a.genres)"$util.escapeJavaScript($g)"#if($foreach.hasNext),#end#end]}`)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			benchmarkHandler(b, mustNew(b, Route("GET /artists/{id}", tc.m)))
		})
	}
}

// BenchmarkGatewayCacheHit is a cache hit through the whole gateway against
// a bare handler writing the same bytes.
func BenchmarkGatewayCacheHit(b *testing.B) {
	b.Run("bare", func(b *testing.B) { benchmarkHandler(b, artistBackend) })
	b.Run("hit", func(b *testing.B) {
		gw := mustNew(b, WithCache(cache.Config{}),
			Route("GET /artists/{id}", Method{Integration: Handler(artistBackend), Cache: &CacheSettings{KeyParameters: []string{"method.request.path.id"}}}))
		benchmarkHandler(b, gw)
	})
}

// BenchmarkGatewayCacheRefresh is the cache's miss path through the whole
// gateway: every request may invalidate and asks to (Cache-Control:
// max-age=0), so each one calls the integration, whose answer is captured
// and stored.
func BenchmarkGatewayCacheRefresh(b *testing.B) {
	gw := mustNew(b, WithCache(cache.Config{AnyoneMayInvalidate: true}),
		Route("GET /artists/{id}", Method{Integration: Handler(artistBackend), Cache: &CacheSettings{KeyParameters: []string{"method.request.path.id"}}}))
	req := httptest.NewRequest("GET", "/artists/1234", nil)
	req.Header.Set("Cache-Control", "max-age=0")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		gw.ServeHTTP(w, req)
	}
}

// memTransport answers every round trip with body, in memory, so that an
// HTTP integration's benchmark measures the gateway and httputil's proxy,
// not a socket.
type memTransport struct{ body []byte }

func (t memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return &http.Response{Status: "200 OK", StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)), Request: r}, nil
}

// BenchmarkGatewayHTTP is an HTTP proxy integration (httputil.ReverseProxy)
// answered in memory, against the same answer from an in-process handler.
func BenchmarkGatewayHTTP(b *testing.B) {
	b.Run("handler", func(b *testing.B) {
		benchmarkHandler(b, mustNew(b, Route("GET /artists/{id}", Method{Integration: Handler(artistBackend)})))
	})
	b.Run("http", func(b *testing.B) {
		benchmarkHandler(b, mustNew(b, WithTransport(memTransport{artistJSON}),
			Route("GET /artists/{id}", Method{Integration: HTTP("http://backend.internal/artists/{id}")})))
	})
}

// BenchmarkGatewayLambda is a trivial Lambda function behind the gateway,
// against the same answer from an in-process handler: a function of the
// events types (called with the event itself) and one of other types
// (through JSON, as the Lambda runtime calls it).
func BenchmarkGatewayLambda(b *testing.B) {
	type anyEvent map[string]any
	for _, tc := range []struct {
		name string
		in   Integration
	}{
		{"handler", Handler(trivialBackend)},
		{"v1", Lambda(func(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"ok":true}`, Headers: map[string]string{"Content-Type": "application/json"}}, nil
		})},
		{"v2", LambdaV2(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"ok":true}`, Headers: map[string]string{"Content-Type": "application/json"}}, nil
		})},
		{"v1-json", Lambda(func(ctx context.Context, ev anyEvent) (map[string]any, error) {
			return map[string]any{"statusCode": 200, "body": `{"ok":true}`}, nil
		})},
	} {
		b.Run(tc.name, func(b *testing.B) {
			benchmarkHandler(b, mustNew(b, Route("GET /artists/{id}", Method{Integration: tc.in})))
		})
	}
}

// BenchmarkGatewayHTTPAPI is the proxy path of an HTTP API against the
// same route of a REST API: the profile costs nothing of its own.
func BenchmarkGatewayHTTPAPI(b *testing.B) {
	route := Route("GET /artists/{id}", Method{Integration: Handler(trivialBackend)})
	b.Run("rest", func(b *testing.B) { benchmarkHandler(b, mustNew(b, route)) })
	b.Run("http-api", func(b *testing.B) { benchmarkHandler(b, mustNew(b, WithHTTPAPI(), route)) })
	fn := LambdaV2(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"ok":true}`}, nil
	})
	lambda := Route("GET /artists/{id}", Method{Integration: fn})
	b.Run("rest-lambda-v2", func(b *testing.B) { benchmarkHandler(b, mustNew(b, lambda)) })
	b.Run("http-api-lambda-v2", func(b *testing.B) { benchmarkHandler(b, mustNew(b, WithHTTPAPI(), lambda)) })
}
