package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/internal/testkit"
	"github.com/apigw/apigw/stage"
)

func TestStageCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var calls atomic.Int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		fmt.Fprintf(w, `{"call":%d,"path":%q}`, n, r.URL.Path)
	})
	off := false
	gw := mustNew(t,
		WithClock(clock),
		WithCache(cache.Config{AnyoneMayInvalidate: true, XCache: true}),
		WithStage(stage.Stage{Name: "prod", MethodSettings: map[string]stage.MethodSettings{"/nocache/GET": {CachingEnabled: &off}},
			Canary: &stage.Canary{Percent: 0}}),
		Route("GET /artists/{id}", Method{Integration: Handler(backend), Cache: &CacheSettings{KeyParameters: []string{"method.request.path.id", "method.request.querystring.lang"}}}),
		Route("GET /shared/{id}", Method{Integration: Handler(backend)}),
		Route("GET /nocache", Method{Integration: Handler(backend)}),
		Route("PUT /artists/{id}", Method{Integration: Handler(backend)}),
	)
	get := func(path string, header ...string) string {
		t.Helper()
		rec := do(t, gw, "GET", path, "", header...)
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.String() + " " + rec.Header().Get("X-Cache")
	}
	first := get("/artists/1?lang=en&x=1")
	if got := get("/artists/1?x=2&lang=en"); got != `{"call":1,"path":"/artists/1"} Hit` {
		t.Errorf("second GET = %s (first %s)", got, first)
	}
	if got := get("/artists/2?lang=en"); got != `{"call":2,"path":"/artists/2"} Miss` {
		t.Errorf("another id = %s", got)
	}
	// An undeclared path parameter splits entries too (AWS's would not,
	// serving one resource for another).
	get("/shared/a")
	if got := get("/shared/b"); got != `{"call":4,"path":"/shared/b"} Miss` {
		t.Errorf("undeclared parameter did not split the entry: %s", got)
	}
	if get("/nocache") == get("/nocache") {
		t.Error("a method the stage turned off was cached")
	}
	do(t, gw, "PUT", "/artists/1", "{}")
	do(t, gw, "PUT", "/artists/1", "{}")
	before := calls.Load()
	if got := get("/artists/1?lang=en"); got != `{"call":1,"path":"/artists/1"} Hit` {
		t.Errorf("PUT was cached or evicted the GET: %s", got)
	}
	if got := get("/artists/1?lang=en", "Cache-Control", "max-age=0"); got != fmt.Sprintf(`{"call":%d,"path":"/artists/1"} Miss`, before+1) {
		t.Errorf("max-age=0 = %s", got)
	}
	now = now.Add(301 * time.Second)
	if got := get("/artists/1?lang=en"); got == fmt.Sprintf(`{"call":%d,"path":"/artists/1"} Hit`, before+1) {
		t.Error("an expired entry was served")
	}
	if err := gw.FlushCache(t.Context(), "prod"); err != nil {
		t.Fatal(err)
	}
	if got := get("/artists/2?lang=en"); got[len(got)-4:] != "Miss" {
		t.Errorf("after Flush: %s", got)
	}
	if s := gw.CacheStats(); s.Hits == 0 || s.Misses == 0 || s.Invalidations != 1 {
		t.Errorf("stats = %+v", s)
	}
	if _, err := New(Route("GET /a", Method{Integration: Mock(200, ""), Cache: &CacheSettings{}})); err == nil {
		t.Error("Method.Cache without WithCache was accepted")
	}
	if _, err := New(WithCache(cache.Config{}), Route("GET /a", Method{Integration: Mock(200, ""), Cache: &CacheSettings{KeyParameters: []string{"bogus"}}})); err == nil {
		t.Error("a bad key parameter was accepted")
	}
	_, err := New(WithCache(cache.Config{}), Route("GET /a/{id}", Method{Integration: Mock(200, ""), Cache: &CacheSettings{KeyParameters: []string{"method.request.path.name"}}}))
	if err == nil || !strings.Contains(err.Error(), `no path parameter "name"`) {
		t.Errorf("a key parameter the route has not: %v", err)
	}
}

