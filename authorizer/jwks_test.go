package authorizer

import (
	"context"
	"crypto/rsa"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/testkit"
)

// TestJWKSUnknownKidFlood sends many tokens with forged kids at once: they
// cause one refetch, not one each; the next refetch waits for
// RefetchInterval on the injected clock.
func TestJWKSUnknownKidFlood(t *testing.T) {
	clk := newClock()
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	a := newRemoteJWT(t, srv, clk, func(c *JWTConfig) { c.RefetchInterval = time.Minute })
	now := clk.Now()
	if got := serve(a, nil, bearer(signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, nil)))); got.status != 200 {
		t.Fatalf("valid: %d", got.status)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("%d fetches for the first token, want 1", n)
	}
	forged := make([]string, 200)
	for i := range forged {
		forged[i] = signRS256(rsaKeyB(), rsHeader(fmt.Sprintf("forged-%d", i)), claimsAt(now, nil))
	}
	var wg sync.WaitGroup
	statuses := make([]int, len(forged))
	for i, tok := range forged {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = serve(a, nil, bearer("Bearer "+tok)).status
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 401 {
			t.Fatalf("forged token %d: %d", i, s)
		}
	}
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("%d fetches after the flood, want 2 (one refetch)", n)
	}
	clk.Advance(59 * time.Second)
	serve(a, nil, bearer(forged[0]))
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("refetched before RefetchInterval: %d fetches", n)
	}
	clk.Advance(time.Second)
	serve(a, nil, bearer(forged[0]))
	if n := srv.hits.Load(); n != 3 {
		t.Fatalf("%d fetches once RefetchInterval passed, want 3", n)
	}
}

// TestJWKSRotation publishes a new key: a token naming it triggers one
// refetch and is accepted.
func TestJWKSRotation(t *testing.T) {
	clk := newClock()
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	a := newRemoteJWT(t, srv, clk, nil)
	now := clk.Now()
	if got := serve(a, nil, bearer(signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, nil)))); got.status != 200 {
		t.Fatalf("key a: %d", got.status)
	}
	srv.setKeys(t, map[string]*rsa.PrivateKey{"a": rsaKeyA(), "b": rsaKeyB()})
	if got := serve(a, nil, bearer(signRS256(rsaKeyB(), rsHeader("b"), claimsAt(now, nil)))); got.status != 200 {
		t.Fatalf("rotated key b: %d", got.status)
	}
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
}

// TestJWKSDropsSigningKey: once the JWKS no longer holds a key, its tokens
// are refused, even one verified (and cached) before.
func TestJWKSDropsSigningKey(t *testing.T) {
	clk := newClock()
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	a := newRemoteJWT(t, srv, clk, nil)
	now := clk.Now()
	tokA := signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, nil))
	if got := serve(a, nil, bearer(tokA)); got.status != 200 {
		t.Fatalf("key a: %d", got.status)
	}
	srv.setKeys(t, map[string]*rsa.PrivateKey{"b": rsaKeyB()})
	if err := a.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := serve(a, nil, bearer(tokA))
	if got.status != 401 || !strings.Contains(got.header.Get("WWW-Authenticate"), "the signing key is unknown") {
		t.Fatalf("token of the dropped key: %d %q", got.status, got.header.Get("WWW-Authenticate"))
	}
	if got := serve(a, nil, bearer(signRS256(rsaKeyB(), rsHeader("b"), claimsAt(now, nil)))); got.status != 200 {
		t.Fatalf("key b: %d", got.status)
	}
	// A JWKS that keeps kid "a" but with another key also invalidates.
	srv.setKeys(t, map[string]*rsa.PrivateKey{"a": rsaKeyB()})
	if err := a.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := serve(a, nil, bearer(tokA)); got.status != 401 {
		t.Fatalf("kid a now another key: %d", got.status)
	}
}

