package cache

import (
	"net/http"
	"strconv"
	"testing"
)

// discard is a ResponseWriter that keeps nothing and reuses its header map,
// so that benchmarks measure the handler, not the writer.
type discard struct {
	h      http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.status = code }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }
func (d *discard) reset()                      { clear(d.h); d.status, d.n = 0, 0 }

var artistJSON = []byte(`{"id":"1234","name":"Nina Simone","popularity":90,"genres":["jazz","soul","blues"]}`)

// bareArtist writes what the cached entry holds, as a typical handler would.
var bareArtist = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(artistJSON)))
	w.WriteHeader(http.StatusOK)
	w.Write(artistJSON)
})

// hitSetup returns the cache phase of GET /artists/{id} with an entry for
// the returned gateway-made request already stored.
func hitSetup(tb testing.TB, cfg Config) (http.Handler, *http.Request) {
	tb.Helper()
	c := mustNew(tb, cfg)
	h := mustWrap(tb, c, MethodSettings{KeyParameters: []string{"method.request.path.id", "method.request.querystring.lang"}}, bareArtist)
	r := routed{target: "/artists/1234?lang=en&utm_source=x", stage: "prod", resource: "/artists/{id}",
		pathParams: map[string]string{"id": "1234"}, header: http.Header{"Accept": {"application/json"}}}.request()
	w := &discard{h: http.Header{}}
	h.ServeHTTP(w, r)
	w.reset()
	h.ServeHTTP(w, r)
	if w.n != len(artistJSON) || c.Stats().Hits != 1 {
		tb.Fatalf("setup: wrote %d bytes, stats %+v", w.n, c.Stats())
	}
	return h, r
}

// BenchmarkHit compares, in one run, a cache hit with the bare handler
// writing the same bytes; the goal is at most 1 µs and 5 allocations more.
func BenchmarkHit(b *testing.B) {
	run := func(b *testing.B, h http.Handler, r *http.Request) {
		w := &discard{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			h.ServeHTTP(w, r)
		}
	}
	hit, r := hitSetup(b, Config{})
	b.Run("bare", func(b *testing.B) { run(b, bareArtist, r) })
	b.Run("hit", func(b *testing.B) { run(b, hit, r) })
	xhit, r := hitSetup(b, Config{XCache: true})
	b.Run("hit-xcache", func(b *testing.B) { run(b, xhit, r) })
	b.Run("hit-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w := &discard{h: http.Header{}}
			for pb.Next() {
				w.reset()
				hit.ServeHTTP(w, r)
			}
		})
	})
}

// BenchmarkRefresh is the miss path: every request invalidates, so each one
// calls the integration through the recorder and stores the answer: the
// artist in one write, and 64 KB written 4 KB at a time, as a stream is.
func BenchmarkRefresh(b *testing.B) {
	chunk := make([]byte, 4<<10)
	streamed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		for range 16 {
			w.Write(chunk)
		}
	})
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"artist", bareArtist}, {"64KB-in-4KB-writes", streamed}} {
		b.Run(tc.name, func(b *testing.B) {
			c := mustNew(b, Config{AnyoneMayInvalidate: true})
			h := c.Handler(tc.h)
			r := routed{target: "/artists/1234", header: http.Header{"Cache-Control": {"max-age=0"}}}.request()
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, r)
			}
			if c.Stats().Invalidations == 0 || w.n == 0 {
				b.Fatalf("not a refresh: %+v, %d bytes", c.Stats(), w.n)
			}
		})
	}
}

// TestHitAllocs pins the allocation budget of a hit: the key string and one
// slice for the header values, against two for the bare handler's Sets.
func TestHitAllocs(t *testing.T) {
	hit, r := hitSetup(t, Config{XCache: true})
	w := &discard{h: http.Header{}}
	measure := func(h http.Handler) float64 {
		return testing.AllocsPerRun(200, func() {
			w.reset()
			h.ServeHTTP(w, r)
		})
	}
	bare, cached := measure(bareArtist), measure(hit)
	if cached > 2 || cached-bare > 5 {
		t.Errorf("a hit allocates %v times (bare handler %v): budget 2, and at most 5 more than bare", cached, bare)
	}
}
