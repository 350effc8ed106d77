package authorizer

import (
	"context"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/apigw/apigw"
	"github.com/aws/aws-lambda-go/events"
)

// benchJWT returns a JWT authorizer on a static key set and a valid RS256
// token for it.
func benchJWT(tb testing.TB, cacheSize int) (*JWTAuthorizer, string) {
	tb.Helper()
	clk := newClock()
	a, err := NewJWT(JWTConfig{
		Issuer: testIssuer, Audience: []string{testAudience},
		Keys: keySetOf(tb, map[string]*rsa.PrivateKey{"a": rsaKeyA()}), Now: clk.Now, TokenCacheSize: cacheSize,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return a, signRS256(rsaKeyA(), rsHeader("a"), claimsAt(clk.Now(), nil))
}

func authReq(tb testing.TB, value string) (*http.Request, *apigw.Context) {
	r := httptest.NewRequest(http.MethodGet, "/pets", nil)
	r.Header.Set("Authorization", value)
	return r, apigw.NewRequestContext(r, newClock().Now())
}

// BenchmarkJWTFirstVerification is the full verification of a valid RS256
// token: parsing, RSA-2048 signature, claims (the token cache is off, so
// every iteration is a first verification).
func BenchmarkJWTFirstVerification(b *testing.B) {
	a, tok := benchJWT(b, -1)
	r, c := authReq(b, "Bearer "+tok)
	scopes := []string{"pets/read"}
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Authorize(r, c, scopes); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJWTRepeatedToken is the same token again: served from the
// verified-token cache (target: at most 1 µs).
func BenchmarkJWTRepeatedToken(b *testing.B) {
	a, tok := benchJWT(b, 0)
	r, c := authReq(b, "Bearer "+tok)
	scopes := []string{"pets/read"}
	if err := a.Authorize(r, c, scopes); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Authorize(r, c, scopes); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJWTRepeatedTokenParallel(b *testing.B) {
	a, tok := benchJWT(b, 0)
	scopes := []string{"pets/read"}
	r0, c0 := authReq(b, "Bearer "+tok)
	if err := a.Authorize(r0, c0, scopes); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r, c := authReq(b, "Bearer "+tok)
		for pb.Next() {
			if err := a.Authorize(r, c, scopes); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkJWTMiddleware is a repeated token through Middleware, with the
// Context attached upstream as the gateway does.
func BenchmarkJWTMiddleware(b *testing.B) {
	a, tok := benchJWT(b, 0)
	h := Middleware(a, []string{"pets/read"})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r, c := authReq(b, "Bearer "+tok)
	r = r.WithContext(apigw.NewContext(r.Context(), c))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

func benchToken(tb testing.TB) *TokenAuthorizer {
	a, err := NewToken(TokenConfig{Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return allowPolicy("user", "Allow", testARNPrefix+"GET/*"), nil
	}})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// BenchmarkTokenCached is a TOKEN authorizer answering from its cache and
// evaluating the cached policy against the method ARN.
func BenchmarkTokenCached(b *testing.B) {
	a := benchToken(b)
	r := gwRequest("GET", "/pets/7")
	r.Header.Set("Authorization", "allow")
	c := apigw.FromContext(r.Context())
	if err := a.Authorize(r, c, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Authorize(r, c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequestCached is a REQUEST authorizer with a header and a query
// string identity source answering from its cache.
func BenchmarkRequestCached(b *testing.B) {
	a, err := NewRequest(RequestConfig{
		IdentitySources: []string{"method.request.header.Authorization", "method.request.querystring.tenant"},
		Func: func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return allowPolicy("user", "Allow", "*"), nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	r := gwRequest("GET", "/pets/7?tenant=acme")
	r.Header.Set("Authorization", "allow")
	c := apigw.FromContext(r.Context())
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Authorize(r, c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPolicyEvaluate(b *testing.B) {
	p, err := compilePolicy(events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
		{Effect: "Deny", Action: []string{"execute-api:Invoke"}, Resource: []string{testARNPrefix + "DELETE/*"}},
		{Effect: "Allow", Action: []string{"execute-api:Invoke"}, Resource: []string{testARNPrefix + "GET/pets/*", testARNPrefix + "POST/pets"}},
	}})
	if err != nil {
		b.Fatal(err)
	}
	arn := testARNPrefix + "GET/pets/7"
	b.ReportAllocs()
	for b.Loop() {
		if p.evaluate(arn) != allowed {
			b.Fatal("not allowed")
		}
	}
}

// TestAllocationBudget pins the allocations of the hot paths.
func TestAllocationBudget(t *testing.T) {
	a, tok := benchJWT(t, 0)
	r, c := authReq(t, "Bearer "+tok)
	scopes := []string{"pets/read"}
	if err := a.Authorize(r, c, scopes); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(200, func() { _ = a.Authorize(r, c, scopes) }); n != 0 {
		t.Errorf("JWT repeated token: %v allocs, budget 0", n)
	}

	ta := benchToken(t)
	tr := gwRequest("GET", "/pets/7")
	tr.Header.Set("Authorization", "allow")
	tc := apigw.FromContext(tr.Context())
	if err := ta.Authorize(tr, tc, nil); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(200, func() { _ = ta.Authorize(tr, tc, nil) }); n > 1 {
		t.Errorf("TOKEN cached: %v allocs, budget 1 (the method ARN)", n)
	}

	ra, err := NewRequest(RequestConfig{
		IdentitySources: []string{"method.request.header.Authorization", "method.request.querystring.tenant"},
		Func: func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return allowPolicy("user", "Allow", "*"), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rr := gwRequest("GET", "/pets/7?tenant=acme")
	rr.Header.Set("Authorization", "allow")
	rc := apigw.FromContext(rr.Context())
	if err := ra.Authorize(rr, rc, nil); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(200, func() { _ = ra.Authorize(rr, rc, nil) }); n > 5 {
		t.Errorf("REQUEST cached: %v allocs, budget 5 (cache key, parsed query string, method ARN)", n)
	}
}