// TestJWKSDown: when the JWKS endpoint fails, the keys held keep working,
// and unknown kids are still refused.
func TestJWKSDown(t *testing.T) {
	clk := newClock()
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	a := newRemoteJWT(t, srv, clk, func(c *JWTConfig) { c.TokenCacheSize = -1 })
	now := clk.Now()
	if got := serve(a, nil, bearer(signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, nil)))); got.status != 200 {
		t.Fatalf("key a: %d", got.status)
	}
	srv.setDown(true)
	if err := a.Refresh(context.Background()); err == nil {
		t.Fatal("Refresh of a failing JWKS returned nil")
	}
	clk.Advance(time.Hour)
	now = clk.Now()
	if got := serve(a, nil, bearer(signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, nil)))); got.status != 200 {
		t.Fatalf("held key while JWKS is down: %d", got.status)
	}
	if got := serve(a, nil, bearer(signRS256(rsaKeyB(), rsHeader("b"), claimsAt(now, nil)))); got.status != 401 {
		t.Fatalf("unknown kid while JWKS is down: %d", got.status)
	}
	// Garbage instead of a JWKS is a failed fetch too.
	srv.setDown(false)
	srv.mu.Lock()
	srv.body = []byte("<html>oops</html>")
	srv.mu.Unlock()
	if err := a.Refresh(context.Background()); err == nil {
		t.Fatal("Refresh of a garbage JWKS returned nil")
	}
	if got := serve(a, nil, bearer(signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, nil)))); got.status != 200 {
		t.Fatalf("held key after a garbage JWKS: %d", got.status)
	}
}

// TestJWKSNeverFetched: without any key the answer is 500
// AUTHORIZER_FAILURE; fetches are retried, but not more often than the
// initial retry interval.
func TestJWKSNeverFetched(t *testing.T) {
	clk := newClock()
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	srv.setDown(true)
	a := newRemoteJWT(t, srv, clk, nil)
	tok := signRS256(rsaKeyA(), rsHeader("a"), claimsAt(clk.Now(), func(c map[string]any) { c["exp"] = clk.Now().Add(24 * time.Hour).Unix() }))
	for range 3 {
		got := serve(a, nil, bearer(tok))
		if got.status != 500 || got.body != `{"message":null}` || got.header.Get("X-Amzn-Errortype") != "AuthorizerFailureException" {
			t.Fatalf("no keys: %d %s %q", got.status, got.body, got.header.Get("X-Amzn-Errortype"))
		}
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	srv.setDown(false)
	clk.Advance(initialRetry)
	if got := serve(a, nil, bearer(tok)); got.status != 200 {
		t.Fatalf("after the JWKS came back: %d", got.status)
	}
}

// TestJWKSClose checks that Close stops every goroutine jwk.Cache started
// and that later requests still use the keys held, without fetching.
func TestJWKSClose(t *testing.T) {
	clk := newClock()
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	// Earlier tests close their authorizers; let their goroutines finish so
	// that the counts below are this test's alone.
	testkit.WaitFor(t, "earlier jwk.Cache goroutines to stop", func() bool { return countGoroutines("lestrrat-go/httprc") == 0 })
	before := 0
	a, err := NewJWT(JWTConfig{Issuer: testIssuer, JWKSURL: srv.jwksURL(), Now: clk.Now, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if n := countGoroutines("lestrrat-go/httprc"); n != before {
		t.Fatalf("goroutines started before the first request: %d -> %d", before, n)
	}
	now := clk.Now()
	if got := serve(a, nil, bearer(signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, nil)))); got.status != 200 {
		t.Fatalf("valid: %d", got.status)
	}
	if n := countGoroutines("lestrrat-go/httprc"); n <= before {
		t.Fatalf("no jwk.Cache goroutines running (%d)", n)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	testkit.WaitFor(t, "jwk.Cache goroutines to stop", func() bool { return countGoroutines("lestrrat-go/httprc") == before })
	hits := srv.hits.Load()
	if got := serve(a, nil, bearer(signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["sub"] = "u2" })))); got.status != 200 {
		t.Fatalf("held key after Close: %d", got.status)
	}
	clk.Advance(time.Hour)
	if got := serve(a, nil, bearer(signRS256(rsaKeyB(), rsHeader("b"), claimsAt(clk.Now(), nil)))); got.status != 401 {
		t.Fatalf("unknown kid after Close: %d", got.status)
	}
	if srv.hits.Load() != hits {
		t.Fatal("fetched after Close")
	}
	if err := a.Refresh(context.Background()); err == nil {
		t.Fatal("Refresh after Close returned nil")
	}
}

func TestJWKSTooLarge(t *testing.T) {
	clk := newClock()
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	srv.mu.Lock()
	srv.body = []byte(`{"keys":[` + strings.Repeat(" ", maxJWKSBytes) + `]}`)
	srv.mu.Unlock()
	a := newRemoteJWT(t, srv, clk, nil)
	if err := a.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "over") {
		t.Fatalf("Refresh of a 1 MiB+ JWKS: %v", err)
	}
}

func TestStaticKeysRefreshIsNoop(t *testing.T) {
	a, err := NewJWT(JWTConfig{Issuer: testIssuer, Keys: keySetOf(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}
