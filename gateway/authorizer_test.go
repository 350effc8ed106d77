package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cors"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// sampleTokenFunc is AWS's sample TOKEN authorizer: "allow" is allowed,
// "deny" denied, anything else unauthorized.
func sampleTokenFunc(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	effect := ""
	switch req.AuthorizationToken {
	case "allow":
		effect = "Allow"
	case "deny":
		effect = "Deny"
	default:
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "user",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
			{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{req.MethodArn}},
		}},
		Context: map[string]any{"tier": "gold"},
	}, nil
}

func TestAuthorizers(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := jwk.FromRaw(key)
	_ = priv.Set(jwk.KeyIDKey, "k1")
	_ = priv.Set(jwk.AlgorithmKey, jwa.RS256)
	pub, _ := priv.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	sign := func(scope string) string {
		tok, _ := jwt.NewBuilder().Issuer("https://issuer.example").Subject("ada").Expiration(time.Now().Add(time.Hour)).Claim("scope", scope).Build()
		b, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var seen apigw.Authorizer
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = apigwContext(r).Authorizer
		w.Write([]byte("ok"))
	})
	gw := mustNew(t,
		WithCORS(cors.Config{AllowOrigins: []string{"https://pet.example"}, AllowHeaders: []string{"Authorization"}}),
		WithAuthorizer("users", authorizer.MustNewJWT(authorizer.JWTConfig{Issuer: "https://issuer.example", Keys: set})),
		WithAuthorizer("sample", authorizer.MustNewToken(authorizer.TokenConfig{Func: sampleTokenFunc, Logger: discardLogger()})),
		Route("GET /pets", Method{Integration: Handler(backend), Authorizer: "users", AuthorizationScopes: []string{"pets/read"}}),
		Route("GET /admin", Method{Integration: Handler(backend), Authorizer: "sample"}),
	)
	defer gw.Close()
	tests := []struct {
		name       string
		path       string
		header     []string
		wantStatus int
		wantMsg    string
	}{
		{"jwt ok", "/pets", []string{"Authorization", "Bearer " + sign("pets/read pets/write")}, 200, ""},
		{"jwt no token", "/pets", nil, 401, "Unauthorized"},
		{"jwt missing scope", "/pets", []string{"Authorization", sign("other")}, 403, "Forbidden"},
		{"jwt garbage", "/pets", []string{"Authorization", "Bearer abc.def.ghi"}, 401, "Unauthorized"},
		{"token allow", "/admin", []string{"Authorization", "allow"}, 200, ""},
		{"token deny", "/admin", []string{"Authorization", "deny"}, 403, "User is not authorized to access this resource with an explicit deny"},
		{"token other", "/admin", []string{"Authorization", "nope"}, 401, "Unauthorized"},
		{"401 carries CORS", "/admin", []string{"Origin", "https://pet.example"}, 401, "Unauthorized"},
		{"preflight skips the authorizer", "/admin", []string{"Origin", "https://pet.example", "Access-Control-Request-Method", "GET"}, 204, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := "GET"
			if strings.HasPrefix(tc.name, "preflight") {
				method = "OPTIONS"
			}
			rec := do(t, gw, method, tc.path, "", tc.header...)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantMsg != "" && !strings.Contains(rec.Body.String(), tc.wantMsg) {
				t.Errorf("body %s, want %q", rec.Body, tc.wantMsg)
			}
			if strings.Contains(tc.name, "CORS") || strings.HasPrefix(tc.name, "preflight") {
				if rec.Header().Get("Access-Control-Allow-Origin") != "https://pet.example" {
					t.Errorf("no CORS headers: %v", rec.Header())
				}
			}
		})
	}
	do(t, gw, "GET", "/pets", "", "Authorization", sign("pets/read"))
	if seen.Claims["sub"] != "ada" {
		t.Errorf("claims = %v", seen.Claims)
	}
	do(t, gw, "GET", "/admin", "", "Authorization", "allow")
	if seen.PrincipalID != "user" || seen.Context["tier"] != "gold" {
		t.Errorf("authorizer = %+v", seen)
	}
}

func TestAuthorizerMistakes(t *testing.T) {
	_, err := New(
		WithAuthorizer("bad", nil),
		Route("GET /a", Method{Integration: Mock(200, ""), Authorizer: "nope"}),
		Route("GET /b", Method{Integration: Mock(200, ""), AuthorizationScopes: []string{"x"}}),
		Route("GET /c", Method{Integration: Mock(200, ""), Authorizer: "bad", AuthorizationScopes: []string{"bad scope"}}),
	)
	for _, want := range []string{`WithAuthorizer("bad"): nil authorizer`, `route "GET /a": Authorizer "nope": not defined`, `route "GET /b": AuthorizationScopes: set without an Authorizer`, `route "GET /c": AuthorizationScopes`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}
