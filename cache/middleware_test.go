package cache

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
)

func TestHitAndMiss(t *testing.T) {
	clock := newFakeClock()
	c := mustNew(t, Config{Now: clock.Now, XCache: true})
	backend := &counter{body: "hello", header: http.Header{"X-Backend": {"1"}}}
	h := c.Handler(backend)

	w := get(h, "/a")
	wantBody(t, w, "hello #1")
	if got := w.Header().Get(XCacheHeader); got != "Miss" {
		t.Errorf("first X-Cache = %q, want Miss", got)
	}
	w = get(h, "/a")
	wantBody(t, w, "hello #1")
	if got := w.Header().Get(XCacheHeader); got != "Hit" {
		t.Errorf("second X-Cache = %q, want Hit", got)
	}
	if w.Header().Get("X-Backend") != "1" || w.Header().Get("Content-Type") != "text/plain" {
		t.Errorf("hit lost the integration's headers: %v", w.Header())
	}
	if got := w.Header().Get("Content-Length"); got != "8" {
		t.Errorf("hit Content-Length = %q, want 8", got)
	}
	wantBody(t, get(h, "/b"), "hello #2") // another path, another entry
	if got, want := c.Stats(), (Stats{Hits: 1, Misses: 2}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestTTLExpiry(t *testing.T) {
	tests := []struct {
		name      string
		stageTTL  time.Duration
		methodTTL time.Duration
		wantTTL   time.Duration
	}{
		{"AWS default 300 s", 0, 0, DefaultTTL},
		{"stage TTL", 10 * time.Second, 0, 10 * time.Second},
		{"method overrides stage", 10 * time.Second, time.Minute, time.Minute},
		{"method on, stage off", Disabled, 30 * time.Second, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			c := mustNew(t, Config{Now: clock.Now, TTL: tt.stageTTL})
			backend := &counter{body: "v"}
			h := mustWrap(t, c, MethodSettings{TTL: tt.methodTTL}, backend)
			wantBody(t, get(h, "/x"), "v #1")
			clock.Advance(tt.wantTTL - time.Nanosecond)
			wantBody(t, get(h, "/x"), "v #1") // still fresh
			clock.Advance(time.Nanosecond)
			wantBody(t, get(h, "/x"), "v #2") // expired at exactly TTL: never served
			wantBody(t, get(h, "/x"), "v #2")
		})
	}
}

func TestCachingOff(t *testing.T) {
	off, on := false, true
	tests := []struct {
		name   string
		cfg    Config
		spec   MethodSettings
		method string
		cached bool
	}{
		{"GET cached by default", Config{}, MethodSettings{}, "GET", true},
		{"POST not cached by default", Config{}, MethodSettings{}, "POST", false},
		{"HEAD not cached by default", Config{}, MethodSettings{}, "HEAD", false},
		{"POST in Config.Methods", Config{Methods: []string{"POST"}}, MethodSettings{}, "POST", true},
		{"GET not in Config.Methods", Config{Methods: []string{"POST"}}, MethodSettings{}, "GET", false},
		{"Enabled true caches POST", Config{}, MethodSettings{Enabled: &on}, "POST", true},
		{"Enabled false", Config{}, MethodSettings{Enabled: &off}, "GET", false},
		{"method TTL Disabled", Config{}, MethodSettings{TTL: Disabled}, "GET", false},
		{"stage TTL Disabled", Config{TTL: Disabled}, MethodSettings{}, "GET", false},
		{"stage TTL Disabled, Enabled true", Config{TTL: Disabled}, MethodSettings{Enabled: &on}, "GET", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, tt.cfg)
			backend := &counter{body: "v"}
			h := mustWrap(t, c, tt.spec, backend)
			do(h, httptest.NewRequest(tt.method, "/x", nil))
			do(h, httptest.NewRequest(tt.method, "/x", nil))
			want := int64(2)
			if tt.cached {
				want = 1
			}
			if got := backend.calls.Load(); got != want {
				t.Errorf("backend calls = %d, want %d", got, want)
			}
		})
	}
}

func TestDisabledMethodIsNext(t *testing.T) {
	c := mustNew(t, Config{})
	off := false
	backend := &counter{}
	mw, err := c.Middleware(MethodSettings{Enabled: &off})
	if err != nil {
		t.Fatal(err)
	}
	if h := mw(backend); h != http.Handler(backend) {
		t.Errorf("a method with caching off should cost nothing: got %T, want next itself", h)
	}
}

func TestWhatIsStored(t *testing.T) {
	big := strings.Repeat("x", MaxResponseBytes+1)
	tests := []struct {
		name    string
		cfg     Config
		handler http.HandlerFunc
		stored  bool
	}{
		{"200", Config{}, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, true},
		{"204", Config{}, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }, true},
		{"nothing written is a 200", Config{}, func(w http.ResponseWriter, r *http.Request) {}, true},
		{"404 by default", Config{}, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, false},
		{"500", Config{}, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, false},
		{"301", Config{}, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/y", 301) }, false},
		{"404 when configured", Config{Statuses: []int{404}}, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, true},
		{"200 not configured", Config{Statuses: []int{404}}, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, false},
		{"exactly 1 MB", Config{}, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big[1:]) }, true},
		{"over 1 MB", Config{}, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) }, false},
		{"over 1 MB in pieces", Config{}, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, big[:MaxResponseBytes/2])
			io.WriteString(w, big[MaxResponseBytes/2:])
		}, false},
		{"declared over 1 MB", Config{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "2000000")
			w.WriteHeader(200)
		}, false},
		{"Set-Cookie", Config{}, func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cret"})
			io.WriteString(w, "ok")
		}, false},
		{"Cache-Control no-store", Config{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "max-age=60, No-Store")
			io.WriteString(w, "ok")
		}, false},
		{"Cache-Control private", Config{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", `private="Authorization"`)
			io.WriteString(w, "ok")
		}, false},
		{"Cache-Control public", Config{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "public, max-age=60")
			io.WriteString(w, "ok")
		}, true},
		{"trailers", Config{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum")
			io.WriteString(w, "ok")
			w.Header().Set("X-Sum", "1")
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, tt.cfg)
			calls := 0
			h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				tt.handler(w, r)
			}))
			first := get(h, "/x")
			second := get(h, "/x")
			if tt.stored != (calls == 1) {
				t.Fatalf("stored = %v, want %v (integration called %d times)", calls == 1, tt.stored, calls)
			}
			if first.Code != second.Code || !bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
				t.Errorf("second response differs: %d %d bytes vs %d %d bytes",
					first.Code, first.Body.Len(), second.Code, second.Body.Len())
			}
			if m := c.Store().(*MemoryStore); tt.stored != (m.Len() == 1) {
				t.Errorf("store holds %d entries", m.Len())
			}
		})
	}
}

