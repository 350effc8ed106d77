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

// TestZeroValuesRefuse: an authorizer not built by its constructor, zero
// or nil (the result of a dropped error), refuses every request with a 500
// and never panics.
func TestZeroValuesRefuse(t *testing.T) {
	for name, a := range map[string]Authorizer{
		"JWT": &JWTAuthorizer{}, "Token": &TokenAuthorizer{}, "Request": &RequestAuthorizer{},
		"nil JWT": (*JWTAuthorizer)(nil), "nil Token": (*TokenAuthorizer)(nil), "nil Request": (*RequestAuthorizer)(nil),
	} {
		t.Run(name, func(t *testing.T) {
			if got := serve(a, nil, bearer("x")); got.status != 500 {
				t.Fatalf("zero %s answered %d", name, got.status)
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// wantPanic checks that f panics with an error saying what err says, as a
// MustNew function does.
func wantPanic(t *testing.T, err error, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		p, _ := recover().(error)
		if p == nil || p.Error() != err.Error() {
			t.Fatalf("panic %v, want %v", p, err)
		}
	}()
	f()
}

// TestHandler: each authorizer's Handler is Middleware(a, nil): it refuses
// what the authorizer refuses and lets in, with c.Authorizer filled, what
// it allows.
func TestHandler(t *testing.T) {
	allow := func(context.Context) (events.APIGatewayCustomAuthorizerResponse, error) {
		return allowPolicy("p", "Allow", "*"), nil
	}
	clk := newClock()
	jwtA := MustNewJWT(JWTConfig{Issuer: testIssuer, Keys: keySetOf(t, map[string]*rsa.PrivateKey{"a": rsaKeyA()}), Now: clk.Now})
	tok := signRS256(rsaKeyA(), rsHeader("a"), claimsAt(clk.Now(), nil))
	tokenA := MustNewToken(TokenConfig{Func: func(ctx context.Context, _ events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return allow(ctx)
	}})
	requestA := MustNewRequest(RequestConfig{IdentitySources: []string{"method.request.header.Authorization"},
		Func: func(ctx context.Context, _ events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return allow(ctx)
		}})
	for name, h := range map[string]interface {
		Handler(http.Handler) http.Handler
	}{"JWT": jwtA, "Token": tokenA, "Request": requestA} {
		t.Run(name, func(t *testing.T) {
			var principal string
			next := h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				principal = apigw.FromContext(r.Context()).Authorizer.PrincipalID
			}))
			w := httptest.NewRecorder()
			next.ServeHTTP(w, bearer())
			if w.Code != 401 || principal != "" {
				t.Fatalf("no credentials: %d, principal %q", w.Code, principal)
			}
			w = httptest.NewRecorder()
			next.ServeHTTP(w, bearer("Bearer "+tok))
			if w.Code != 200 || principal == "" {
				t.Fatalf("credentials: %d, principal %q", w.Code, principal)
			}
		})
	}
}
