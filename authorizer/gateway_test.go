package authorizer_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/gateway"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// These tests run the authorizers through gateway.New, as a user wires
// them, beside the package's own tests of each authorizer alone.

const gwIssuer = "https://issuer.example"

var gwKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// gwKeys is the static JWKS publishing gwKey as kid "k1".
func gwKeys(t testing.TB) jwk.Set {
	t.Helper()
	k, err := jwk.FromRaw(&gwKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	_ = k.Set(jwk.KeyIDKey, "k1")
	set := jwk.NewSet()
	if err := set.AddKey(k); err != nil {
		t.Fatal(err)
	}
	return set
}

// gwSign signs claims with gwKey (RS256) under exactly the protected
// header fields given, alg included.
func gwSign(t testing.TB, header map[string]any, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	h := jws.NewHeaders()
	for k, v := range header {
		if k == "alg" {
			continue // set by jws.Sign
		}
		_ = h.Set(k, v)
	}
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256, gwKey(), jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	if alg, ok := header["alg"]; !ok || alg != "RS256" {
		// jws.Sign always writes alg; rebuild the header as asked (the
		// signature is then wrong, which the cases that do this expect
		// the authorizer never to reach).
		b, _ := json.Marshal(header)
		parts := strings.SplitN(string(out), ".", 2)
		return base64.RawURLEncoding.EncodeToString(b) + "." + parts[1]
	}
	return string(out)
}

// gwClaims are valid claims at now for audience "app", changed by mod.
func gwClaims(now time.Time, mod func(map[string]any)) map[string]any {
	c := map[string]any{
		"iss": gwIssuer, "aud": "app", "sub": "ada",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "scope": "pets/read pets/write",
	}
	if mod != nil {
		mod(c)
	}
	return c
}

// recorder is a backend that records the authorizer fields it saw.
type recorder struct {
	mu   sync.Mutex
	seen []apigw.Authorizer
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := apigw.FromContext(r.Context())
	rec.mu.Lock()
	rec.seen = append(rec.seen, c.Authorizer)
	rec.mu.Unlock()
	_, _ = w.Write([]byte("ok"))
}

func mustGateway(t testing.TB, opts ...gateway.Option) *gateway.Gateway {
	t.Helper()
	gw, err := gateway.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	return gw
}

func send(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestGatewayJWT runs the JWT trust cases of issue 14 through gateway.New:
// the audience rule, the kid requirement, JOSE header case, duplicate
// members, and the 403 Forbidden of a missing scope.
func TestGatewayJWT(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	jwtAuthz, err := authorizer.NewJWT(authorizer.JWTConfig{
		Issuer: gwIssuer, Audience: []string{"app"}, Keys: gwKeys(t),
		Now: func() time.Time { return now }, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	backend := &recorder{}
	gw := mustGateway(t,
		gateway.WithAuthorizer("users", jwtAuthz),
		gateway.Route("GET /pets", gateway.Method{Integration: gateway.Handler(backend), Authorizer: "users", AuthorizationScopes: []string{"pets/read"}}),
		gateway.Route("GET /admin", gateway.Method{Integration: gateway.Handler(backend), Authorizer: "users", AuthorizationScopes: []string{"admin"}}),
	)
	kid := map[string]any{"alg": "RS256", "kid": "k1"}
	valid := gwSign(t, kid, gwClaims(now, nil))
	for _, tt := range []struct {
		name      string
		path      string
		token     string
		status    int
		body      string
		challenge string
	}{
		{"valid", "/pets", valid, 200, "ok", ""},
		{"missing scope", "/admin", valid, 403, `{"message":"Forbidden"}`, `Bearer scope="admin" error="insufficient_scope"`},
		{"aud of another app, client_id ours", "/pets",
			gwSign(t, kid, gwClaims(now, func(c map[string]any) { c["aud"] = "other-app"; c["client_id"] = "app" })),
			401, `{"message":"Unauthorized"}`, "the token's audience is not accepted"},
		{"client_id ours without aud", "/pets",
			gwSign(t, kid, gwClaims(now, func(c map[string]any) { delete(c, "aud"); c["client_id"] = "app" })),
			200, "ok", ""},
		{"no kid", "/pets", gwSign(t, map[string]any{"alg": "RS256"}, gwClaims(now, nil)),
			401, `{"message":"Unauthorized"}`, "the token names no signing key (kid)"},
		{"Kid", "/pets", gwSign(t, map[string]any{"alg": "RS256", "Kid": "k1"}, gwClaims(now, nil)),
			401, `{"message":"Unauthorized"}`, "the token names no signing key (kid)"},
		{"Alg", "/pets", gwSign(t, map[string]any{"Alg": "RS256", "kid": "k1"}, gwClaims(now, nil)),
			401, `{"message":"Unauthorized"}`, "the signing algorithm is not accepted"},
		{"trailing whitespace after the token", "/pets", valid + " ", 200, "ok", ""},
		{"trailing garbage after the token", "/pets", valid + "x", 401, `{"message":"Unauthorized"}`, "the token is malformed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := send(gw, "GET", tt.path, "Authorization", "Bearer "+tt.token)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Fatalf("%d %s, want %d %s", w.Code, w.Body, tt.status, tt.body)
			}
			if !strings.Contains(w.Header().Get("WWW-Authenticate"), tt.challenge) {
				t.Fatalf("WWW-Authenticate %q, want %q", w.Header().Get("WWW-Authenticate"), tt.challenge)
			}
		})
	}
}

// TestGatewayRequestCachePoisoning: through gateway.New, a request with a
// repeated identity header or query string parameter never leaves an
// answer that another caller's request is served (issue 14 item 2), for a
// Handler and a Lambda proxy integration alike.
func TestGatewayRequestCachePoisoning(t *testing.T) {
	var calls atomic.Int64
	authz, err := authorizer.NewRequest(authorizer.RequestConfig{
		IdentitySources: []string{"method.request.header.X-User", "method.request.querystring.tenant"},
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			user := req.Headers["X-User"] // the last value, as AWS's single-value map has it
			if user == "attacker" {
				return events.APIGatewayCustomAuthorizerResponse{}, authorizer.ErrUnauthorized
			}
			return events.APIGatewayCustomAuthorizerResponse{
				PrincipalID: user + "@" + req.QueryStringParameters["tenant"],
				PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
					{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"*"}},
				}},
			}, nil
		},
		Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	lambda := func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: fmt.Sprint(ev.RequestContext.Authorizer["principalId"])}, nil
	}
	gw := mustGateway(t,
		gateway.WithAuthorizer("req", authz),
		gateway.Route("GET /handler", gateway.Method{Authorizer: "req", Integration: gateway.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, apigw.FromContext(r.Context()).Authorizer.PrincipalID)
		}))}),
		gateway.Route("GET /lambda", gateway.Method{Authorizer: "req", Integration: gateway.Lambda(lambda)}),
	)
	for _, path := range []string{"/handler", "/lambda"} {
		t.Run(path, func(t *testing.T) {
			for _, tt := range []struct {
				name   string
				query  string
				users  []string
				status int
				body   string
			}{
				{"attacker's value last", "?tenant=t", []string{"victim", "attacker"}, 401, `{"message":"Unauthorized"}`},
				{"victim's value last", "?tenant=t", []string{"attacker", "victim"}, 200, "victim@t"},
				{"victim alone", "?tenant=t", []string{"victim"}, 200, "victim@t"},
				{"tenant repeated", "?tenant=t&tenant=other", []string{"victim"}, 200, "victim@other"},
				{"victim alone again", "?tenant=t", []string{"victim"}, 200, "victim@t"},
			} {
				w := httptest.NewRecorder()
				r := httptest.NewRequest("GET", path+tt.query, nil)
				for _, u := range tt.users {
					r.Header.Add("X-User", u)
				}
				gw.ServeHTTP(w, r)
				if w.Code != tt.status || w.Body.String() != tt.body {
					t.Fatalf("%s: %d %s, want %d %s", tt.name, w.Code, w.Body, tt.status, tt.body)
				}
			}
		})
	}
	if n := calls.Load(); n != 5 {
		t.Fatalf("%d calls, want 5: the 401 is not cached, each other list of values once", n)
	}
}

