package authorizer

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// signJWS signs claims with key under alg and the protected header h, with
// jwx (another implementation than the one verifying).
func signJWS(t testing.TB, alg jwa.SignatureAlgorithm, key any, h map[string]any, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	hdr := jws.NewHeaders()
	for k, v := range h {
		if err := hdr.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	out, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// resign replaces tok's signature by change(signature), canonically
// encoded.
func resign(tok string, change func([]byte) []byte) string {
	dot := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	if err != nil {
		panic(err)
	}
	return tok[:dot+1] + base64.RawURLEncoding.EncodeToString(change(sig))
}

// TestJWTSignatureLength: a signature of the wrong length for its
// algorithm and key is malformed, deterministically, whatever its bytes and
// however the cut falls on base64's 4-character groups. Before, a
// truncation that happened to leave canonical base64 (1 in 16 RSA keys for
// a 4-character cut) read as "the signature is invalid".
func TestJWTSignatureLength(t *testing.T) {
	clk := newClock()
	now := clk.Now()
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("0123456789abcdef0123456789abcdef")

	set := jwk.NewSet()
	add := func(kid string, raw any) {
		k, err := jwk.FromRaw(raw)
		if err != nil {
			t.Fatal(err)
		}
		_ = k.Set(jwk.KeyIDKey, kid)
		if err := set.AddKey(k); err != nil {
			t.Fatal(err)
		}
	}
	add("rsa", &rsaKeyA().PublicKey)
	add("ec", &ecKey.PublicKey)
	add("ed", edKey.Public())
	add("hmac", secret)
	a, err := NewJWT(JWTConfig{Issuer: testIssuer, Keys: set, Now: clk.Now, Logger: quietLogger(),
		Algorithms: []string{"RS256", "ES256", "EdDSA", "HS256"}})
	if err != nil {
		t.Fatal(err)
	}

	tokens := map[string]string{
		"RS256": signJWS(t, jwa.RS256, rsaKeyA(), map[string]any{"kid": "rsa"}, claimsAt(now, nil)),
		"ES256": signJWS(t, jwa.ES256, ecKey, map[string]any{"kid": "ec"}, claimsAt(now, nil)),
		"EdDSA": signJWS(t, jwa.EdDSA, edKey, map[string]any{"kid": "ed"}, claimsAt(now, nil)),
		"HS256": signJWS(t, jwa.HS256, secret, map[string]any{"kid": "hmac"}, claimsAt(now, nil)),
	}
	for name, tok := range tokens {
		t.Run(name, func(t *testing.T) {
			check := func(what, tok string, status int, desc string) {
				t.Helper()
				a.tokens = nil // every token verified afresh
				got := serve(a, nil, bearer("Bearer "+tok))
				if got.status != status || !strings.Contains(got.header.Get("WWW-Authenticate"), desc) {
					t.Errorf("%s: %d %q, want %d %q", what, got.status, got.header.Get("WWW-Authenticate"), status, desc)
				}
			}
			check("valid", tok, 200, "")
			check("one byte short", resign(tok, func(s []byte) []byte { return s[:len(s)-1] }), 401, "the token is malformed")
			check("three bytes short", resign(tok, func(s []byte) []byte { return s[:len(s)-3] }), 401, "the token is malformed")
			check("one byte long", resign(tok, func(s []byte) []byte { return append(s, 0) }), 401, "the token is malformed")
			check("empty-ish", resign(tok, func(s []byte) []byte { return s[:1] }), 401, "the token is malformed")
			check("right length, wrong bytes", resign(tok, func(s []byte) []byte {
				s = append([]byte(nil), s...)
				s[len(s)/2] ^= 1
				return s
			}), 401, "the signature is invalid")
			for cut := 1; cut <= 8; cut++ {
				check("cut by characters", tok[:len(tok)-cut], 401, "the token is malformed")
			}
		})
	}
}

// TestDecodeObject: one JSON object, exact member names, no name twice, no
// trailing data; commas and quotes inside strings and nested values do not
// count as members.
func TestDecodeObject(t *testing.T) {
	for _, tt := range []struct {
		in      string
		members int // -1: refused
	}{
		{`{}`, 0},
		{` { } `, 0},
		{`{"a":1}`, 1},
		{`{"a":1,"A":2}`, 2},
		{`{"a":1,"a":2}`, -1},
		{`{"a":1,"b":{"a":2,"a":3}}`, 2}, // nested objects are the claim's business
		{`{"a,\"b":"x,y","c":[1,2,{"d":","}]}`, 2},
		{`{"a":"\\","b":"\\\""}`, 2},
		{`{"a":"\\","a":"\""}`, -1},
		{`{"a":"x"}` + "\n\t ", 1},
		{`{"a":"x"}x`, -1},
		{`{"a":"x"}{}`, -1},
		{`{"a":"x"}null`, -1},
		{`null`, -1},
		{`[]`, -1},
		{`"a"`, -1},
		{``, -1},
		{`{"a":1,}`, -1},
	} {
		m, ok := decodeObject[any]([]byte(tt.in))
		switch {
		case tt.members < 0 && ok:
			t.Errorf("%s: accepted as %v", tt.in, m)
		case tt.members >= 0 && (!ok || len(m) != tt.members):
			t.Errorf("%s: %v %v, want %d members", tt.in, m, ok, tt.members)
		}
	}
}
