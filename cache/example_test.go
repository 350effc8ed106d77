package cache_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/cache"
)

// The cache used on its own, in front of any handler: entries are split by
// URL path (there is no resource template without package gateway).
func Example() {
	calls := 0
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		fmt.Fprintf(w, "answer %d for %s", calls, r.URL.Path)
	})
	c, err := cache.New(cache.Config{TTL: time.Minute, XCache: true})
	if err != nil {
		panic(err)
	}
	h := c.Handler(backend)
	for _, path := range []string{"/a", "/a", "/b"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Println(w.Header().Get("X-Cache"), w.Body)
	}
	fmt.Printf("%+v\n", c.Stats())
	// Output:
	// Miss answer 1 for /a
	// Hit answer 1 for /a
	// Miss answer 2 for /b
	// {Hits:1 Misses:2 Coalesced:0 Invalidations:0 DeniedInvalidations:0 StoreErrors:0 Waiting:0}
}

// A method's settings as package gateway passes them: GET /artists/{id}
// declares its path parameter as a cache key parameter (undeclared, every
// artist would share one entry, as in AWS), and admins may refresh an entry
// with Cache-Control: max-age=0.
func ExampleCache_Middleware() {
	popularity := 50
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"popularity":%d}`, popularity)
	})
	c, err := cache.New(cache.Config{
		CanInvalidate: func(r *http.Request, ac *apigw.Context) bool {
			return ac.Authorizer.PrincipalID == "admin"
		},
	})
	if err != nil {
		panic(err)
	}
	mw, err := c.Middleware(cache.MethodSettings{KeyParameters: []string{"method.request.path.id"}})
	if err != nil {
		panic(err)
	}
	h := mw(backend)

	get := func(principal, cacheControl string) {
		r := httptest.NewRequest("GET", "/artists/1234", nil)
		if cacheControl != "" {
			r.Header.Set("Cache-Control", cacheControl)
		}
		// What the gateway's router and authorizer put in the Context.
		ac := apigw.NewRequestContext(r, time.Now())
		ac.Stage, ac.ResourcePath = "prod", "/artists/{id}"
		ac.PathParameters = map[string]string{"id": "1234"}
		ac.Authorizer.PrincipalID = principal
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r.WithContext(apigw.NewContext(r.Context(), ac)))
		fmt.Println(w.Body, w.Header().Get("Warning") != "")
	}
	get("alice", "")
	popularity = 90
	get("alice", "")
	get("alice", "max-age=0") // not allowed: the cached answer, with a warning
	get("admin", "max-age=0") // allowed: a fresh answer, stored
	get("alice", "")
	// Output:
	// {"popularity":50} false
	// {"popularity":50} false
	// {"popularity":50} true
	// {"popularity":90} false
	// {"popularity":90} false
}

// An entry removed from Go, by the same key a request makes.
func ExampleCache_Invalidate() {
	calls := 0
	c, _ := cache.New(cache.Config{})
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		io.WriteString(w, "ok")
	}))
	get := func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/artists/1234", nil)) }
	get()
	get()
	// Used without gateway: no stage, and the URL path as the resource.
	err := c.Invalidate(context.Background(), cache.Key{Method: "GET", Resource: "/artists/1234"})
	fmt.Println(err)
	get()
	fmt.Println("integration calls:", calls)
	// Output:
	// <nil>
	// integration calls: 2
}

func ExampleNew() {
	_, err := cache.New(cache.Config{TTL: 2 * time.Hour, UnauthorizedStrategy: "FAIL"})
	fmt.Println(err)
	// Output:
	// cache: TTL 2h0m0s: not between 0 and 1h0m0s (or cache.Disabled)
	// cache: UnauthorizedStrategy "FAIL": want FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER or SUCCEED_WITHOUT_RESPONSE_HEADER
}
