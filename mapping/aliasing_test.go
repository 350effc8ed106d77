package mapping_test

import (
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
)

// A header mapped from the integration's body keeps its value after the
// request, in the answer the client holds and in the cache, while the
// buffers of later requests are reused.
func TestHeaderFromBodyOutlivesTheRequest(t *testing.T) {
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"a":"` + r.PathValue("id") + `"}`))
	})
	mux := http.NewServeMux()
	mux.Handle("/x/{id}", backend)
	gw, err := gateway.New(gateway.WithCache(cache.Config{}),
		gateway.Route("GET /x/{id}", gateway.Method{
			Integration: gateway.Handler(mux),
			Cache:       &gateway.CacheSettings{KeyParameters: []string{"method.request.path.id"}},
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{{
				Parameters: map[string]string{"method.response.header.X-A": "integration.response.body.a"},
				Templates:  map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"a": input.json.a}`)},
			}}},
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	get := func(id string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, httptest.NewRequest("GET", "/x/"+id, nil))
		return w
	}
	first := get("aaaaa")
	for range 20 {
		get("bbbbb")
		get("ccccc")
	}
	cached := get("aaaaa")
	for _, w := range []*httptest.ResponseRecorder{first, cached} {
		if got := w.Header().Get("X-A"); got != "aaaaa" || w.Body.String() != `{"a":"aaaaa"}` {
			t.Errorf("X-A %q, body %s; want aaaaa", got, w.Body)
		}
	}
}

// What a request template sets in $context.responseOverride reaches the
// answer after the request template's activation is done with and after
// the integration request's body has replaced the method request's: a view
// of the method request's body ($input.path) and $context keep this
// request's values while later requests reuse the activations (here one
// made by the integration itself, with another body and caller). It
// panicked, and could read another caller's request.
func TestResponseOverrideOutlivesTheRequestTemplate(t *testing.T) {
	var gw *gateway.Gateway
	inner := httptest.NewRequest("POST", "/x", strings.NewReader(`{"obj": {"k": "theirs"}, "list": [8, 9]}`))
	inner.RemoteAddr = "198.51.100.9:4321"
	inner.Header.Set("X-Inner", "1")
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Inner") == "" {
			if w := serve(t, gw, inner); w != nil && w.Header().Get("X-Obj") != "{k=theirs}" {
				t.Errorf("inner request: X-Obj %q, want {k=theirs}", w.Header().Get("X-Obj"))
			}
		}
		w.Write([]byte(`{}`))
	})
	gw, err := gateway.New(gateway.Route("POST /x", gateway.Method{
		Integration: gateway.Handler(backend),
		Request: mapping.VTL(`#set($context.requestOverride.header.X-Inner = $input.params('X-Inner'))
#set($context.responseOverride.header.X-Obj = $input.path('$.obj'))
#set($context.responseOverride.header.X-List = $input.path('$.list'))
#set($context.responseOverride.header.X-Identity = $context.identity)`),
		Response: mapping.VTL(`{}`),
	}))
	if err != nil {
		t.Fatal(err)
	}
	outer := httptest.NewRequest("POST", "/x", strings.NewReader(`{"obj": {"k": "mine"}, "list": [1]}`))
	w := serve(t, gw, outer)
	if w == nil {
		return
	}
	h := w.Header()
	if got := h.Get("X-Obj"); got != "{k=mine}" {
		t.Errorf("X-Obj %q, want {k=mine}", got)
	}
	if got := h.Values("X-List"); len(got) != 1 || got[0] != "1" {
		t.Errorf("X-List %q, want [1]", got)
	}
	if got := h.Get("X-Identity"); !strings.Contains(got, "sourceIp=192.0.2.1") || strings.Contains(got, "198.51.100.9") {
		t.Errorf("X-Identity %q, want this caller's (sourceIp=192.0.2.1)", got)
	}
}

// serve runs r through gw, a panic reported as the test's failure.
func serve(t *testing.T, gw http.Handler, r *http.Request) (w *httptest.ResponseRecorder) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("%s %s: panic: %v\n%s", r.Method, r.URL, p, debug.Stack())
			w = nil
		}
	}()
	w = httptest.NewRecorder()
	gw.ServeHTTP(w, r)
	return w
}
