package rediscache_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/cache/rediscache"
	"github.com/redis/go-redis/v9"
)

// Every replica of the service builds the same cache on the same Redis and
// namespace, and so shares its entries.
func Example() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer client.Close()
	store, err := rediscache.New(client, rediscache.Options{Timeout: 50 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	c, err := cache.New(cache.Config{Store: store, Namespace: "music-prod", TTL: 5 * time.Minute})
	if err != nil {
		panic(err)
	}
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	_ = c.Handler(backend) // serve it with http.ListenAndServe
}

// With Redis down, requests go to the integration: a miss, not an error.
func Example_redisDown() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true}) // nothing listens
	defer client.Close()
	store, _ := rediscache.New(client, rediscache.Options{})
	c, _ := cache.New(cache.Config{Store: store})
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "fresh from the integration")
	}))
	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/artists/1234", nil))
		fmt.Println(w.Code, w.Body)
	}
	fmt.Println("store errors counted:", c.Stats().StoreErrors > 0)
	// Output:
	// 200 fresh from the integration
	// 200 fresh from the integration
	// store errors counted: true
}
