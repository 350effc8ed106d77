package authorizer

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apigw/apigw/internal/testkit"
)

func utf8Valid(s string) bool { return utf8.ValidString(s) }

func TestCognitoConfig(t *testing.T) {
	j, err := CognitoConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC123", ClientIDs: []string{"client1"}, TokenUse: "access"}.JWTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if j.Issuer != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123" ||
		j.JWKSURL != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json" ||
		j.Audience[0] != "client1" || j.TokenUse != "access" || j.Algorithms[0] != "RS256" {
		t.Fatalf("derived %+v", j)
	}
	a, err := NewCognito(CognitoConfig{Region: "us-gov-west-1", UserPoolID: "us-gov-west-1_x"})
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Close()
	for _, tt := range []struct {
		name string
		cfg  CognitoConfig
		want string
	}{
		{"no region", CognitoConfig{UserPoolID: "eu-west-1_A"}, "Region"},
		{"bad pool", CognitoConfig{Region: "eu-west-1", UserPoolID: "pool"}, "UserPoolID"},
		{"pool of another region", CognitoConfig{Region: "eu-west-1", UserPoolID: "us-east-1_A"}, "not in region"},
		{"short pool of another region", CognitoConfig{Region: "eu-west-1", UserPoolID: "ap-x-1_A"}, "not in region"},
		{"issuer given", CognitoConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_A", JWT: JWTConfig{Issuer: "x"}}, "leave them empty"},
		{"bad token use", CognitoConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_A", TokenUse: "x"}, "TokenUse"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewCognito(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || a != nil {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			wantPanic(t, err, func() { MustNewCognito(tt.cfg) })
		})
	}
}

// roundTripFunc serves HTTP requests in-process.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// cognitoWithKeys returns a Cognito authorizer whose JWKS URL is answered
// in-process with key "a"; every fetched URL is recorded.
func cognitoWithKeys(t *testing.T, cfg CognitoConfig, clk *testkit.Clock) *JWTAuthorizer {
	t.Helper()
	body, err := json.Marshal(keySetOf(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()}))
	if err != nil {
		t.Fatal(err)
	}
	want := "https://cognito-idp." + cfg.Region + ".amazonaws.com/" + cfg.UserPoolID + "/.well-known/jwks.json"
	cfg.JWT.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.String() != want {
			return &http.Response{StatusCode: 404, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		}
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
	})}
	cfg.JWT.Now, cfg.JWT.Logger = clk.Now, quietLogger()
	a, err := NewCognito(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// TestCognitoClientIDs: an id token is judged by its aud, an access token
// (no aud) by its client_id; a token whose aud names another client is
// refused even when its client_id is an accepted one.
func TestCognitoClientIDs(t *testing.T) {
	clk := newClock()
	cfg := CognitoConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC123", ClientIDs: []string{"client1"}}
	a := cognitoWithKeys(t, cfg, clk)
	iss := "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
	now := clk.Now()
	token := func(mod func(map[string]any)) string {
		return signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) {
			c["iss"] = iss
			delete(c, "aud")
			mod(c)
		}))
	}
	for _, tt := range []struct {
		name   string
		tok    string
		status int
	}{
		{"id token of the client", token(func(c map[string]any) { c["token_use"] = "id"; c["aud"] = "client1" }), 200},
		{"access token of the client", token(func(c map[string]any) { c["token_use"] = "access"; c["client_id"] = "client1" }), 200},
		{"id token of another client", token(func(c map[string]any) { c["token_use"] = "id"; c["aud"] = "client2" }), 401},
		{"aud of another client, client_id ours", token(func(c map[string]any) { c["aud"] = "client2"; c["client_id"] = "client1" }), 401},
		{"access token of another client", token(func(c map[string]any) { c["token_use"] = "access"; c["client_id"] = "client2" }), 401},
		{"neither aud nor client_id", token(func(map[string]any) {}), 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := serve(a, nil, bearer("Bearer "+tt.tok)); got.status != tt.status {
				t.Fatalf("status %d, want %d: %s", got.status, tt.status, got.header.Get("WWW-Authenticate"))
			}
		})
	}
}