func TestHeadersFromEarlierPhasesAreNotStored(t *testing.T) {
	c := mustNew(t, Config{})
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Vary", "Accept")
		w.Header().Set("Date", "Mon, 02 Jan 2006 15:04:05 GMT")
		w.Header().Set("Connection", "close")
		io.WriteString(w, `{}`)
	}))
	// An earlier phase (CORS, request id) sets headers of its own first.
	earlier := func(origin string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("X-Amzn-Requestid", "id-"+origin)
			w.Header().Set("Vary", "Origin")
			h.ServeHTTP(w, r)
		})
	}
	get(earlier("https://a.example"), "/x")
	w := get(earlier("https://b.example"), "/x")
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "https://b.example" {
		t.Errorf("Access-Control-Allow-Origin = %q: a stored header of another request leaked", got)
	}
	if got := w.Header().Get("X-Amzn-Requestid"); got != "id-https://b.example" {
		t.Errorf("X-Amzn-Requestid = %q", got)
	}
	if got := w.Header().Values("Vary"); len(got) != 2 || got[0] != "Origin" || got[1] != "Accept" {
		t.Errorf("Vary = %q, want [Origin Accept]", got)
	}
	for _, name := range []string{"Date", "Connection"} {
		if got := w.Header().Get(name); got != "" {
			t.Errorf("%s = %q was stored", name, got)
		}
	}
	if got := w.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
}

func TestHitHeadersAreCopies(t *testing.T) {
	c := mustNew(t, Config{})
	h := c.Handler(&counter{header: http.Header{"X-A": {"1", "2"}}})
	get(h, "/x")
	w := get(h, "/x")
	w.Header()["X-A"][0] = "mutated"
	w.Header().Add("X-A", "3")
	if got := get(h, "/x").Header()["X-A"]; len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Errorf("stored header changed through a response: %q", got)
	}
}

func TestStreamsWhileCapturing(t *testing.T) {
	c := mustNew(t, Config{})
	var flushed bool
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "part1 ")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through the recorder: %v", err)
		}
		flushed = true
		io.WriteString(w, "part2")
	}))
	w := get(h, "/x")
	if !flushed || !w.Flushed {
		t.Errorf("flush did not reach the client")
	}
	wantBody(t, w, "part1 part2")
	wantBody(t, get(h, "/x"), "part1 part2")
}

func TestHeadRequest(t *testing.T) {
	c := mustNew(t, Config{Methods: []string{"GET", "HEAD"}})
	backend := &counter{body: "body"}
	h := c.Handler(backend)
	w := do(h, httptest.NewRequest(http.MethodGet, "/x", nil))
	wantBody(t, w, "body #1")
	w = do(h, httptest.NewRequest(http.MethodHead, "/x", nil))
	if w.Code != 200 || backend.calls.Load() != 2 {
		t.Errorf("HEAD: status %d, calls %d: want its own entry", w.Code, backend.calls.Load())
	}
	// A hit for a GET entry requested by HEAD is not possible (the method is
	// in the key); a HEAD hit writes no body.
	w = do(h, httptest.NewRequest(http.MethodHead, "/x", nil))
	if backend.calls.Load() != 2 || w.Body.Len() != 0 {
		t.Errorf("HEAD hit: calls %d, body %q", backend.calls.Load(), w.Body)
	}
}

func TestPanickingIntegration(t *testing.T) {
	c := mustNew(t, Config{})
	panicking := true
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if panicking {
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, "ok")
	}))
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("recovered %v, want the integration's panic", p)
			}
		}()
		get(h, "/x")
	}()
	if n := len(c.flights.m); n != 0 {
		t.Fatalf("%d flights left after a panic", n)
	}
	panicking = false
	wantBody(t, get(h, "/x"), "ok")
}

func TestStoreContextIsTheRequests(t *testing.T) {
	c := mustNew(t, Config{})
	h := c.Handler(&counter{body: "v"})
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	ctx, cancel := contextWithCancel(r)
	cancel()
	do(h, r.WithContext(ctx))
	if n := c.Store().(*MemoryStore).Len(); n != 0 {
		t.Errorf("the answer of a request whose client left was stored (%d entries)", n)
	}
}

func TestStandaloneSetsContextStatus(t *testing.T) {
	c := mustNew(t, Config{})
	h := c.Handler(&counter{status: 203})
	get(h, "/x")
	r := routed{target: "/x"}.request()
	do(h, r)
	if got := apigw.FromContext(r.Context()).Status; got != 203 {
		t.Errorf("Context.Status after a hit = %d, want 203", got)
	}
}
