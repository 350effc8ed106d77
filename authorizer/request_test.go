package authorizer

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/aws/aws-lambda-go/events"
)

func TestRequestIdentitySources(t *testing.T) {
	var calls atomic.Int64
	var seen events.APIGatewayCustomAuthorizerRequestTypeRequest
	a, err := NewRequest(RequestConfig{
		IdentitySources: []string{"method.request.header.X-User", "method.request.querystring.tenant", "stageVariables.realm", "context.httpMethod"},
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			seen = req
			resp := allowPolicy(req.Headers["X-User"], "Allow", testARNPrefix+"GET/pets/*")
			resp.Context = map[string]any{"tenant": req.QueryStringParameters["tenant"]}
			return resp, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(user, query, realm string) response {
		r := gwRequest("GET", "/pets/7"+query)
		c := apigw.FromContext(r.Context())
		c.ResourcePath = "/pets/{id}"
		c.PathParameters = map[string]string{"id": "7"}
		if realm != "" {
			c.StageVariables = map[string]string{"realm": realm}
		}
		if user != "" {
			r.Header.Set("X-User", user)
		}
		r.Header.Add("X-Multi", "1")
		r.Header.Add("X-Multi", "2")
		return serve(a, nil, r)
	}
	for _, tt := range []struct {
		name, user, query, realm string
		status                   int
		calls                    int64
	}{
		{"all present", "alice", "?tenant=t1&tenant=t2", "r1", 200, 1},
		{"same identity: cached", "alice", "?tenant=t1&tenant=t2&other=x", "r1", 200, 1},
		{"other user", "bob", "?tenant=t1&tenant=t2", "r1", 200, 2},
		{"header missing", "", "?tenant=t1", "r1", 401, 2},
		{"query missing", "alice", "", "r1", 401, 2},
		{"query empty", "alice", "?tenant=", "r1", 401, 2},
		{"stage variable missing", "alice", "?tenant=t1", "", 401, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := mk(tt.user, tt.query, tt.realm)
			if got.status != tt.status || calls.Load() != tt.calls {
				t.Fatalf("status %d (want %d), calls %d (want %d): %s", got.status, tt.status, calls.Load(), tt.calls, got.body)
			}
			if tt.status == 200 && got.authorizer.PrincipalID != tt.user {
				t.Fatalf("principal %q", got.authorizer.PrincipalID)
			}
		})
	}
	// The event the function saw (bob's request).
	if seen.Type != "REQUEST" || seen.MethodArn != testARNPrefix+"GET/pets/7" || seen.Resource != "/pets/{id}" ||
		seen.Path != "/pets/7" || seen.HTTPMethod != "GET" || seen.PathParameters["id"] != "7" ||
		seen.StageVariables["realm"] != "r1" || seen.QueryStringParameters["tenant"] != "t2" ||
		len(seen.MultiValueQueryStringParameters["tenant"]) != 2 || seen.Headers["X-Multi"] != "2" ||
		len(seen.MultiValueHeaders["X-Multi"]) != 2 || seen.Headers["Host"] != "example.com" ||
		seen.RequestContext.Stage != "prod" || seen.RequestContext.APIID != "abc123" ||
		seen.RequestContext.AccountID != "123456789012" || seen.RequestContext.RequestID == "" ||
		seen.RequestContext.ResourcePath != "/pets/{id}" {
		t.Fatalf("event %+v", seen)
	}
}

func TestRequestSimpleResponse(t *testing.T) {
	var seen events.APIGatewayV2CustomAuthorizerV2Request
	a, err := NewRequest(RequestConfig{
		IdentitySources: []string{"$request.header.Authorization"},
		SimpleFunc: func(_ context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
			seen = req
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{
				IsAuthorized: req.IdentitySource[0] == "secret",
				Context:      map[string]any{"user": "u1", "admin": false},
			}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := gwRequest("GET", "/pets?a=1&a=2")
	r.Header.Set("Authorization", "secret")
	r.Header.Set("Cookie", "c1=v1; c2=v2")
	got := serve(a, nil, r)
	if got.status != 200 || got.authorizer.Context["user"] != "u1" {
		t.Fatalf("authorized: %d %+v", got.status, got.authorizer)
	}
	if seen.Version != "2.0" || seen.RouteArn != testARNPrefix+"GET/pets" || seen.RawPath != "/pets" ||
		seen.RawQueryString != "a=1&a=2" || seen.QueryStringParameters["a"] != "1,2" ||
		seen.Headers["authorization"] != "secret" || len(seen.Cookies) != 2 || seen.RouteKey != "GET /pets" ||
		seen.RequestContext.HTTP.Method != "GET" {
		t.Fatalf("event %+v", seen)
	}
	r = gwRequest("GET", "/pets")
	r.Header.Set("Authorization", "wrong")
	got = serve(a, nil, r)
	if got.status != 403 || got.body != `{"message":"Forbidden"}` {
		t.Fatalf("not authorized: %d %s", got.status, got.body)
	}
}

func TestRequestWithoutIdentitySources(t *testing.T) {
	var calls atomic.Int64
	a, err := NewRequest(RequestConfig{
		TTL: NoCache,
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			return allowPolicy("anon", "Allow", "*"), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got := serve(a, nil, gwRequest("GET", "/")); got.status != 200 {
			t.Fatalf("status %d", got.status)
		}
	}
	if calls.Load() != 2 {
		t.Fatalf("%d calls", calls.Load())
	}
}

func TestRequestCacheTTL(t *testing.T) {
	clk := newClock()
	var calls atomic.Int64
	a, err := NewRequest(RequestConfig{
		Now:             clk.Now,
		IdentitySources: []string{"method.request.header.Authorization"},
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			return allowPolicy("p", "Allow", "*"), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	call := func() {
		r := gwRequest("GET", "/")
		r.Header.Set("Authorization", "k")
		serve(a, nil, r)
	}
	call()
	clk.Advance(DefaultTTL - time.Second)
	call()
	if calls.Load() != 1 {
		t.Fatalf("called again within the default TTL: %d", calls.Load())
	}
	clk.Advance(time.Second)
	call()
	if calls.Load() != 2 {
		t.Fatalf("not called again after the default TTL: %d", calls.Load())
	}
}

func TestRequestConfigErrors(t *testing.T) {
	fn := func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return allowPolicy("p", "Allow", "*"), nil
	}
	simple := func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true}, nil
	}
	src := []string{"method.request.header.A"}
	for _, tt := range []struct {
		name string
		cfg  RequestConfig
		want string
	}{
		{"no func", RequestConfig{IdentitySources: src}, "Func or SimpleFunc: one is required"},
		{"both funcs", RequestConfig{Func: fn, SimpleFunc: simple, IdentitySources: src}, "set only one"},
		{"no identity sources while cached", RequestConfig{Func: fn}, "IdentitySources: required"},
		{"path parameter", RequestConfig{Func: fn, IdentitySources: []string{"method.request.path.id"}}, "method.request.path.<name> is not allowed here"},
		{"HTTP API path parameter", RequestConfig{Func: fn, IdentitySources: []string{"$request.path.id"}}, `"$request.path.id": not a parameter expression: method.request.path.<name> is not allowed here`},
		{"unknown source", RequestConfig{Func: fn, IdentitySources: []string{"body.x"}}, `"body.x": not a parameter expression: unknown form`},
		{"unknown context var", RequestConfig{Func: fn, IdentitySources: []string{"context.nope"}}, `unknown $context variable "nope"`},
		{"TTL", RequestConfig{Func: fn, IdentitySources: src, TTL: 2 * time.Hour}, "TTL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewRequest(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			wantPanic(t, err, func() { MustNewRequest(tt.cfg) })
			if got := serve(a, nil, gwRequest("GET", "/")); got.status != 500 {
				t.Fatalf("nil authorizer answered %d", got.status)
			}
		})
	}
	for _, ok := range []string{"$request.querystring.q", "$stageVariables.s", "$context.identity.sourceIp", "context.authorizer.claims.sub"} {
		if _, err := NewRequest(RequestConfig{Func: fn, IdentitySources: []string{ok}}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestRequestCachePoisoning: the cache key holds every value of a repeated
// identity header or query string parameter, so a request carrying the
// victim's value and the attacker's is never cached under the victim's
// value alone while the function decided on the attacker's (issue 14 item
// 2). The function here decides as AWS's would: on the single-value maps,
// which carry the last value.
func TestRequestCachePoisoning(t *testing.T) {
	var calls atomic.Int64
	a, err := NewRequest(RequestConfig{
		IdentitySources: []string{"method.request.header.X-User", "method.request.querystring.tenant"},
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			return allowPolicy(req.Headers["X-User"]+"@"+req.QueryStringParameters["tenant"], "Allow", "*"), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	send := func(query string, users ...string) response {
		r := gwRequest("GET", "/pets"+query)
		for _, u := range users {
			r.Header.Add("X-User", u)
		}
		return serve(a, nil, r)
	}
	for _, tt := range []struct {
		name      string
		query     string
		users     []string
		status    int
		principal string
	}{
		{"victim and attacker", "?tenant=t", []string{"victim", "attacker"}, 200, "attacker@t"},
		{"victim alone is not served the attacker's answer", "?tenant=t", []string{"victim"}, 200, "victim@t"},
		{"attacker and victim", "?tenant=t", []string{"attacker", "victim"}, 200, "victim@t"},
		{"attacker alone", "?tenant=t", []string{"attacker"}, 200, "attacker@t"},
		{"tenant repeated", "?tenant=t&tenant=evil", []string{"victim"}, 200, "victim@evil"},
		{"tenant alone after a repeat", "?tenant=t", []string{"victim"}, 200, "victim@t"},
		{"the values' split between sources counts", "?tenant=victim&tenant=t", []string{"victim"}, 200, "victim@t"},
		{"an empty value among others", "?tenant=t", []string{"victim", ""}, 401, ""},
		{"an empty query value among others", "?tenant=t&tenant=", []string{"victim"}, 401, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := send(tt.query, tt.users...)
			if got.status != tt.status || got.authorizer.PrincipalID != tt.principal {
				t.Fatalf("%d %q, want %d %q (%s)", got.status, got.authorizer.PrincipalID, tt.status, tt.principal, got.body)
			}
		})
	}
	if n := calls.Load(); n != 6 {
		t.Fatalf("%d calls, want 6 (one per distinct list of values)", n)
	}
}

// TestRequestCacheKeyUnambiguous: lists of values that a naive join would
// confuse each call the function.
func TestRequestCacheKeyUnambiguous(t *testing.T) {
	var calls atomic.Int64
	a, err := NewRequest(RequestConfig{
		IdentitySources: []string{"method.request.header.X-A", "method.request.header.X-B"},
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			return allowPolicy("p", "Allow", "*"), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lists := [][2][]string{
		{{"x"}, {"z"}},
		{{"x", "y"}, {"z"}},
		{{"x"}, {"y", "z"}},
		{{"x,y"}, {"z"}},
		{{"x, y"}, {"z"}},
		{{"1:x"}, {"z"}},
		{{"x"}, {"1:z"}},
		{{"x", "1:y"}, {"z"}},
		{{"x#1:y"}, {"z"}},
		{{"2#1:x1:y"}, {"z"}},
		{{"y", "x"}, {"z"}},
	}
	for i, l := range lists {
		r := gwRequest("GET", "/pets")
		for _, v := range l[0] {
			r.Header.Add("X-A", v)
		}
		for _, v := range l[1] {
			r.Header.Add("X-B", v)
		}
		if got := serve(a, nil, r); got.status != 200 || calls.Load() != int64(i+1) {
			t.Fatalf("%q: %d, %d calls: it shares a key with an earlier list", l, got.status, calls.Load())
		}
	}
}

// TestRequestIdentityHeaderSpellings: a header map holding the identity
// header under a second spelling (written directly, not with Set or Add)
// has no single identity; the Host source is the request's Host, which is
// what the event carries.
func TestRequestIdentityHeaderSpellings(t *testing.T) {
	var calls atomic.Int64
	a, err := NewRequest(RequestConfig{
		IdentitySources: []string{"method.request.header.X-User"},
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			return allowPolicy(req.Headers["X-User"], "Allow", "*"), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := gwRequest("GET", "/pets")
	r.Header["X-User"] = []string{"victim"}
	r.Header["x-user"] = []string{"attacker"}
	if got := serve(a, nil, r); got.status != 401 || calls.Load() != 0 {
		t.Fatalf("two spellings: %d, %d calls", got.status, calls.Load())
	}
	r = gwRequest("GET", "/pets")
	r.Header["x-user"] = []string{"attacker"}
	if got := serve(a, nil, r); got.status != 401 || calls.Load() != 0 {
		t.Fatalf("only a non-canonical spelling: %d, %d calls", got.status, calls.Load())
	}

	var hosts []string
	h, err := NewRequest(RequestConfig{
		IdentitySources: []string{"method.request.header.Host"},
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			hosts = append(hosts, req.Headers["Host"])
			return allowPolicy(req.Headers["Host"], "Allow", "*"), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"a.example", "b.example"} {
		r := gwRequest("GET", "/pets")
		r.Host = host
		r.Header["Host"] = []string{"a.example"} // ignored, as the event ignores it
		if got := serve(h, nil, r); got.status != 200 || got.authorizer.PrincipalID != host {
			t.Fatalf("Host %s: %d %q", host, got.status, got.authorizer.PrincipalID)
		}
	}
	if len(hosts) != 2 {
		t.Fatalf("calls for hosts %v", hosts)
	}
}
