package gateway

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/cache"
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
	// An undeclared path parameter does not split entries, as in AWS.
	get("/shared/a")
	if got := get("/shared/b"); got != `{"call":3,"path":"/shared/a"} Hit` {
		t.Errorf("undeclared parameter split the entry: %s", got)
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
