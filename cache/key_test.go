package cache

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestKeySplits runs pairs of requests through one method and checks
// whether they share an entry.
func TestKeySplits(t *testing.T) {
	artist := func(id string) map[string]string { return map[string]string{"id": id} }
	tests := []struct {
		name   string
		params []string
		a, b   routed
		shared bool
	}{
		{"query order is canonical", []string{"method.request.querystring.a", "method.request.querystring.b"},
			routed{target: "/x?a=1&b=2"}, routed{target: "/x?b=2&a=1"}, true},
		{"declared query splits", []string{"method.request.querystring.lang"},
			routed{target: "/x?lang=en"}, routed{target: "/x?lang=fr"}, false},
		{"undeclared query does not split", []string{"method.request.querystring.lang"},
			routed{target: "/x?lang=en&utm=1"}, routed{target: "/x?lang=en&utm=2"}, true},
		{"no query vs empty query value", []string{"method.request.querystring.lang"},
			routed{target: "/x"}, routed{target: "/x?lang="}, false},
		{"escaped and plain query are one value", []string{"method.request.querystring.lang"},
			routed{target: "/x?lang=en+US"}, routed{target: "/x?l%61ng=en%20US"}, true},
		{"repeated query values in order", []string{"method.request.querystring.a"},
			routed{target: "/x?a=1&a=2"}, routed{target: "/x?a=2&a=1"}, false},
		{"repeated vs single query value", []string{"method.request.querystring.a"},
			routed{target: "/x?a=1&a=2"}, routed{target: "/x?a=1"}, false},
		// A query that does not parse is never cached: a backend behind an
		// HTTP integration may read what net/url skips.
		{"query with ; is not cached", []string{"method.request.querystring.a"},
			routed{target: "/x?a=1;a=2"}, routed{target: "/x"}, false},
		{"query with bad escape is not cached", []string{"method.request.querystring.a"},
			routed{target: "/x?a=%zz"}, routed{target: "/x"}, false},
		{"declared header splits", []string{"method.request.header.Accept"},
			routed{target: "/x", header: http.Header{"Accept": {"text/html"}}},
			routed{target: "/x", header: http.Header{"Accept": {"application/json"}}}, false},
		{"declared header name is case-insensitive", []string{"method.request.header.accept"},
			routed{target: "/x", header: http.Header{"Accept": {"text/html"}}},
			routed{target: "/x", header: http.Header{"Accept": {"application/json"}}}, false},
		{"undeclared header does not split", []string{"method.request.header.Accept"},
			routed{target: "/x", header: http.Header{"Accept": {"a"}, "X-Evil": {"1"}}},
			routed{target: "/x", header: http.Header{"Accept": {"a"}, "X-Evil": {"2"}}}, true},
		{"no headers declared", nil,
			routed{target: "/x", header: http.Header{"Authorization": {"alice"}}},
			routed{target: "/x", header: http.Header{"Authorization": {"bob"}}}, true},
		{"declared path parameter splits", []string{"method.request.path.id"},
			routed{target: "/artists/1", resource: "/artists/{id}", pathParams: artist("1")},
			routed{target: "/artists/2", resource: "/artists/{id}", pathParams: artist("2")}, false},
		{"undeclared path parameter does not split, as AWS", nil,
			routed{target: "/artists/1", resource: "/artists/{id}", pathParams: artist("1")},
			routed{target: "/artists/2", resource: "/artists/{id}", pathParams: artist("2")}, true},
		{"without a template the URL path splits", nil,
			routed{target: "/artists/1"}, routed{target: "/artists/2"}, false},
		{"escaped slash is another path", nil,
			routed{target: "/a%2Fb"}, routed{target: "/a/b"}, false},
		{"escaped percent is another path", nil,
			routed{target: "/a%252Fb"}, routed{target: "/a%2Fb"}, false},
		{"stages split", nil,
			routed{target: "/x", stage: "prod", resource: "/x"}, routed{target: "/x", stage: "beta", resource: "/x"}, false},
		{"resources split", nil,
			routed{target: "/x", resource: "/x"}, routed{target: "/x", resource: "/y"}, false},
		{"canary shares by default", nil,
			routed{target: "/x", canary: true}, routed{target: "/x"}, true},
		{"over 10,000 query parameters are not cached", []string{"method.request.querystring.a"},
			routed{target: "/x?" + strings.Repeat("a=1&", 10000)}, routed{target: "/x"}, false},
		{"10,000 query parameters are read", []string{"method.request.querystring.a"},
			routed{target: "/x?" + strings.Repeat("a=1&", 9999) + "a=1"}, routed{target: "/x"}, false},
		{"values cannot forge fields", []string{"method.request.querystring.a", "method.request.querystring.b"},
			routed{target: "/x?a=1%3A" + "&b=2"}, routed{target: "/x?a=1&b=%3A2"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, Config{})
			backend := &counter{}
			h := mustWrap(t, c, MethodSettings{KeyParameters: tt.params}, backend)
			do(h, tt.a.request())
			do(h, tt.b.request())
			if shared := backend.calls.Load() == 1; shared != tt.shared {
				t.Errorf("shared an entry = %v, want %v", shared, tt.shared)
			}
		})
	}
}

