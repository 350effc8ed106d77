package authorizer_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// A JWT authorizer on an issuer's JWKS endpoint, protecting a handler that
// requires the scope pets/read.
func ExampleNewJWT() {
	// The issuer: an RSA key, published as a JWKS.
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	signingKey, _ := jwk.FromRaw(key)
	_ = signingKey.Set(jwk.KeyIDKey, "key-1")
	_ = signingKey.Set(jwk.AlgorithmKey, jwa.RS256)
	publicKey, _ := signingKey.PublicKey()
	jwks := jwk.NewSet()
	_ = jwks.AddKey(publicKey)
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jwks)
	}))
	defer idp.Close()

	authz, err := authorizer.NewJWT(authorizer.JWTConfig{
		Issuer:   "https://issuer.example",
		Audience: []string{"pets-app"},
		JWKSURL:  idp.URL + "/.well-known/jwks.json",
	})
	if err != nil {
		panic(err)
	}
	defer authz.Close() // stops the JWKS refreshes

	pets := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s, scopes %v", c.Authorizer.PrincipalID, c.Authorizer.Scopes)
	})
	h := authorizer.Middleware(authz, []string{"pets/read"})(pets)

	issue := func(scope string) string {
		tok, _ := jwt.NewBuilder().
			Issuer("https://issuer.example").Audience([]string{"pets-app"}).Subject("alice").
			Expiration(time.Now().Add(time.Hour)).Claim("scope", scope).Build()
		signed, _ := jwt.Sign(tok, jwt.WithKey(jwa.RS256, signingKey))
		return string(signed)
	}
	for _, auth := range []string{"Bearer " + issue("pets/read"), "Bearer " + issue("orders/read"), "Bearer forged.token.here", ""} {
		r := httptest.NewRequest("GET", "/pets", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 hello alice, scopes [pets/read]
	// 403 {"message":"Forbidden"}
	// 401 {"message":"Unauthorized"}
	// 401 {"message":"Unauthorized"}
}

// AWS's sample TOKEN authorizer: "allow" is allowed, "deny" is denied,
// "unauthorized" is a 401 and anything else an error (500).
func ExampleNewToken() {
	authz := authorizer.MustNewToken(authorizer.TokenConfig{
		Func: func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			policy := func(effect string) events.APIGatewayCustomAuthorizerResponse {
				return events.APIGatewayCustomAuthorizerResponse{
					PrincipalID: "user",
					PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
						Version: "2012-10-17",
						Statement: []events.IAMPolicyStatement{{
							Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{req.MethodArn},
						}},
					},
				}
			}
			switch req.AuthorizationToken {
			case "allow":
				return policy("Allow"), nil
			case "deny":
				return policy("Deny"), nil
			case "unauthorized":
				return events.APIGatewayCustomAuthorizerResponse{}, authorizer.ErrUnauthorized
			default:
				return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Error: Invalid token")
			}
		},
		Logger: quiet,
	})
	admin := authz.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "welcome ", apigw.FromContext(r.Context()).Authorizer.PrincipalID)
	}))
	for _, tok := range []string{"allow", "deny", "unauthorized", "bogus"} {
		r := httptest.NewRequest("GET", "/admin", nil)
		r.Header.Set("Authorization", tok)
		w := httptest.NewRecorder()
		admin.ServeHTTP(w, r)
		fmt.Println(tok, w.Code, w.Body.String())
	}
	// Output:
	// allow 200 welcome user
	// deny 403 {"message":"User is not authorized to access this resource with an explicit deny"}
	// unauthorized 401 {"message":"Unauthorized"}
	// bogus 500 {"message":null}
}

// A REQUEST authorizer keyed by a header and a query string parameter; a
// request without them never reaches the function.
func ExampleNewRequest() {
	authz, err := authorizer.NewRequest(authorizer.RequestConfig{
		IdentitySources: []string{"method.request.header.X-Tenant", "method.request.querystring.user"},
		TTL:             time.Minute,
		Func: func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{
				PrincipalID: req.QueryStringParameters["user"],
				PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
					Version:   "2012-10-17",
					Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"*"}}},
				},
				Context: map[string]any{"tenant": req.Headers["X-Tenant"], "tier": 2},
			}, nil
		},
	})
	if err != nil {
		panic(err)
	}
	h := authz.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		tenant, _ := c.Var("authorizer.tenant")
		tier, _ := c.Var("authorizer.tier")
		fmt.Fprintf(w, "%s of %s (tier %s)", c.Authorizer.PrincipalID, tenant, tier)
	}))
	for _, target := range []string{"/orders?user=bob", "/orders"} {
		r := httptest.NewRequest("GET", target, nil)
		r.Header.Set("X-Tenant", "acme")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 bob of acme (tier 2)
	// 401 {"message":"Unauthorized"}
}

// The issuer and JWKS a Cognito user pool's tokens are checked against.
func ExampleCognitoConfig_JWTConfig() {
	cfg, err := authorizer.CognitoConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_AbCdEf123", ClientIDs: []string{"my-client"}}.JWTConfig()
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.Issuer)
	fmt.Println(cfg.JWKSURL)
	// Output:
	// https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123
	// https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json
}
