package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/apigw/apigw/examples/internal/issuer"
	"github.com/apigw/apigw/internal/exampletest"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// startExample runs the example in-process on a free port.
func startExample(t *testing.T) string {
	t.Helper()
	return exampletest.Start(t, func(ctx context.Context, addr string, ready chan<- string) error {
		return run(ctx, nil, addr, slog.New(slog.DiscardHandler), ready)
	})
}

// call sends a request with an optional Authorization header, or a form
// body when form is not nil.
func call(t *testing.T, method, url, auth string, form url.Values) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(b))
}

// token gets an access token for scope from the example's issuer.
func token(t *testing.T, base, scope string) string {
	t.Helper()
	status, _, body := call(t, "POST", base+"/token", "", url.Values{"scope": {scope}})
	var answer struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(body), &answer); status != 200 || err != nil || answer.AccessToken == "" {
		t.Fatalf("POST /token = %d %s (%v)", status, body, err)
	}
	if answer.TokenType != "Bearer" || answer.ExpiresIn != 300 {
		t.Errorf("POST /token = %s", body)
	}
	return answer.AccessToken
}

// tamper rewrites the token's sub, keeping its header and signature.
func tamper(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || !strings.Contains(string(payload), `"sub":"alice"`) {
		t.Fatalf("payload %s (%v)", payload, err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"sub":"alice"`, `"sub":"admin"`, 1)))
	return strings.Join(parts, ".")
}

func TestIssuer(t *testing.T) {
	base := startExample(t)
	status, h, body := call(t, "GET", base+"/.well-known/jwks.json", "", nil)
	if status != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /.well-known/jwks.json = %d %v %s", status, h, body)
	}
	set, err := jwk.Parse([]byte(body))
	if err != nil || set.Len() != 1 {
		t.Fatalf("JWKS %s: %v", body, err)
	}
	pub, _ := set.Key(0)
	if _, ok := pub.(jwk.RSAPublicKey); !ok || pub.KeyID() == "" || pub.Algorithm().String() != "RS256" {
		t.Fatalf("JWKS key %s: want a public RSA key with a kid, alg RS256", body)
	}
	if strings.Contains(body, `"d":`) {
		t.Fatalf("JWKS publishes the private key: %s", body)
	}

	tok := token(t, base, "pets/read pets/write")
	msg, err := jws.Parse([]byte(tok))
	if err != nil {
		t.Fatal(err)
	}
	if hdr := msg.Signatures()[0].ProtectedHeaders(); hdr.KeyID() != pub.KeyID() || hdr.Algorithm().String() != "RS256" {
		t.Errorf("token header kid %q alg %q, want %q RS256", hdr.KeyID(), hdr.Algorithm(), pub.KeyID())
	}
	claims, err := jwt.Parse([]byte(tok), jwt.WithKeySet(set), jwt.WithIssuer(base))
	if err != nil {
		t.Fatalf("token does not verify against the JWKS: %v", err)
	}
	if scope, _ := claims.Get("scope"); scope != "pets/read pets/write" || claims.Subject() != "alice" {
		t.Errorf("claims sub %q scope %v", claims.Subject(), scope)
	}
	_, _, body = call(t, "POST", base+"/token", "", url.Values{"scope": {"pets/read"}, "username": {"bob"}})
	var answer struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal([]byte(body), &answer)
	status, _, body = call(t, "GET", base+"/pets", "Bearer "+answer.AccessToken, nil)
	if status != 200 || !strings.HasPrefix(body, `{"caller":{"principalId":"bob",`) {
		t.Errorf("GET /pets as bob = %d %s", status, body)
	}
	if ttl := time.Until(claims.Expiration()); ttl <= 0 || ttl > issuer.TokenTTL {
		t.Errorf("token expires in %v, want within %v", ttl, issuer.TokenTTL)
	}
}

func TestPets(t *testing.T) {
	base := startExample(t)
	good := token(t, base, "pets/read")
	tests := []struct {
		name          string
		auth          string
		wantStatus    int
		wantBody      string
		wantErrorType string
		wantChallenge string // prefix of WWW-Authenticate
	}{
		{"scope pets/read", "Bearer " + good, 200,
			`{"caller":{"principalId":"alice","scopes":["pets/read"]},"pets":[{"id":1,"price":249.99,"type":"dog"},{"id":2,"price":124.99,"type":"cat"}]}`, "", ""},
		{"token again, from the cache", "Bearer " + good, 200,
			`{"caller":{"principalId":"alice","scopes":["pets/read"]},"pets":[{"id":1,"price":249.99,"type":"dog"},{"id":2,"price":124.99,"type":"cat"}]}`, "", ""},
		{"another scope", "Bearer " + token(t, base, "orders/read"), 403,
			`{"message":"Forbidden"}`, "AccessDeniedException", `Bearer scope="pets/read" error="insufficient_scope"`},
		{"no scope", "Bearer " + token(t, base, ""), 403,
			`{"message":"Forbidden"}`, "AccessDeniedException", `Bearer scope="pets/read" error="insufficient_scope"`},
		{"no token", "", 401, `{"message":"Unauthorized"}`, "UnauthorizedException", `Bearer scope="pets/read"`},
		{"tampered token", "Bearer " + tamper(t, good), 401, `{"message":"Unauthorized"}`, "UnauthorizedException", `Bearer scope="pets/read" error="invalid_token"`},
		{"signature changed", "Bearer " + good + "x", 401, `{"message":"Unauthorized"}`, "UnauthorizedException", `Bearer scope="pets/read" error="invalid_token"`},
		{"not a JWT", "Bearer allow", 401, `{"message":"Unauthorized"}`, "UnauthorizedException", `Bearer scope="pets/read" error="invalid_token"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := call(t, "GET", base+"/pets", tc.auth, nil)
			if status != tc.wantStatus || body != tc.wantBody {
				t.Errorf("GET /pets = %d %s, want %d %s", status, body, tc.wantStatus, tc.wantBody)
			}
			if got := h.Get("x-amzn-ErrorType"); got != tc.wantErrorType {
				t.Errorf("x-amzn-ErrorType = %q, want %q", got, tc.wantErrorType)
			}
			if got := h.Get("WWW-Authenticate"); !strings.HasPrefix(got, tc.wantChallenge) || (tc.wantChallenge == "") != (got == "") {
				t.Errorf("WWW-Authenticate = %q, want %q...", got, tc.wantChallenge)
			}
		})
	}
}

func TestAdmin(t *testing.T) {
	base := startExample(t)
	tests := []struct {
		token         string
		wantStatus    int
		wantBody      string
		wantErrorType string
	}{
		{"allow", 200, `{"caller":{"context":{"booleanKey":true,"numberKey":123,"stringKey":"stringval"},"principalId":"user"},"message":"welcome to the admin area"}`, ""},
		{"deny", 403, `{"message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException"},
		{"nope", 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{"", 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
	}
	for _, tc := range tests {
		name := tc.token
		if name == "" {
			name = "no token"
		}
		t.Run(name, func(t *testing.T) {
			status, h, body := call(t, "GET", base+"/admin", tc.token, nil)
			if status != tc.wantStatus || body != tc.wantBody {
				t.Errorf("GET /admin = %d %s, want %d %s", status, body, tc.wantStatus, tc.wantBody)
			}
			if got := h.Get("x-amzn-ErrorType"); got != tc.wantErrorType {
				t.Errorf("x-amzn-ErrorType = %q, want %q", got, tc.wantErrorType)
			}
		})
	}
}