func TestSeparateCanary(t *testing.T) {
	c := mustNew(t, Config{SeparateCanary: true})
	backend := &counter{}
	h := c.Handler(backend)
	do(h, routed{target: "/x", stage: "prod"}.request())
	do(h, routed{target: "/x", stage: "prod", canary: true}.request())
	do(h, routed{target: "/x", stage: "prod", canary: true}.request())
	if got := backend.calls.Load(); got != 2 {
		t.Errorf("integration calls = %d, want 2 (one entry each for base and canary)", got)
	}
	if err := c.Flush(context.Background(), "prod"); err != nil {
		t.Fatal(err)
	}
	if n := c.Store().(*MemoryStore).Len(); n != 0 {
		t.Errorf("Flush left %d entries: the canary's belong to the stage", n)
	}
}

// TestKeyMatchesRequest checks that a Key built in Go names the entry a
// request made.
func TestKeyMatchesRequest(t *testing.T) {
	c := mustNew(t, Config{SeparateCanary: true})
	params := []string{"method.request.path.id", "method.request.querystring.lang", "method.request.header.Accept"}
	h := mustWrap(t, c, MethodSettings{KeyParameters: params}, &counter{})
	req := routed{target: "/artists/7?lang=en&lang=fr&x=1", stage: "prod", resource: "/artists/{id}",
		pathParams: map[string]string{"id": "7", "other": "z"}, header: http.Header{"Accept": {"a/b"}}, canary: true}
	do(h, req.request())
	key, err := c.Key(Key{Stage: "prod", Canary: true, Method: "GET", Resource: "/artists/{id}",
		Params: map[string][]string{
			"method.request.header.accept":    {"a/b"}, // any case, as AWS
			"method.request.querystring.lang": {"en", "fr"},
			"method.request.path.id":          {"7"},
			"method.request.path.unused":      nil, // absent parameters may be listed empty
		}})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Store().Get(context.Background(), key); e == nil {
		t.Fatalf("no entry under %q", key)
	}
}

func TestKeyErrors(t *testing.T) {
	c := mustNew(t, Config{})
	_, err := c.Key(Key{Params: map[string][]string{"lang": {"en"}}})
	wantContains(t, err, `cache: Key.Params["lang"]`)
	_, err = c.Key(Key{Params: map[string][]string{
		"method.request.header.accept": {"a"}, "method.request.header.Accept": {"b"}}})
	wantContains(t, err, "method.request.header.Accept given twice")
	err = c.Invalidate(context.Background(), Key{Params: map[string][]string{"x": {"1"}}})
	wantContains(t, err, "cache: Key.Params")
}

func TestKeyLayout(t *testing.T) {
	c := mustNew(t, Config{Namespace: "music"})
	got, err := c.Key(Key{Stage: "prod", Method: "GET", Resource: "/artists/{id}",
		Params: map[string][]string{"method.request.path.id": {"1234"}}})
	if err != nil {
		t.Fatal(err)
	}
	const want = "music|4:prod0:3:GET13:/artists/{id}22:method.request.path.id4:1234"
	if got != want {
		t.Errorf("key = %q, want %q", got, want)
	}
}

func TestWantsRefresh(t *testing.T) {
	tests := []struct {
		values []string
		want   bool
	}{
		{[]string{"max-age=0"}, true},
		{[]string{"Max-Age=0"}, true},
		{[]string{"no-cache, max-age=0"}, true},
		{[]string{" max-age = 0 "}, true},
		{[]string{`max-age="0"`}, true},
		{[]string{"max-age=000"}, true},
		{[]string{"no-cache", "max-age=0"}, true},
		{nil, false},
		{[]string{""}, false},
		{[]string{"no-cache"}, false},
		{[]string{"max-age=10"}, false},
		{[]string{"max-age=01"}, false},
		{[]string{"max-age="}, false},
		{[]string{`max-age=""`}, false},
		{[]string{"max-age"}, false},
		{[]string{"s-maxage=0"}, false},
		{[]string{"x-max-age=0"}, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.values {
			h.Add("Cache-Control", v)
		}
		if got := wantsRefresh(h); got != tt.want {
			t.Errorf("wantsRefresh(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}