// TestGatewayConcurrentFirstRequests: through gateway.New, 200 concurrent
// first requests over 50 tokens call a TOKEN authorizer's function exactly
// 50 times (issue 14 item 6b), whatever the interleaving.
func TestGatewayConcurrentFirstRequests(t *testing.T) {
	const tokens, perToken = 50, 4
	var calls atomic.Int64
	authz, err := authorizer.NewToken(authorizer.TokenConfig{
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			return events.APIGatewayCustomAuthorizerResponse{
				PrincipalID: req.AuthorizationToken,
				PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
					{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{req.MethodArn}},
				}},
			}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	gw := mustGateway(t,
		gateway.WithAuthorizer("tok", authz),
		gateway.Route("GET /pets", gateway.Method{Authorizer: "tok", Integration: gateway.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, apigw.FromContext(r.Context()).Authorizer.PrincipalID)
		}))}),
	)
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, tokens*perToken)
	for i := range tokens * perToken {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := fmt.Sprintf("tok-%d", i%tokens)
			<-start
			if w := send(gw, "GET", "/pets", "Authorization", tok); w.Code != 200 || w.Body.String() != tok {
				errs <- fmt.Sprintf("%s: %d %s", tok, w.Code, w.Body)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := calls.Load(); n != tokens {
		t.Fatalf("%d calls for %d requests over %d tokens, want %d", n, tokens*perToken, tokens, tokens)
	}
}
