package authorizer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha512" // SHA-384 and SHA-512 for crypto.Hash.New
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

func mustJWK(t *testing.T, raw any, kid string, fields map[string]any) jwk.Key {
	t.Helper()
	k, err := jwk.FromRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	_ = k.Set(jwk.KeyIDKey, kid)
	for name, v := range fields {
		if err := k.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

func signWith(t *testing.T, alg string, kid string, claims map[string]any, sign func(input []byte) []byte) string {
	t.Helper()
	input := segment(map[string]any{"alg": alg, "kid": kid}) + "." + segment(claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(input)))
}

// TestKeyTypes checks EC, Ed25519 and RSA-PSS keys, keys restricted by their
// own alg, and keys that must be skipped.
func TestKeyTypes(t *testing.T) {
	clk := newClock()
	ec256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)

	set := jwk.NewSet()
	for _, k := range []jwk.Key{
		mustJWK(t, &ec256.PublicKey, "ec256", nil),
		mustJWK(t, &ec384.PublicKey, "ec384", nil),
		mustJWK(t, edPub, "ed", nil),
		mustJWK(t, &rsaKeyA().PublicKey, "rsa-rs384-only", map[string]any{jwk.AlgorithmKey: jwa.RS384}),
		mustJWK(t, &rsaKeyA().PublicKey, "rsa-enc", map[string]any{jwk.KeyUsageKey: "enc"}),
		mustJWK(t, &rsaKeyB().PublicKey, "rsa", nil),
	} {
		if err := set.AddKey(k); err != nil {
			t.Fatal(err)
		}
	}
	a, err := NewJWT(JWTConfig{Issuer: testIssuer, Keys: set, Now: clk.Now, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	claims := claimsAt(clk.Now(), nil)
	ecSign := func(k *ecdsa.PrivateKey, h crypto.Hash, size int) func([]byte) []byte {
		return func(in []byte) []byte {
			hh := h.New()
			hh.Write(in)
			r, s, err := ecdsa.Sign(rand.Reader, k, hh.Sum(nil))
			if err != nil {
				t.Fatal(err)
			}
			out := make([]byte, 2*size)
			r.FillBytes(out[:size])
			s.FillBytes(out[size:])
			return out
		}
	}
	rsSign := func(k *rsa.PrivateKey, h crypto.Hash, pss bool) func([]byte) []byte {
		return func(in []byte) []byte {
			hh := h.New()
			hh.Write(in)
			var sig []byte
			var err error
			if pss {
				sig, err = rsa.SignPSS(rand.Reader, k, h, hh.Sum(nil), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
			} else {
				sig, err = rsa.SignPKCS1v15(rand.Reader, k, h, hh.Sum(nil))
			}
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}
	}
	for _, tt := range []struct {
		name   string
		tok    string
		status int
	}{
		{"ES256", signWith(t, "ES256", "ec256", claims, ecSign(ec256, crypto.SHA256, 32)), 200},
		{"ES384", signWith(t, "ES384", "ec384", claims, ecSign(ec384, crypto.SHA384, 48)), 200},
		{"ES384 claimed for a P-256 key", signWith(t, "ES384", "ec256", claims, ecSign(ec256, crypto.SHA384, 32)), 401},
		{"EdDSA", signWith(t, "EdDSA", "ed", claims, func(in []byte) []byte { return ed25519.Sign(edPriv, in) }), 200},
		{"PS256", signWith(t, "PS256", "rsa", claims, rsSign(rsaKeyB(), crypto.SHA256, true)), 200},
		{"RS512", signWith(t, "RS512", "rsa", claims, rsSign(rsaKeyB(), crypto.SHA512, false)), 200},
		{"RS384 on a key limited to RS384", signWith(t, "RS384", "rsa-rs384-only", claims, rsSign(rsaKeyA(), crypto.SHA384, false)), 200},
		{"RS256 on a key limited to RS384", signWith(t, "RS256", "rsa-rs384-only", claims, rsSign(rsaKeyA(), crypto.SHA256, false)), 401},
		{"encryption key", signWith(t, "RS256", "rsa-enc", claims, rsSign(rsaKeyA(), crypto.SHA256, false)), 401},
		{"ES256 signature with r >= n", signWith(t, "ES256", "ec256", claims, func([]byte) []byte {
			out := make([]byte, 64)
			new(big.Int).Add(elliptic.P256().Params().N, big.NewInt(1)).FillBytes(out[:32])
			out[63] = 1
			return out
		}), 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := serve(a, nil, bearer("Bearer "+tt.tok)); got.status != tt.status {
				t.Fatalf("status %d, want %d: %s", got.status, tt.status, got.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestJWKSSkipsSecrets: a JWKS that publishes an HMAC secret does not make
// HS256 tokens acceptable.
func TestJWKSSkipsSecrets(t *testing.T) {
	clk := newClock()
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	secret := []byte("0123456789abcdef0123456789abcdef")
	set := keySetOf(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	_ = set.AddKey(mustJWK(t, secret, "hmac", nil))
	b, _ := json.Marshal(set)
	srv.mu.Lock()
	srv.body = b
	srv.mu.Unlock()
	a := newRemoteJWT(t, srv, clk, nil)
	if got := serve(a, nil, bearer(signHS256(secret, map[string]any{"alg": "HS256", "kid": "hmac"}, claimsAt(clk.Now(), nil)))); got.status != 401 {
		t.Fatalf("HS256 with a published secret: %d", got.status)
	}
	if got := serve(a, nil, bearer(signRS256(rsaKeyA(), rsHeader("a"), claimsAt(clk.Now(), nil)))); got.status != 200 {
		t.Fatalf("RS256 beside it: %d", got.status)
	}
}

func TestSameKeys(t *testing.T) {
	mk := func(keys map[string]*rsa.PrivateKey) *keySet {
		ks, _ := buildKeySet(keySetOf(t, keys), asymmetricAlgs, false)
		return ks
	}
	a1 := mk(map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	if !sameKeys(a1, mk(map[string]*rsa.PrivateKey{"a": rsaKeyA()})) {
		t.Fatal("identical sets differ")
	}
	if sameKeys(a1, mk(map[string]*rsa.PrivateKey{"a": rsaKeyB()})) || sameKeys(a1, mk(map[string]*rsa.PrivateKey{"b": rsaKeyA()})) || sameKeys(nil, a1) {
		t.Fatal("different sets are the same")
	}
	if rawEqual([]byte("x"), []byte("x")) != true || rawEqual([]byte("x"), "x") || rawEqual(1, 1) {
		t.Fatal("rawEqual")
	}
}

func TestTTLCacheBound(t *testing.T) {
	c := newTTLCache[uint64, int](1000, identityHash)
	for i := range uint64(5000) {
		c.put(i<<7|i, int(i), 100)
	}
	if n := c.len(); n > 1024 || n < 900 {
		t.Fatalf("cache of 1000 holds %d entries", n)
	}
	if _, ok := c.get(4999<<7|4999, 99); !ok {
		t.Fatal("latest entry missing")
	}
	if _, ok := c.get(4999<<7|4999, 100); ok {
		t.Fatal("entry used at its expiry")
	}
	small := newTTLCache[string, int](3, func(string) uint64 { return 0 })
	for _, k := range []string{"a", "b", "c", "d"} {
		small.put(k, 1, 10)
	}
	if _, ok := small.get("a", 0); ok || small.len() != 3 {
		t.Fatal("LRU did not evict the oldest")
	}
}
