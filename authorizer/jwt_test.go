package authorizer

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/testkit"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// TestJWTHardToFool runs every attack of the issue, and the valid tokens
// they are variations of, through the middleware with a JWKS served on
// 127.0.0.1.
func TestJWTHardToFool(t *testing.T) {
	clk := newClock()
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	a := newRemoteJWT(t, srv, clk, nil)
	now := clk.Now()
	valid := signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, nil))
	parts := strings.Split(valid, ".")

	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustPKIX(t, &rsaKeyA().PublicKey)})
	pubDER := x509.MarshalPKCS1PublicKey(&rsaKeyA().PublicKey)

	tests := []struct {
		name    string
		values  []string // Authorization header lines
		scopes  []string
		status  int
		errDesc string // in WWW-Authenticate; "" checks none
	}{
		{name: "valid with Bearer", values: []string{"Bearer " + valid}, status: 200},
		{name: "valid lower-case bearer", values: []string{"bearer " + valid}, status: 200},
		{name: "valid without Bearer", values: []string{valid}, status: 200},
		{name: "valid with scope", values: []string{"Bearer " + valid}, scopes: []string{"pets/read"}, status: 200},
		{name: "valid with one of the scopes", values: []string{"Bearer " + valid}, scopes: []string{"admin", "pets/write"}, status: 200},
		{name: "missing scope", values: []string{"Bearer " + valid}, scopes: []string{"admin"}, status: 403, errDesc: "the token has none of the required scopes"},
		{name: "no header", status: 401},
		{name: "empty header", values: []string{""}, status: 401},
		{name: "Bearer alone", values: []string{"Bearer "}, status: 401},
		{name: "alg none unsigned",
			values: []string{"Bearer " + segment(map[string]any{"alg": "none"}) + "." + parts[1] + "."},
			status: 401, errDesc: "the token is malformed"},
		{name: "alg none with signature",
			values: []string{"Bearer " + segment(map[string]any{"alg": "none", "kid": "a"}) + "." + parts[1] + "." + parts[2]},
			status: 401, errDesc: "the signing algorithm is not accepted"},
		{name: "alg NONE", values: []string{"Bearer " + segment(map[string]any{"alg": "NONE", "kid": "a"}) + "." + parts[1] + "." + parts[2]},
			status: 401, errDesc: "the signing algorithm is not accepted"},
		{name: "HS256 signed with the RSA public key PEM",
			values: []string{"Bearer " + signHS256(pubPEM, map[string]any{"alg": "HS256", "kid": "a"}, claimsAt(now, nil))},
			status: 401, errDesc: "the signing algorithm is not accepted"},
		{name: "HS256 signed with the RSA public key DER",
			values: []string{"Bearer " + signHS256(pubDER, map[string]any{"alg": "HS256", "kid": "a"}, claimsAt(now, nil))},
			status: 401, errDesc: "the signing algorithm is not accepted"},
		{name: "tampered payload",
			values: []string{"Bearer " + parts[0] + "." + segment(claimsAt(now, func(c map[string]any) { c["sub"] = "admin" })) + "." + parts[2]},
			status: 401, errDesc: "the signature is invalid"},
		{name: "tampered header kid",
			values: []string{"Bearer " + segment(map[string]any{"alg": "RS256", "kid": "a", "x": 1}) + "." + parts[1] + "." + parts[2]},
			status: 401, errDesc: "the signature is invalid"},
		{name: "signature of another key",
			values: []string{"Bearer " + signRS256(rsaKeyB(), rsHeader("a"), claimsAt(now, nil))},
			status: 401, errDesc: "the signature is invalid"},
		{name: "truncated signature", values: []string{"Bearer " + valid[:len(valid)-4]}, status: 401, errDesc: "the token is malformed"},
		{name: "wrong iss",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["iss"] = "https://evil.test" }))},
			status: 401, errDesc: "the token's issuer is not accepted"},
		{name: "no iss",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { delete(c, "iss") }))},
			status: 401, errDesc: "the token's issuer is not accepted"},
		{name: "wrong aud",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["aud"] = "other" }))},
			status: 401, errDesc: "the token's audience is not accepted"},
		{name: "aud list containing ours",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["aud"] = []string{"x", testAudience} }))},
			status: 200},
		{name: "client_id instead of aud (Cognito access token)",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { delete(c, "aud"); c["client_id"] = testAudience }))},
			status: 200},
		{name: "aud of another app, client_id ours",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["aud"] = "other-app"; c["client_id"] = testAudience }))},
			status: 401, errDesc: "the token's audience is not accepted"},
		{name: "aud list of other apps, client_id ours",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["aud"] = []string{"x", "y"}; c["client_id"] = testAudience }))},
			status: 401, errDesc: "the token's audience is not accepted"},
		{name: "aud empty list, client_id ours",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["aud"] = []string{}; c["client_id"] = testAudience }))},
			status: 401, errDesc: "the token's audience is not accepted"},
		{name: "aud null, client_id ours",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["aud"] = nil; c["client_id"] = testAudience }))},
			status: 401, errDesc: "the token's audience is not accepted"},
		{name: "aud a number",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["aud"] = 7 }))},
			status: 401, errDesc: "the token's audience is not accepted"},
		{name: "aud in another case",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["aud"] = strings.ToUpper(testAudience) }))},
			status: 401, errDesc: "the token's audience is not accepted"},
		{name: "Aud claim name in another case",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { delete(c, "aud"); c["Aud"] = testAudience }))},
			status: 401, errDesc: "the token's audience is not accepted"},
		{name: "client_id a list",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { delete(c, "aud"); c["client_id"] = []string{testAudience} }))},
			status: 401, errDesc: "the token's audience is not accepted"},
		{name: "expired",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() }))},
			status: 401, errDesc: "the token has expired"},
		{name: "expires now",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["exp"] = now.Unix() }))},
			status: 401, errDesc: "the token has expired"},
		{name: "no exp",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { delete(c, "exp") }))},
			status: 401, errDesc: "the token has no valid exp claim"},
		{name: "exp as string",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["exp"] = "9999999999" }))},
			status: 401, errDesc: "the token has no valid exp claim"},
		{name: "nbf in the future",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["nbf"] = now.Add(time.Minute).Unix() }))},
			status: 401, errDesc: "the token is not valid yet"},
		{name: "iat in the future",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["iat"] = now.Add(time.Minute).Unix() }))},
			status: 401, errDesc: "the token was issued in the future"},
		{name: "sub not a string",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["sub"] = 42 }))},
			status: 401, errDesc: "a claim has the wrong type"},
		{name: "unknown kid",
			values: []string{"Bearer " + signRS256(rsaKeyB(), rsHeader("zzz"), claimsAt(now, nil))},
			status: 401, errDesc: "the signing key is unknown"},
		{name: "no kid",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader(""), claimsAt(now, nil))},
			status: 401, errDesc: "the token names no signing key (kid)"},
		{name: "empty kid",
			values: []string{"Bearer " + signRS256(rsaKeyA(), map[string]any{"alg": "RS256", "kid": ""}, claimsAt(now, nil))},
			status: 401, errDesc: "the token names no signing key (kid)"},
		{name: "Kid in another case",
			values: []string{"Bearer " + signRS256(rsaKeyA(), map[string]any{"alg": "RS256", "Kid": "a"}, claimsAt(now, nil))},
			status: 401, errDesc: "the token names no signing key (kid)"},
		{name: "Alg in another case",
			values: []string{"Bearer " + signRS256(rsaKeyA(), map[string]any{"Alg": "RS256", "kid": "a"}, claimsAt(now, nil))},
			status: 401, errDesc: "the signing algorithm is not accepted"},
		{name: "ALG and KID",
			values: []string{"Bearer " + signRS256(rsaKeyA(), map[string]any{"ALG": "RS256", "KID": "a"}, claimsAt(now, nil))},
			status: 401, errDesc: "the signing algorithm is not accepted"},
		{name: "alg value in another case",
			values: []string{"Bearer " + signRS256(rsaKeyA(), map[string]any{"alg": "rs256", "kid": "a"}, claimsAt(now, nil))},
			status: 401, errDesc: "the signing algorithm is not accepted"},
		{name: "kid value in another case",
			values: []string{"Bearer " + signRS256(rsaKeyA(), rsHeader("A"), claimsAt(now, nil))},
			status: 401, errDesc: "the signing key is unknown"},
		{name: "kid a number",
			values: []string{"Bearer " + signRS256(rsaKeyA(), map[string]any{"alg": "RS256", "kid": 1}, claimsAt(now, nil))},
			status: 401, errDesc: "the token is malformed"},
		{name: "alg twice, last none",
			values: []string{"Bearer " + signRaw(rsaKeyA(), rawSegment(`{"alg":"RS256","kid":"a","alg":"none"}`), parts[1])},
			status: 401, errDesc: "the token is malformed"},
		{name: "alg twice, last RS256",
			values: []string{"Bearer " + signRaw(rsaKeyA(), rawSegment(`{"alg":"none","kid":"a","alg":"RS256"}`), parts[1])},
			status: 401, errDesc: "the token is malformed"},
		{name: "aud twice",
			values: []string{"Bearer " + signRaw(rsaKeyA(), parts[0], rawSegment(strings.Replace(string(mustDecode(parts[1])), "{", `{"aud":"other",`, 1)))},
			status: 401, errDesc: "the token is malformed"},
		{name: "payload with trailing garbage",
			values: []string{"Bearer " + signRaw(rsaKeyA(), parts[0], rawSegment(string(mustDecode(parts[1]))+"x"))},
			status: 401, errDesc: "the token is malformed"},
		{name: "header with trailing garbage",
			values: []string{"Bearer " + signRaw(rsaKeyA(), rawSegment(`{"alg":"RS256","kid":"a"}x`), parts[1])},
			status: 401, errDesc: "the token is malformed"},
		{name: "payload with trailing whitespace",
			values: []string{"Bearer " + signRaw(rsaKeyA(), parts[0], rawSegment(string(mustDecode(parts[1]))+" \n"))},
			status: 200},
		{name: "crit header",
			values: []string{"Bearer " + signRS256(rsaKeyA(), map[string]any{"alg": "RS256", "kid": "a", "crit": []string{"exp"}}, claimsAt(now, nil))},
			status: 401, errDesc: "the token has unsupported critical headers"},
		{name: "unencoded payload b64 false",
			values: []string{"Bearer " + signRS256(rsaKeyA(), map[string]any{"alg": "RS256", "kid": "a", "b64": false}, claimsAt(now, nil))},
			status: 401, errDesc: "the token has unsupported critical headers"},
		{name: "100 KB token", values: []string{"Bearer " + valid + strings.Repeat("A", 100<<10)}, status: 401, errDesc: "the token is too large"},
		{name: "two tokens comma separated", values: []string{"Bearer " + valid + ", Bearer " + valid}, status: 401, errDesc: "the token is malformed"},
		{name: "two tokens space separated", values: []string{"Bearer " + valid + " " + valid}, status: 401, errDesc: "the token is malformed"},
		{name: "two tokens concatenated", values: []string{"Bearer " + valid + valid}, status: 401, errDesc: "the token is malformed"},
		{name: "two header lines", values: []string{"Bearer " + valid, "Bearer " + valid}, status: 401, errDesc: "more than one token"},
		{name: "JSON serialization", values: []string{`{"payload":"` + parts[1] + `","signatures":[]}`}, status: 401, errDesc: "the token is malformed"},
		{name: "padded base64", values: []string{"Bearer " + parts[0] + "=." + parts[1] + "." + parts[2]}, status: 401, errDesc: "the token is malformed"},
		{name: "payload not an object",
			values: []string{"Bearer " + signRaw(rsaKeyA(), segment(rsHeader("a")), base64.RawURLEncoding.EncodeToString([]byte(`[1,2]`)))},
			status: 401, errDesc: "the token is malformed"},
		{name: "payload with trailing data",
			values: []string{"Bearer " + signRaw(rsaKeyA(), segment(rsHeader("a")), base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"x"}{}`)))},
			status: 401, errDesc: "the token is malformed"},
		{name: "garbage", values: []string{"Bearer not.a.token"}, status: 401, errDesc: "the token is malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := serve(a, tt.scopes, bearer(tt.values...))
			if got.status != tt.status {
				t.Fatalf("status %d, want %d (body %s, WWW-Authenticate %q)", got.status, tt.status, got.body, got.header.Get("WWW-Authenticate"))
			}
			challenge := got.header.Get("WWW-Authenticate")
			switch tt.status {
			case 200:
				if !got.reached || got.authorizer.PrincipalID != "user-1" || got.authorizer.Claims["iss"] != testIssuer {
					t.Fatalf("backend saw %+v", got.authorizer)
				}
				return
			case 401:
				if got.body != `{"message":"Unauthorized"}` || got.header.Get("X-Amzn-Errortype") != "UnauthorizedException" {
					t.Fatalf("body %s, error type %q", got.body, got.header.Get("X-Amzn-Errortype"))
				}
			case 403:
				if got.body != `{"message":"Forbidden"}` || got.header.Get("X-Amzn-Errortype") != "AccessDeniedException" {
					t.Fatalf("body %s", got.body)
				}
			}
			if got.reached {
				t.Fatal("backend reached")
			}
			if !strings.HasPrefix(challenge, `Bearer scope="`+strings.Join(tt.scopes, " ")+`"`) {
				t.Fatalf("WWW-Authenticate %q", challenge)
			}
			if tt.errDesc != "" {
				code := "invalid_token"
				if tt.status == 403 {
					code = "insufficient_scope"
				}
				want := `error="` + code + `" error_description="` + tt.errDesc + `"`
				if !strings.HasSuffix(challenge, want) {
					t.Fatalf("WWW-Authenticate %q, want suffix %q", challenge, want)
				}
			} else if strings.Contains(challenge, "error=") {
				t.Fatalf("WWW-Authenticate %q: no error expected without a token", challenge)
			}
		})
	}
}

func signRaw(key *rsa.PrivateKey, header, payload string) string {
	input := header + "." + payload
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// rawSegment encodes JSON text as it is, for headers and payloads that
// json.Marshal cannot produce (duplicate members, trailing data).
func rawSegment(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func mustDecode(seg string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		panic(err)
	}
	return b
}

func mustPKIX(t *testing.T, pub any) []byte {
	t.Helper()
	b, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJWTHMACNeverWithAsymmetricKey allows HS256 explicitly, with a static
// set holding the RSA key and a real HMAC secret: a token MACed with the
// RSA public key is still refused, the real secret works.
func TestJWTHMACNeverWithAsymmetricKey(t *testing.T) {
	clk := newClock()
	secret := []byte("0123456789abcdef0123456789abcdef")
	set := keySetOf(t, map[string]*rsa.PrivateKey{"rsa": rsaKeyA()})
	sk, err := jwk.FromRaw(secret)
	if err != nil {
		t.Fatal(err)
	}
	_ = sk.Set(jwk.KeyIDKey, "hmac")
	_ = set.AddKey(sk)
	a, err := NewJWT(JWTConfig{Issuer: testIssuer, Keys: set, Algorithms: []string{"RS256", "HS256"}, Now: clk.Now, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustPKIX(t, &rsaKeyA().PublicKey)})
	now := clk.Now()
	for _, tt := range []struct {
		name   string
		tok    string
		status int
	}{
		{"RS256 with the RSA key", signRS256(rsaKeyA(), rsHeader("rsa"), claimsAt(now, nil)), 200},
		{"HS256 with the secret", signHS256(secret, map[string]any{"alg": "HS256", "kid": "hmac"}, claimsAt(now, nil)), 200},
		{"HS256 MACed with the RSA public key, RSA kid", signHS256(pubPEM, map[string]any{"alg": "HS256", "kid": "rsa"}, claimsAt(now, nil)), 401},
		{"RS256 naming the HMAC kid", signRS256(rsaKeyA(), rsHeader("hmac"), claimsAt(now, nil)), 401},
		{"HS256 with a wrong secret", signHS256([]byte("wrong-secret-wrong-secret-wrong!!"), map[string]any{"alg": "HS256", "kid": "hmac"}, claimsAt(now, nil)), 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := serve(a, nil, bearer("Bearer "+tt.tok)); got.status != tt.status {
				t.Fatalf("status %d, want %d: %s", got.status, tt.status, got.header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestJWTLeewayAndClock(t *testing.T) {
	clk := newClock()
	set := keySetOf(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	now := clk.Now()
	tok := signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) {
		c["exp"] = now.Add(time.Minute).Unix()
		c["nbf"] = now.Add(10 * time.Second).Unix()
	}))
	for _, tt := range []struct {
		name    string
		leeway  time.Duration
		advance time.Duration
		status  int
	}{
		{"before nbf", 0, 0, 401},
		{"before nbf within leeway", 30 * time.Second, 0, 200},
		{"valid", 0, 30 * time.Second, 200},
		{"expired", 0, time.Minute, 401},
		{"expired within leeway", 30 * time.Second, time.Minute + 10*time.Second, 200},
		{"expired past leeway", 30 * time.Second, time.Minute + 30*time.Second, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := testkit.NewClock(now.Add(tt.advance))
			a, err := NewJWT(JWTConfig{Issuer: testIssuer, Keys: set, Leeway: tt.leeway, Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			if got := serve(a, nil, bearer(tok)); got.status != tt.status {
				t.Fatalf("status %d, want %d: %s", got.status, tt.status, got.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestJWTTokenCache checks the verified-token cache: a repeated token is
// served from it, but never past its exp, and never once the key set
// changed.
func TestJWTTokenCache(t *testing.T) {
	clk := newClock()
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	a := newRemoteJWT(t, srv, clk, nil)
	now := clk.Now()
	tok := signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["exp"] = now.Add(time.Minute).Unix() }))

	if got := serve(a, nil, bearer(tok)); got.status != 200 {
		t.Fatalf("first: %d", got.status)
	}
	if n := a.tokens.len(); n != 1 {
		t.Fatalf("cache holds %d tokens, want 1", n)
	}
	if got := serve(a, []string{"pets/read"}, bearer(tok)); got.status != 200 || got.authorizer.Scopes[0] != "pets/read" {
		t.Fatalf("repeat: %d %+v", got.status, got.authorizer)
	}
	if got := serve(a, []string{"admin"}, bearer(tok)); got.status != 403 {
		t.Fatalf("cached token, missing scope: %d", got.status)
	}
	clk.Advance(time.Minute)
	if got := serve(a, nil, bearer(tok)); got.status != 401 {
		t.Fatalf("cached token past exp: %d", got.status)
	}
	// A token identical but for one byte of the signature is not the cached one.
	clk2 := newClock()
	b := newRemoteJWT(t, srv, clk2, nil)
	tok2 := signRS256(rsaKeyA(), rsHeader("a"), claimsAt(clk2.Now(), nil))
	if got := serve(b, nil, bearer(tok2)); got.status != 200 {
		t.Fatalf("tok2: %d", got.status)
	}
	forged := tok2[:len(tok2)-2] + flip(tok2[len(tok2)-2]) + tok2[len(tok2)-1:]
	if got := serve(b, nil, bearer(forged)); got.status != 401 {
		t.Fatalf("forged variant of a cached token: %d", got.status)
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestJWTConfigErrors(t *testing.T) {
	set := keySetOf(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	tests := []struct {
		name string
		cfg  JWTConfig
		want string
	}{
		{"no issuer", JWTConfig{Keys: set}, "JWTConfig.Issuer: required"},
		{"no keys", JWTConfig{Issuer: testIssuer}, "JWTConfig.JWKSURL or Keys: one is required"},
		{"both keys", JWTConfig{Issuer: testIssuer, Keys: set, JWKSURL: "https://x.test/jwks"}, "set only one"},
		{"alg none", JWTConfig{Issuer: testIssuer, Keys: set, Algorithms: []string{"RS256", "none"}}, `Algorithms[1] "none": unsigned tokens are never accepted`},
		{"unknown alg", JWTConfig{Issuer: testIssuer, Keys: set, Algorithms: []string{"RS1"}}, `Algorithms[0] "RS1": unsupported`},
		{"HMAC with JWKS", JWTConfig{Issuer: testIssuer, JWKSURL: "https://x.test/jwks", Algorithms: []string{"HS256"}}, "HMAC algorithms need a static Keys set"},
		{"http JWKS", JWTConfig{Issuer: testIssuer, JWKSURL: "http://idp.example/jwks"}, "only allowed on a loopback host"},
		{"ftp JWKS", JWTConfig{Issuer: testIssuer, JWKSURL: "ftp://idp.example/jwks"}, `scheme "ftp"`},
		{"bad header", JWTConfig{Issuer: testIssuer, Keys: set, Header: "Auth orization"}, "not a header name"},
		{"token use", JWTConfig{Issuer: testIssuer, Keys: set, TokenUse: "refresh"}, "TokenUse"},
		{"negative leeway", JWTConfig{Issuer: testIssuer, Keys: set, Leeway: -time.Second}, "Leeway"},
		{"short refresh", JWTConfig{Issuer: testIssuer, JWKSURL: "https://x.test/jwks", RefreshInterval: time.Millisecond}, "RefreshInterval"},
		{"empty audience", JWTConfig{Issuer: testIssuer, Keys: set, Audience: []string{""}}, "Audience[0]"},
		{"no usable key", JWTConfig{Issuer: testIssuer, Keys: set, Algorithms: []string{"ES256"}}, "Keys: no usable key"},
		{"small RSA key", JWTConfig{Issuer: testIssuer, Keys: smallKeySet(t)}, "RSA key under 2048 bits"},
		{"key without kid", JWTConfig{Issuer: testIssuer, Keys: noKIDKeySet(t)}, "no kid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewJWT(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "authorizer: ") {
				t.Fatalf("NewJWT error %v, want it to name %q", err, tt.want)
			}
			wantPanic(t, err, func() { MustNewJWT(tt.cfg) })
			// The nil authorizer of a caller that dropped the error refuses.
			got := serve(a, nil, bearer("Bearer x.y.z"))
			if got.status != 500 || got.body != `{"message":null}` || got.header.Get("X-Amzn-Errortype") != "AuthorizerConfigurationException" {
				t.Fatalf("bad config answered %d %s", got.status, got.body)
			}
			_ = a.Close()
		})
	}
	if _, err := NewJWT(JWTConfig{Issuer: testIssuer, JWKSURL: "http://127.0.0.1:1/jwks", Header: "method.request.header.X-Token"}); err != nil {
		t.Fatalf("loopback http JWKS and AWS header form: %v", err)
	}
}

func smallKeySet(t *testing.T) jwk.Set {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return keySetOf(t, map[string]*rsa.PrivateKey{"small": k})
}

func noKIDKeySet(t *testing.T) jwk.Set {
	k, err := jwk.FromRaw(&rsaKeyA().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	set := jwk.NewSet()
	_ = set.AddKey(k)
	return set
}

func TestJWTCustomHeaderAndTokenUse(t *testing.T) {
	clk := newClock()
	set := keySetOf(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	a, err := NewJWT(JWTConfig{Issuer: testIssuer, Keys: set, Header: "X-Token", TokenUse: "access", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	access := signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["token_use"] = "access" }))
	id := signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) { c["token_use"] = "id" }))
	noKID := signRS256(rsaKeyA(), rsHeader(""), claimsAt(now, func(c map[string]any) { c["token_use"] = "access" }))
	for _, tt := range []struct {
		name   string
		header string
		tok    string
		status int
	}{
		{"access token in X-Token", "X-Token", access, 200},
		{"no kid, although the set holds one key", "X-Token", noKID, 401},
		{"id token refused", "X-Token", id, 401},
		{"token in Authorization ignored", "Authorization", access, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set(tt.header, tt.tok)
			if got := serve(a, nil, r); got.status != tt.status {
				t.Fatalf("status %d, want %d", got.status, tt.status)
			}
		})
	}
}

func TestJWTScopesFromScp(t *testing.T) {
	clk := newClock()
	set := keySetOf(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()})
	a, err := NewJWT(JWTConfig{Issuer: testIssuer, Keys: set, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	tok := signRS256(rsaKeyA(), rsHeader("a"), claimsAt(clk.Now(), func(c map[string]any) {
		delete(c, "scope")
		c["scp"] = []string{"pets/read", "orders/read"}
	}))
	got := serve(a, []string{"orders/read"}, bearer(tok))
	if got.status != 200 || len(got.authorizer.Scopes) != 2 {
		t.Fatalf("scp list: %d %v", got.status, got.authorizer.Scopes)
	}
	if got := serve(a, []string{"orders/write"}, bearer(tok)); got.status != 403 {
		t.Fatalf("scp without the scope: %d", got.status)
	}
}

func TestValidateScopes(t *testing.T) {
	if err := ValidateScopes([]string{"pets/read", "aws.cognito.signin.user.admin", "https://api.test/x:y"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{{""}, {"a b"}, {`a"b`}, {`a\b`}, {"é"}} {
		if err := ValidateScopes(bad); err == nil {
			t.Errorf("ValidateScopes(%q) = nil", bad)
		}
	}
}

func TestMiddlewareNilAuthorizer(t *testing.T) {
	if got := serve(nil, nil, bearer("x")); got.status != 500 || got.body != `{"message":null}` {
		t.Fatalf("nil authorizer: %d %s", got.status, got.body)
	}
}
