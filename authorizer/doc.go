// Package authorizer implements the authorizers of Amazon API Gateway's
// method request: who may call a method.
//
//   - [NewJWT] / [NewCognito]: AWS's COGNITO_USER_POOLS authorizer (REST)
//     and JWT authorizer (HTTP APIs). The gateway verifies the token itself
//     with github.com/lestrrat-go/jwx/v2: the signature with the key of the
//     issuer's set that the header's kid names (a JWKS URL kept fresh by a
//     jwk.Cache, or a static set), exp/nbf/iat with a leeway against an
//     injected clock, iss, aud (client_id only for a token without aud),
//     token_use, and the method's scopes (scope or scp: at least one
//     required).
//   - [NewToken]: a Lambda authorizer of type TOKEN, as an in-process Go
//     function that gets events.APIGatewayCustomAuthorizerRequest and
//     answers with a principal and an IAM policy.
//   - [NewRequest]: a Lambda authorizer of type REQUEST, with identity
//     sources from headers, query strings, stage variables and $context; or,
//     with [RequestConfig.SimpleFunc], the HTTP API simple response.
//   - AWS_IAM (Signature Version 4) lives in package authorizer/iam, so
//     that only its users link aws-sdk-go-v2.
//
// Policies of every kind are judged by one IAM policy engine: the policies
// Lambda authorizers answer, the identity [Policy] of AWS_IAM callers, and
// the API's [ResourcePolicy], which [ResourcePolicy.Check] (or
// [ResourcePolicy.Guard]) combines with each method's authorization type
// as AWS's documented tables do.
//
// Each constructor checks its whole configuration and returns an error
// naming every bad field (MustNewJWT and the like panic instead, for
// examples). Each result is an [Authorizer]: the gateway calls Authorize
// for every request of a method that uses it. Without package gateway,
// [Middleware] makes any of them net/http middleware for a method's
// scopes, and each authorizer's Handler method is the shorthand for a
// method that requires none:
//
//	jwt, err := authorizer.NewJWT(authorizer.JWTConfig{
//		Issuer:   "https://issuer.example",
//		JWKSURL:  "https://issuer.example/.well-known/jwks.json",
//		Audience: []string{"my-app"},
//	})
//	if err != nil { ... }
//	defer jwt.Close() // stops the JWKS refreshes
//	http.Handle("/pets", authorizer.Middleware(jwt, []string{"pets/read"})(pets))
//	http.Handle("/me", jwt.Handler(me))
//
// Answers are AWS's, rendered by apigw.WriteError (so gateway responses can
// customise them): no or invalid credentials, 401 {"message":"Unauthorized"}
// (for JWTs with a WWW-Authenticate: Bearer challenge carrying
// error="invalid_token"); a policy that denies, 403 "User is not authorized
// to access this resource" or, for an explicit Deny, "... with an explicit
// deny"; a missing scope, 403 {"message":"Forbidden"}; a function that
// fails (with any message but exactly "Unauthorized"), panics or answers a
// malformed policy or context, 500 AUTHORIZER_CONFIGURATION_ERROR with a
// null message (logged with log/slog).
//
// Lambda-style answers are cached for the TTL (300 s by default, at most
// 3600 s, [NoCache] to turn off) keyed by the identity sources, in a bounded
// LRU whose entries expire by the injected clock; a cached policy is
// evaluated afresh against each request's method ARN, and concurrent first
// requests with the same identity call the function once (a caller whose
// client leaves stops waiting; the call goes on for the others).
//
// How it differs from AWS:
//   - Functions run in-process; a function is bounded by its context's
//     deadline (10 s by default) but cannot be killed if it ignores it.
//   - Beyond AWS, verified JWTs are kept in a bounded cache keyed by a hash
//     of the whole token (and checked against the whole token), never used
//     past the token's exp nor after the key set changed, so a repeated
//     token costs well under a microsecond instead of an RSA verification.
//   - A token naming an unknown kid refetches the JWKS at most once per
//     RefetchInterval; while the issuer is unreachable the keys held keep
//     working. An issuer whose keys were never fetched gives a 500
//     AUTHORIZER_FAILURE (apigw's choice) rather than a 401.
//   - PrincipalID of a JWT authorizer is the token's sub (AWS leaves it
//     empty); claims keep their JSON types (numbers as json.Number).
//   - Only "Unauthorized" errors and policy answers are distinguished; the
//     401 of a function is not cached, its policies (Allow or Deny) are.
//   - OIDC discovery is not done: give the JWKS URL (Cognito's is derived).
//   - Where AWS documents nothing, apigw refuses what could be read two
//     ways: a REQUEST identity header or query parameter sent several
//     times means all of its values (the function gets them all, and the
//     cache key holds them all; see [RequestConfig.IdentitySources]); a JWT
//     header or payload naming a member twice, or a signature of the wrong
//     length for its algorithm, is malformed.
package authorizer
