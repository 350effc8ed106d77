package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// TestHTTPAPIAuthorizers: an HTTP API's JWT authorizer (identity source
// $request.header.Authorization, scopes per route: 403 without them) and
// Lambda REQUEST authorizer with simple responses (a missing identity
// source is 401 without calling it), answering as HTTP APIs do and filling
// requestContext.authorizer.jwt / .lambda as AWS fills them.
func TestHTTPAPIAuthorizers(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	priv, _ := jwk.FromRaw(key)
	_ = priv.Set(jwk.KeyIDKey, "k1")
	_ = priv.Set(jwk.AlgorithmKey, jwa.RS256)
	pub, _ := priv.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	sign := func(scope string) string {
		tok, _ := jwt.NewBuilder().Issuer("https://issuer.example").Subject("ada").Audience([]string{"items-api"}).
			Expiration(time.Now().Add(time.Hour)).Claim("scope", scope).Build()
		b, _ := jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv))
		return "Bearer " + string(b)
	}
	calls := 0
	simple := func(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		calls++
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: req.Headers["x-key"] == "open-sesame",
			Context: map[string]any{"tier": "gold", "n": 3}}, nil
	}
	var ev events.APIGatewayV2HTTPRequest
	fn := LambdaV2(func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		ev = e
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "ok"}, nil
	})
	gw := mustNew(t, WithHTTPAPI(),
		WithAuthorizer("jwt", authorizer.MustNewJWT(authorizer.JWTConfig{Issuer: "https://issuer.example", Audience: []string{"items-api"},
			Keys: set, Header: "$request.header.Authorization"})),
		WithAuthorizer("lambda", authorizer.MustNewRequest(authorizer.RequestConfig{SimpleFunc: simple,
			IdentitySources: []string{"$request.header.x-key"}, Logger: discardLogger()})),
		Route("PUT /items", Method{Integration: fn, Authorizer: "jwt", AuthorizationScopes: []string{"items/write"}}),
		Route("GET /lambda", Method{Integration: fn, Authorizer: "lambda"}),
	)
	defer gw.Close()

	if rec := do(t, gw, "PUT", "/items", "", "Authorization", sign("items/write")); rec.Code != 200 {
		t.Fatalf("PUT with the scope: %d %s", rec.Code, rec.Body)
	}
	if a := ev.RequestContext.Authorizer; a == nil || a.JWT == nil || a.JWT.Claims["sub"] != "ada" || len(a.JWT.Scopes) != 1 || a.JWT.Scopes[0] != "items/write" {
		t.Errorf("jwt in the event: %+v", ev.RequestContext.Authorizer)
	}
	wantHTTPAPIError(t, do(t, gw, "PUT", "/items", "", "Authorization", sign("items/read")), 403, "Forbidden")
	wantHTTPAPIError(t, do(t, gw, "PUT", "/items", ""), 401, "Unauthorized")

	if rec := do(t, gw, "GET", "/lambda", "", "X-Key", "open-sesame"); rec.Code != 200 {
		t.Fatalf("simple authorizer, allowed: %d %s", rec.Code, rec.Body)
	}
	b, _ := json.Marshal(ev.RequestContext.Authorizer)
	if string(b) != `{"lambda":{"n":3,"tier":"gold"}}` {
		t.Errorf("lambda in the event: %s", b)
	}
	wantHTTPAPIError(t, do(t, gw, "GET", "/lambda", "", "X-Key", "nope"), 403, "Forbidden")
	before := calls
	wantHTTPAPIError(t, do(t, gw, "GET", "/lambda", ""), 401, "Unauthorized")
	if calls != before {
		t.Error("the authorizer was called without its identity source")
	}
}
