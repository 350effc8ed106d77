package openapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/stage"
)

// petstore is the PetStore demo backend as AWS's developer guide documents
// it (http://petstore-demo-endpoint.execute-api.com/petstore/pets, "Build a
// REST API with HTTP non-proxy integration"): GET /petstore/pets lists
// the documented first page of pets (or, with ?page=2, the second one),
// filtered by ?type=; GET
// /petstore/pets/{id} returns one; POST /petstore/pets echoes the pet with
// "message": "success". It records the last request it received.
type petstore struct {
	mu   sync.Mutex
	last *http.Request
	body string
}

func (p *petstore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b := make([]byte, 1<<16)
	n, _ := r.Body.Read(b)
	p.mu.Lock()
	p.last, p.body = r.Clone(r.Context()), string(b[:n])
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	pets := []map[string]any{
		{"id": 1, "type": "dog", "price": 249.99}, {"id": 2, "type": "cat", "price": 124.99}, {"id": 3, "type": "fish", "price": 0.99},
		{"id": 4, "type": "cat", "price": 999.99}, {"id": 5, "type": "cat", "price": 249.99}, {"id": 6, "type": "cat", "price": 49.97},
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/petstore/pets":
		typ, page := r.URL.Query().Get("type"), r.URL.Query().Get("page")
		first := pets[:3] // the first page
		if page == "2" {
			first = pets[3:] // the documented second page, of cats
		}
		match := []map[string]any{}
		for _, pet := range first {
			if typ == "" || pet["type"] == typ {
				match = append(match, pet)
			}
		}
		_ = json.NewEncoder(w).Encode(match)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/petstore/pets/"):
		id, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/petstore/pets/"))
		for _, pet := range pets {
			if pet["id"] == id {
				_ = json.NewEncoder(w).Encode(pet)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message": "not found"}`))
	case r.Method == http.MethodPost && r.URL.Path == "/petstore/pets":
		var pet map[string]any
		if err := json.Unmarshal(b[:n], &pet); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message": "bad pet"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"pet": pet, "message": "success"})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (p *petstore) lastRequest() (*http.Request, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, p.body
}

// petstoreHosts binds every host AWS's samples give the PetStore to srv.
func petstoreHosts(srv *httptest.Server) map[string]string {
	return map[string]string{
		"http://petstore.execute-api.us-east-1.amazonaws.com": srv.URL,
		"http://petstore.execute-api.us-west-1.amazonaws.com": srv.URL,
		"http://petstore-demo-endpoint.execute-api.com":       srv.URL,
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// exchange is one request and what the answer must hold.
type exchange struct {
	name       string
	method     string
	path       string
	header     map[string]string
	body       string
	wantStatus int
	wantHeader map[string]string
	wantBody   string // JSON compared as JSON, else a substring
}

func runExchanges(t *testing.T, h http.Handler, cases []exchange) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Helper()
			var body *strings.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			var r *http.Request
			if body != nil {
				r = httptest.NewRequest(tc.method, tc.path, body)
			} else {
				r = httptest.NewRequest(tc.method, tc.path, nil)
			}
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.wantStatus, w.Body)
			}
			for k, v := range tc.wantHeader {
				if got := w.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tc.wantBody != "" {
				assertBody(t, w.Body.String(), tc.wantBody)
			}
		})
	}
}

func assertBody(t *testing.T, got, want string) {
	t.Helper()
	var g, wv any
	if json.Unmarshal([]byte(want), &wv) == nil {
		if err := json.Unmarshal([]byte(got), &g); err != nil {
			t.Fatalf("body %q is not JSON, want %s", got, want)
		}
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(wv)
		if string(gb) != string(wb) {
			t.Fatalf("body %s, want %s", gb, wb)
		}
		return
	}
	if !strings.Contains(got, want) {
		t.Fatalf("body %q does not hold %q", got, want)
	}
}

