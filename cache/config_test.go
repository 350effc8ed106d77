package cache

import (
	"testing"
	"time"
)

func TestNewZeroConfig(t *testing.T) {
	c := mustNew(t, Config{})
	if c.ttl != DefaultTTL {
		t.Errorf("ttl = %v, want %v", c.ttl, DefaultTTL)
	}
	if len(c.methods) != 1 || c.methods[0] != "GET" {
		t.Errorf("methods = %v, want [GET]", c.methods)
	}
	if c.strategy != SucceedWithResponseHeader {
		t.Errorf("strategy = %v, want %v", c.strategy, SucceedWithResponseHeader)
	}
	if !c.statuses[200] || !c.statuses[299] || c.statuses[300] || c.statuses[404] {
		t.Errorf("statuses: want 200–299 only")
	}
	m, ok := c.Store().(*MemoryStore)
	if !ok || m.Capacity() != DefaultCapacity {
		t.Errorf("store = %T, want a MemoryStore of %d bytes", c.Store(), DefaultCapacity)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // parts of the error
	}{
		{"negative capacity", Config{Capacity: -1}, []string{"Capacity -1"}},
		{"TTL over AWS max", Config{TTL: MaxTTL + time.Second}, []string{"TTL 1h0m1s"}},
		{"negative TTL", Config{TTL: -5 * time.Second}, []string{"TTL -5s"}},
		{"lower-case method", Config{Methods: []string{"GET", "post"}}, []string{`Methods[1] "post"`}},
		{"empty method", Config{Methods: []string{""}}, []string{`Methods[0] ""`}},
		{"status out of range", Config{Statuses: []int{200, 99}}, []string{"Statuses[1] 99"}},
		{"1xx status", Config{Statuses: []int{101}}, []string{"Statuses[0] 101"}},
		{"namespace with pipe", Config{Namespace: "a|b"}, []string{`Namespace "a|b"`}},
		{"namespace too long", Config{Namespace: string(make([]byte, 65))}, []string{"Namespace"}},
		{"unknown strategy", Config{UnauthorizedStrategy: "FAIL_WITH_401"}, []string{`UnauthorizedStrategy "FAIL_WITH_401"`}},
		{"every mistake at once", Config{Capacity: -1, TTL: 2 * MaxTTL, UnauthorizedStrategy: "x"},
			[]string{"Capacity", "TTL", "UnauthorizedStrategy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if c != nil {
				t.Errorf("New returned a Cache with an error")
			}
			wantContains(t, err, append([]string{"cache: "}, tt.want...)...)
		})
	}
}

func TestNewAccepts(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"disabled stage", Config{TTL: Disabled}},
		{"max TTL", Config{TTL: MaxTTL}},
		{"sub-second TTL", Config{TTL: 50 * time.Millisecond}},
		{"POST and GET", Config{Methods: []string{"GET", "POST"}}},
		{"statuses", Config{Statuses: []int{200, 404, 599}}},
		{"namespace", Config{Namespace: "prod:music-api_v1.2"}},
		{"every strategy", Config{UnauthorizedStrategy: FailWith403}},
		{"custom store", Config{Store: NewMemoryStore(1024, nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { mustNew(t, tt.cfg) })
	}
}

func TestMiddlewareErrors(t *testing.T) {
	c := mustNew(t, Config{})
	tests := []struct {
		name string
		spec MethodSettings
		want string
	}{
		{"TTL over max", MethodSettings{TTL: 2 * time.Hour}, "cache: TTL 2h0m0s"},
		{"negative TTL", MethodSettings{TTL: -time.Second}, "cache: TTL -1s"},
		{"not method.request", MethodSettings{KeyParameters: []string{"querystring.lang"}}, `KeyParameters[0]: "querystring.lang": not a parameter expression`},
		{"unknown location", MethodSettings{KeyParameters: []string{"method.request.body.x"}}, `method.request.body[.<path>] is not allowed here; want method.request.path.<name>`},
		{"no name", MethodSettings{KeyParameters: []string{"method.request.header."}}, `"" is not a header name`},
		{"bad header name", MethodSettings{KeyParameters: []string{"method.request.header.a b"}}, "not a header name"},
		{"duplicate", MethodSettings{KeyParameters: []string{"method.request.header.accept", "method.request.header.Accept"}},
			`KeyParameters[1] "method.request.header.Accept": declared twice`},
		{"multivalue alias duplicate", MethodSettings{KeyParameters: []string{"method.request.querystring.a", "method.request.multivaluequerystring.a"}},
			"declared twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := c.Middleware(tt.spec)
			if mw != nil {
				t.Errorf("Middleware returned a middleware with an error")
			}
			wantContains(t, err, tt.want)
		})
	}
}

func TestCaches(t *testing.T) {
	on, off := true, false
	c := mustNew(t, Config{})
	post := mustNew(t, Config{Methods: []string{"GET", "POST"}})
	none := mustNew(t, Config{TTL: Disabled})
	for _, tc := range []struct {
		c      *Cache
		method string
		spec   MethodSettings
		want   bool
	}{
		{c, "GET", MethodSettings{}, true},
		{c, "POST", MethodSettings{}, false},
		{c, "POST", MethodSettings{Enabled: &on}, true},
		{c, "GET", MethodSettings{Enabled: &off}, false},
		{c, "GET", MethodSettings{TTL: Disabled}, false},
		{c, "ANY", MethodSettings{}, true},
		{post, "POST", MethodSettings{}, true},
		{none, "GET", MethodSettings{}, false},
		{none, "GET", MethodSettings{TTL: 10 * time.Second}, true},
	} {
		if got := tc.c.Caches(tc.method, tc.spec); got != tc.want {
			t.Errorf("Caches(%s, %+v) with methods %v, ttl %v = %v", tc.method, tc.spec, tc.c.methods, tc.c.ttl, got)
		}
	}
}
