package cache

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// artists is the music backend: GET and PUT /artists/{id}.
type artists struct {
	mu         sync.Mutex
	popularity map[string]int
	gets       atomic.Int64
}

func (a *artists) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /artists/{id}", func(w http.ResponseWriter, r *http.Request) {
		a.gets.Add(1)
		a.mu.Lock()
		p, ok := a.popularity[r.PathValue("id")]
		a.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": r.PathValue("id"), "popularity": p})
	})
	mux.HandleFunc("PUT /artists/{id}", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Popularity int }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.popularity[r.PathValue("id")] = body.Popularity
		a.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// TestMusicStory is the seed's story: GET /artists/{id} cached for 300 s; a
// PUT changes the backend; a GET still answers the old value; a GET with
// Cache-Control: max-age=0 answers the new one, which is cached from then on.
func TestMusicStory(t *testing.T) {
	clock := newFakeClock()
	backend := &artists{popularity: map[string]int{"1234": 50}}
	c := mustNew(t, Config{Now: clock.Now, TTL: 300 * time.Second, AnyoneMayInvalidate: true, XCache: true})
	h := mustWrap(t, c, MethodSettings{KeyParameters: []string{"method.request.path.id"}}, backend.routes())

	call := func(method, body string, header http.Header) (string, string) {
		t.Helper()
		r := routed{method: method, target: "/artists/1234", stage: "prod", resource: "/artists/{id}",
			pathParams: map[string]string{"id": "1234"}, header: header}.request()
		if body != "" {
			r.Body = io.NopCloser(strings.NewReader(body))
		}
		w := do(h, r)
		if w.Code >= 300 {
			t.Fatalf("%s: status %d %s", method, w.Code, w.Body)
		}
		return strings.TrimSpace(w.Body.String()), w.Header().Get(XCacheHeader)
	}
	steps := []struct {
		method, body string
		header       http.Header
		want, xcache string
	}{
		{"GET", "", nil, `{"id":"1234","popularity":50}`, "Miss"},
		{"GET", "", nil, `{"id":"1234","popularity":50}`, "Hit"},
		{"PUT", `{"popularity":90}`, nil, "", ""},
		{"GET", "", nil, `{"id":"1234","popularity":50}`, "Hit"}, // stale, as AWS
		{"GET", "", http.Header{"Cache-Control": {"max-age=0"}}, `{"id":"1234","popularity":90}`, "Miss"},
		{"GET", "", nil, `{"id":"1234","popularity":90}`, "Hit"},
	}
	for i, s := range steps {
		got, xcache := call(s.method, s.body, s.header)
		if got != s.want || xcache != s.xcache {
			t.Fatalf("step %d %s: %q X-Cache %q, want %q X-Cache %q", i+1, s.method, got, xcache, s.want, s.xcache)
		}
	}
	if n := backend.gets.Load(); n != 2 {
		t.Errorf("backend GETs = %d, want 2", n)
	}
	clock.Advance(300 * time.Second) // and after the TTL the backend answers again
	if _, xcache := call("GET", "", nil); xcache != "Miss" {
		t.Errorf("after the TTL: X-Cache %q, want Miss", xcache)
	}
}
