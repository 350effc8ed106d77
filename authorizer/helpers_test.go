package authorizer

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/testkit"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

const (
	testIssuer   = "https://issuer.test"
	testAudience = "app"
)

var (
	rsaKeyA = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	rsaKeyB = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
)

func mustRSA() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// newClock is the tests' injected clock: time moves only when told.
func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) }

func segment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signRS256 builds a compact JWS signed with key.
func signRS256(key *rsa.PrivateKey, header, claims map[string]any) string {
	input := segment(header) + "." + segment(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// signHS256 builds a compact JWS MACed with secret.
func signHS256(secret []byte, header, claims map[string]any) string {
	input := segment(header) + "." + segment(claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func rsHeader(kid string) map[string]any {
	h := map[string]any{"alg": "RS256", "typ": "JWT"}
	if kid != "" {
		h["kid"] = kid
	}
	return h
}

// claimsAt returns valid claims for the clock's now, changed by mod.
func claimsAt(now time.Time, mod func(map[string]any)) map[string]any {
	c := map[string]any{
		"iss":   testIssuer,
		"aud":   testAudience,
		"sub":   "user-1",
		"iat":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
		"scope": "pets/read pets/write",
	}
	if mod != nil {
		mod(c)
	}
	return c
}

// keySetOf returns a JWK set of the public halves of keys, by kid.
func keySetOf(t testing.TB, keys map[string]*rsa.PrivateKey) jwk.Set {
	t.Helper()
	set := jwk.NewSet()
	for kid, k := range keys {
		jk, err := jwk.FromRaw(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := jk.Set(jwk.KeyIDKey, kid); err != nil {
			t.Fatal(err)
		}
		if err := set.AddKey(jk); err != nil {
			t.Fatal(err)
		}
	}
	return set
}

// jwksServer serves a JWKS that tests can change or take down, and counts
// the fetches.
type jwksServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   []byte
	status int
	hits   atomic.Int64
}

func newJWKSServer(t testing.TB, keys map[string]*rsa.PrivateKey) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	s.setKeys(t, keys)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		body, status := s.body, s.status
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(t testing.TB, keys map[string]*rsa.PrivateKey) {
	t.Helper()
	b, err := json.Marshal(keySetOf(t, keys))
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.body = b
	s.mu.Unlock()
}

func (s *jwksServer) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if down {
		s.status = http.StatusServiceUnavailable
	} else {
		s.status = http.StatusOK
	}
}

func (s *jwksServer) jwksURL() string { return s.URL + "/.well-known/jwks.json" }

// newRemoteJWT returns a JWT authorizer on s's JWKS, closed at cleanup.
func newRemoteJWT(t testing.TB, s *jwksServer, clk *testkit.Clock, mod func(*JWTConfig)) *JWTAuthorizer {
	t.Helper()
	cfg := JWTConfig{
		Issuer:   testIssuer,
		Audience: []string{testAudience},
		JWKSURL:  s.jwksURL(),
		Now:      clk.Now,
		Logger:   quietLogger(),
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := NewJWT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// logBuffer is a slog.Logger writing to a buffer the test can read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// response is what a test request got.
type response struct {
	status     int
	body       string
	header     http.Header
	authorizer apigw.Authorizer
	cached     bool // Context.AuthorizerCached
	reached    bool
}

// serve sends r through Middleware(a, scopes) to a backend that records
// c.Authorizer.
func serve(a Authorizer, scopes []string, r *http.Request) response {
	var got response
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.reached = true
		if c := apigw.FromContext(r.Context()); c != nil {
			got.authorizer = c.Authorizer
			got.cached = c.AuthorizerCached
		}
		w.WriteHeader(http.StatusOK)
	})
	w := httptest.NewRecorder()
	Middleware(a, scopes)(backend).ServeHTTP(w, r)
	got.status, got.body, got.header = w.Code, w.Body.String(), w.Header()
	return got
}

// bearer returns a GET request carrying each value as an Authorization
// header line.
func bearer(values ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/pets", nil)
	for _, v := range values {
		r.Header.Add("Authorization", v)
	}
	return r
}

// countGoroutines counts the goroutines whose stack mentions substr.
func countGoroutines(substr string) int {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	count := 0
	for g := range strings.SplitSeq(string(buf[:n]), "\n\n") {
		if strings.Contains(g, substr) {
			count++
		}
	}
	return count
}