// TestPetStoreExample loads the API Gateway console's PetStore example API
// (Swagger 2.0, as API Gateway exports it) and answers as AWS's developer
// guide documents: the mock's HTML page at /, the HTTP integrations to the
// PetStore backend with their query and path mappings, the CORS mocks.
func TestPetStoreExample(t *testing.T) {
	backend := &petstore{}
	srv := httptest.NewServer(backend)
	defer srv.Close()
	gw, err := openapi.New(readTestdata(t, "aws-petstore-example.json"), openapi.Bindings{Hosts: petstoreHosts(srv)},
		gateway.WithStage(stage.Stage{Name: "test"}))
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{
		{name: "the mock's page", method: "GET", path: "/", wantStatus: 200,
			wantHeader: map[string]string{"Content-Type": "text/html"},
			wantBody:   `<a href="/test/pets/" target="_blank"><code>GET</code> request</a>`},
		{name: "all pets", method: "GET", path: "/pets", wantStatus: 200,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "*"},
			wantBody:   `[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99},{"id":3,"type":"fish","price":0.99}]`},
		{name: "page 2 of the cats", method: "GET", path: "/pets?type=cat&page=2", wantStatus: 200,
			wantBody: `[{"id":4,"type":"cat","price":999.99},{"id":5,"type":"cat","price":249.99},{"id":6,"type":"cat","price":49.97}]`},
		{name: "pet 1", method: "GET", path: "/pets/1", wantStatus: 200, wantBody: `{"id":1,"type":"dog","price":249.99}`},
		{name: "a new pet", method: "POST", path: "/pets", header: map[string]string{"Content-Type": "application/json"},
			body: `{"type": "dog", "price": 249.99}`, wantStatus: 200,
			wantBody: `{"pet":{"type":"dog","price":249.99},"message":"success"}`},
		{name: "CORS mock", method: "OPTIONS", path: "/pets", wantStatus: 200, wantHeader: map[string]string{
			"Access-Control-Allow-Methods": "POST,GET,OPTIONS",
			"Access-Control-Allow-Headers": "Content-Type,X-Amz-Date,Authorization,X-Api-Key",
			"Access-Control-Allow-Origin":  "*"}},
		{name: "CORS mock of a pet", method: "OPTIONS", path: "/pets/7", wantStatus: 200, wantHeader: map[string]string{
			"Access-Control-Allow-Methods": "GET,OPTIONS"}},
		{name: "no such method", method: "DELETE", path: "/pets/1", wantStatus: 403, wantBody: `{"message":"Missing Authentication Token"}`},
	})

	// A non-proxy integration passes only the mapped query parameters.
	runExchanges(t, gw, []exchange{{name: "unmapped query", method: "GET", path: "/pets?type=fish&color=red", wantStatus: 200}})
	last, _ := backend.lastRequest()
	if got := last.URL.RawQuery; got != "type=fish" {
		t.Errorf("the backend got the query %q, want type=fish", got)
	}
}

// TestSimplePetStore loads the OpenAPI 2.0 definitions of "Set up an
// edge-optimized API by importing OpenAPI definitions", whose GET
// /pets/{petId} maps petId to the URI's {id}.
func TestSimplePetStore(t *testing.T) {
	backend := &petstore{}
	srv := httptest.NewServer(backend)
	defer srv.Close()
	gw, err := openapi.New(readTestdata(t, "aws-simple-petstore.json"), openapi.Bindings{Hosts: petstoreHosts(srv)})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{
		{name: "pets", method: "GET", path: "/pets", wantStatus: 200, wantBody: `[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99},{"id":3,"type":"fish","price":0.99}]`},
		{name: "pet 2", method: "GET", path: "/pets/2", wantStatus: 200, wantBody: `{"id":2,"type":"cat","price":124.99}`},
	})
}

func stageWith(vars map[string]string) stage.Stage {
	return stage.Stage{Name: "prod", Variables: vars}
}
