package cors_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/cors"
)

// The petbreed API allows the pet shop's pages to call it, and a browser
// asks first.
func ExampleNew() {
	c, err := cors.New(cors.Config{
		AllowOrigins: []string{"https://pet.com"},
		AllowMethods: []string{"POST"},
		AllowHeaders: []string{"Content-Type", "X-Api-Key"},
		MaxAge:       10 * time.Minute,
	})
	if err != nil {
		panic(err)
	}
	identify := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"breed":"beagle"}`)
	})
	api := c.Handler(identify)

	// The preflight: answered by the middleware, identify never runs.
	r := httptest.NewRequest(http.MethodOptions, "/identify", nil)
	r.Header.Set("Origin", "https://pet.com")
	r.Header.Set("Access-Control-Request-Method", "POST")
	r.Header.Set("Access-Control-Request-Headers", "content-type,x-api-key")
	w := httptest.NewRecorder()
	api.ServeHTTP(w, r)
	fmt.Println(w.Code)
	fmt.Println(w.Header().Get("Access-Control-Allow-Origin"))
	fmt.Println(w.Header().Get("Access-Control-Allow-Methods"))
	fmt.Println(w.Header().Get("Access-Control-Allow-Headers"))
	fmt.Println(w.Header().Get("Access-Control-Max-Age"))

	// The actual request.
	r = httptest.NewRequest(http.MethodPost, "/identify", nil)
	r.Header.Set("Origin", "https://pet.com")
	w = httptest.NewRecorder()
	api.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Access-Control-Allow-Origin"), w.Body)
	// Output:
	// 204
	// https://pet.com
	// POST
	// Content-Type, X-Api-Key
	// 600
	// 200 https://pet.com {"breed":"beagle"}
}

// A refusal written by apigw.WriteError behind the middleware keeps the
// CORS headers, so the page can read the 401 instead of a network error.
func ExampleCORS_Handler_gatewayError() {
	c := cors.MustNew(cors.Config{AllowOrigins: []string{"https://pet.com"}})
	authorizer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apigw.WriteError(w, r, apigw.NewError(apigw.Unauthorized))
	})

	r := httptest.NewRequest(http.MethodPost, "/identify", nil)
	r.Header.Set("Origin", "https://pet.com")
	w := httptest.NewRecorder()
	c.Handler(authorizer).ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body)
	fmt.Println(w.Header().Get("Access-Control-Allow-Origin"))
	fmt.Println(w.Header().Get("Vary"))
	// Output:
	// 401 {"message":"Unauthorized"}
	// https://pet.com
	// Origin
}

// New names the field of every mistake.
func ExampleNew_error() {
	_, err := cors.New(cors.Config{
		AllowOrigins:     []string{"https://pet.com/", "https://shop*.pet.com", "*"},
		AllowCredentials: true,
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, cors.ErrInvalidConfig))
	// Output:
	// cors: AllowOrigins[0] "https://pet.com/": an origin has no path, query or fragment: write "https://pet.com"
	// cors: AllowOrigins[1] "https://shop*.pet.com": a wildcard stands only for whole leading labels, as in https://*.pet.com
	// cors: AllowOrigins[2] "*": browsers refuse credentials with Access-Control-Allow-Origin "*"; list the origins
	// true
}

// A route's own options replace the API-wide policy; a route without them
// keeps it. Here the admin route allows no origin at all.
func ExampleCORS_ForRoute() {
	api := cors.MustNew(cors.Config{AllowOrigins: []string{"https://pet.com"}})
	admin, err := api.ForRoute(&cors.Config{AllowOrigins: []string{}})
	if err != nil {
		panic(err)
	}
	breeds, _ := api.ForRoute(nil)

	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	for _, route := range []struct {
		name   string
		policy *cors.CORS
	}{{"GET /breeds", breeds}, {"GET /admin", admin}} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Origin", "https://pet.com")
		w := httptest.NewRecorder()
		route.policy.Handler(ok).ServeHTTP(w, r)
		fmt.Printf("%s: %q\n", route.name, w.Header().Get("Access-Control-Allow-Origin"))
	}
	// Output:
	// GET /breeds: "https://pet.com"
	// GET /admin: ""
}

// A gateway answers a preflight for a path that has no OPTIONS route with
// the policy of the route the browser asks about, before any authorizer.
func ExampleCORS_ServePreflight() {
	routes := map[string]*cors.CORS{ // "METHOD path" → the route's policy
		"POST /identify": cors.MustNew(cors.Config{AllowOrigins: []string{"https://pet.com"}, AllowMethods: []string{"POST"}}),
	}
	gateway := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cors.IsPreflight(r) {
			asked := r.Header.Get("Access-Control-Request-Method") + " " + r.URL.Path
			if policy, ok := routes[asked]; ok {
				policy.ServePreflight(w, r)
				return
			}
		}
		apigw.WriteError(w, r, apigw.NewError(apigw.MissingAuthenticationToken))
	})

	for _, method := range []string{"POST", "DELETE"} {
		r := httptest.NewRequest(http.MethodOptions, "/identify", nil)
		r.Header.Set("Origin", "https://pet.com")
		r.Header.Set("Access-Control-Request-Method", method)
		w := httptest.NewRecorder()
		gateway.ServeHTTP(w, r)
		fmt.Println(method, w.Code, w.Header().Get("Access-Control-Allow-Methods"))
	}
	// Output:
	// POST 204 POST
	// DELETE 403
}
