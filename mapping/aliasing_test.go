package mapping_test

import (
	"net/http"
	"net/http/httptest"
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
