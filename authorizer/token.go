package authorizer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/apigw/apigw"
	"github.com/aws/aws-lambda-go/events"
)

// TokenFunc is the function of a TOKEN authorizer: the Go form of a Lambda
// authorizer of type TOKEN. It gets {type: "TOKEN", authorizationToken,
// methodArn} and answers with a principal id, an IAM policy and optionally
// a context map and a usage identifier key. Returning [ErrUnauthorized]
// (or any error whose message is exactly "Unauthorized") refuses the
// caller with 401; any other error, a wrapped ErrUnauthorized included, is
// a 500.
type TokenFunc func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error)

// TokenConfig configures a TOKEN authorizer. Func is required; every other
// field has the default given in its comment.
type TokenConfig struct {
	// Func decides. Required.
	Func TokenFunc
	// Header is the identity source: the header whose value is passed as
	// authorizationToken, as it is (a "Bearer " prefix included).
	// "method.request.header.X" is accepted too. Default: "Authorization".
	Header string
	// ValidationExpression, when set, is a regular expression the whole
	// token must match (it is anchored at both ends); a token that does not
	// is refused with 401 without calling Func.
	ValidationExpression string
	// TTL is how long an answer is cached, keyed by the token, and
	// evaluated afresh against each request's method ARN. Default: 300 s
	// (0 means the default); at most 3600 s; [NoCache] turns caching off.
	TTL time.Duration
	// CacheSize bounds the number of cached answers. Default: 10,000.
	CacheSize int
	// Timeout bounds one call of Func through its context. Default: 10 s.
	Timeout time.Duration
	// Now is the clock the cache's TTL is checked against. Default: time.Now.
	Now func() time.Time
	// Logger receives Func's errors and panics and malformed answers.
	// Default: slog.Default().
	Logger *slog.Logger
}

// TokenAuthorizer is a Lambda-style TOKEN authorizer running a Go function
// in-process. Build one with [NewToken]; a zero TokenAuthorizer (or a nil
// one) refuses every request with a 500 AUTHORIZER_CONFIGURATION_ERROR. It
// is safe for simultaneous use by multiple goroutines and starts no
// goroutine.
type TokenAuthorizer struct {
	cfg    TokenConfig // as given, for Config
	fn     TokenFunc
	header string
	valid  *regexp.Regexp
	core   *lambdaCore
}

// NewToken returns a TOKEN authorizer for cfg, or an error naming each bad
// field.
func NewToken(cfg TokenConfig) (*TokenAuthorizer, error) {
	core, errs := newLambdaCore("TOKEN", "TokenConfig", lambdaSettings{
		TTL: cfg.TTL, CacheSize: cfg.CacheSize, Timeout: cfg.Timeout, Now: cfg.Now, Logger: cfg.Logger,
	})
	a := &TokenAuthorizer{cfg: cfg, fn: cfg.Func, core: core}
	if cfg.Func == nil {
		errs = append(errs, errors.New("authorizer: TokenConfig.Func: required"))
	}
	h, err := tokenHeader(cfg.Header)
	if err != nil {
		errs = append(errs, fmt.Errorf("authorizer: TokenConfig.Header: %w", err))
	}
	a.header = h
	if cfg.ValidationExpression != "" {
		re, err := regexp.Compile(`^(?:` + cfg.ValidationExpression + `)$`)
		if err != nil {
			errs = append(errs, fmt.Errorf("authorizer: TokenConfig.ValidationExpression %q: %w", cfg.ValidationExpression, err))
		}
		a.valid = re
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

// MustNewToken is like [NewToken] but panics on a bad configuration; it is
// meant for examples and tests whose configuration is a literal.
func MustNewToken(cfg TokenConfig) *TokenAuthorizer {
	return must(NewToken(cfg))
}

// Close returns nil: a TOKEN authorizer has no background work.
func (a *TokenAuthorizer) Close() error { return nil }

// Handler returns next behind the authorizer, without package gateway; it
// is shorthand for Middleware(a, nil)(next).
func (a *TokenAuthorizer) Handler(next http.Handler) http.Handler {
	return Middleware(a, nil)(next)
}

// Authorize reads the token from the identity-source header (absent,
// empty, sent twice or not matching the validation expression: 401 without
// calling the function), gets the function's answer from the cache or a
// call, and evaluates its policy against c.MethodARN(). On success it sets
// c.Authorizer's PrincipalID, Context and UsageIdentifierKey; the Context
// map is shared with the cache and must not be modified. Scopes are
// ignored, as AWS ignores them for Lambda authorizers.
func (a *TokenAuthorizer) Authorize(r *http.Request, c *apigw.Context, _ []string) error {
	if a == nil || a.core == nil {
		return configError(errNotBuilt)
	}
	tok := singleHeader(r, a.header)
	if tok == "" {
		return missingIdentity("header " + a.header)
	}
	if a.valid != nil && !a.valid.MatchString(tok) {
		return unauthorized(errors.New("authorizer: the token does not match the validation expression"))
	}
	if res, ok := a.core.cached(tok); ok {
		err := res.apply(c)
		c.AuthorizerCached = true
		return err
	}
	ev := events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: tok, MethodArn: c.MethodARN()}
	res, err := a.core.call(r.Context(), tok, c.RequestID, func(ctx context.Context) (*result, error) {
		resp, err := a.fn(ctx, ev)
		if err != nil {
			return nil, funcError{err}
		}
		return policyResult(resp)
	})
	if err != nil {
		return err
	}
	return res.apply(c)
}