func TestCanaryCache(t *testing.T) {
	var calls atomic.Int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d", calls.Add(1))
	})
	for _, shared := range []bool{true, false} {
		gw := mustNew(t,
			WithCache(cache.Config{}),
			WithStage(stage.Stage{Name: "prod", Canary: &stage.Canary{Percent: 50, UseStageCache: shared, Sticky: &stage.Sticky{Header: "X-U"}}}),
			Route("GET /x", Method{Integration: Handler(backend)}),
		)
		// Find a client on each side.
		var base, canary string
		for i := 0; base == "" || canary == ""; i++ {
			id := fmt.Sprint(i)
			rec := do(t, gw, "GET", "/x", "", "X-U", id)
			_ = rec
			if hashPercent('h', id) < 50 {
				canary = id
			} else {
				base = id
			}
		}
		a := do(t, gw, "GET", "/x", "", "X-U", base).Body.String()
		b := do(t, gw, "GET", "/x", "", "X-U", canary).Body.String()
		if (a == b) != shared {
			t.Errorf("UseStageCache=%v: base saw %s, canary %s", shared, a, b)
		}
	}
}

// TestCacheEveryKind: the stage cache stores, coalesces and refreshes the
// answers of every integration kind alike, those of backends that read
// their context included (the trust issue found it storing none of them).
func TestCacheEveryKind(t *testing.T) {
	var gate atomic.Pointer[chan struct{}]
	hold := func(ctx context.Context) {
		if g := gate.Load(); g != nil {
			select {
			case <-*g:
			case <-ctx.Done():
			}
		}
	}
	for _, k := range everyKind(t, holding(hold)) {
		t.Run(k.name, func(t *testing.T) {
			gw := mustNew(t, WithCache(cache.Config{AnyoneMayInvalidate: true, XCache: true}),
				Route("GET /pets/{id}", Method{Integration: k.build("/pets/{id}")}))
			get := func(path string, header ...string) (body, xcache string) {
				rec := do(t, gw, "GET", path, "", header...)
				if rec.Code != 200 {
					t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
				}
				return rec.Body.String(), rec.Header().Get("X-Cache")
			}
			calls := func() int64 { return k.calls.Load() }
			start := calls()
			b1, x1 := get("/pets/1")
			b2, x2 := get("/pets/1")
			if x1 != "Miss" || x2 != "Hit" || b1 != b2 {
				t.Errorf("two GETs: %s %q, %s %q", x1, b1, x2, b2)
			}
			if _, x := get("/pets/2"); x != "Miss" {
				t.Errorf("another resource: %s", x)
			}
			if k.echoes && calls()-start != 2 {
				t.Errorf("%d calls for two resources", calls()-start)
			}

			// An allowed Cache-Control: max-age=0 replaces the entry.
			before := calls()
			if _, x := get("/pets/1", "Cache-Control", "max-age=0"); x != "Miss" {
				t.Errorf("refresh: %s", x)
			}
			if _, x := get("/pets/1"); x != "Hit" {
				t.Errorf("after a refresh: %s, want the refreshed entry", x)
			}
			if k.echoes && calls()-before != 1 {
				t.Errorf("refresh and GET: %d calls, want 1", calls()-before)
			}
			if !k.echoes {
				return // a mock has no backend to hold
			}

			// Ten concurrent misses make one call.
			ch := make(chan struct{})
			gate.Store(&ch)
			defer gate.Store(nil)
			before = calls()
			var wg sync.WaitGroup
			bodies := make([]string, 10)
			for i := range bodies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					bodies[i], _ = get("/pets/3")
				}()
			}
			testkit.WaitFor(t, "one call and nine waiters", func() bool {
				return calls()-before == 1 && gw.CacheStats().Waiting == 9
			})
			close(ch)
			wg.Wait()
			if n := calls() - before; n != 1 {
				t.Errorf("10 concurrent misses made %d calls", n)
			}
			for _, b := range bodies {
				if b != bodies[0] {
					t.Errorf("answers differ: %q %q", b, bodies[0])
				}
			}
		})
	}
}

// TestCacheKeysWithoutCache: a method's cache key parameters alone are
// inert without a cache, as cacheKeyParameters are on an AWS stage without
// one (AWS's Lambda proxy sample declares method.request.path.proxy);
// enabling caching without a cache is a mistake.
func TestCacheKeysWithoutCache(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	gw, err := New(Route("ANY /{proxy+}", Method{Integration: Handler(h),
		Cache: &CacheSettings{KeyParameters: []string{"method.request.path.proxy"}}}))
	if err != nil {
		t.Fatal(err)
	}
	gw.Close()
	on := true
	if _, err := New(Route("GET /a", Method{Integration: Handler(h), Cache: &CacheSettings{Enabled: &on}})); err == nil {
		t.Fatal("a method cached without a cache built")
	}
	if _, err := New(Route("GET /a", Method{Integration: Handler(h), Cache: &CacheSettings{KeyParameters: []string{"bogus"}}})); err == nil {
		t.Fatal("a bad key parameter was accepted")
	}
}
