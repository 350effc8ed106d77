package authorizer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/lambdaevent"
	"github.com/apigw/apigw/internal/paramexpr"
	"github.com/aws/aws-lambda-go/events"
)

// RequestFunc is the function of a REQUEST authorizer: the Go form of a
// Lambda authorizer of type REQUEST (payload 1.0). It gets the request's
// method ARN, resource, path, headers, query string, path parameters,
// stage variables and request context, and answers as a [TokenFunc] does.
type RequestFunc func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)

// SimpleFunc is the function of an HTTP API Lambda authorizer with simple
// responses (payload 2.0): it answers {isAuthorized, context}. false is a
// 403 {"message":"Forbidden"}. Errors are treated as for a [TokenFunc].
type SimpleFunc func(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)

// RequestConfig configures a REQUEST authorizer. Exactly one of Func and
// SimpleFunc is required; IdentitySources is required unless TTL is
// [NoCache]; every other field has the default given in its comment.
type RequestConfig struct {
	// Func decides with an IAM policy.
	Func RequestFunc
	// SimpleFunc decides with an HTTP API simple response.
	SimpleFunc SimpleFunc
	// IdentitySources name the values that identify the caller and key the
	// cache: "method.request.header.X", "method.request.querystring.x",
	// "stageVariables.x" or "context.x" (HTTP API forms
	// "$request.header.X", "$request.querystring.x", "$stageVariables.x",
	// "$context.x" are accepted too). Path parameters cannot be identity
	// sources.
	//
	// A header or query string source means all of its values, in the
	// request's order: the function gets them all in multiValueHeaders or
	// multiValueQueryStringParameters (headers and queryStringParameters
	// carry the last), and the cache key holds them all, so a repeated
	// X-User can never be cached under one value while the function decided
	// on another. A request where a source has no value, or an empty one,
	// is refused with 401 without calling the function; so is one whose
	// http.Header holds an identity header under two spellings (possible
	// only when a handler writes the map directly). A SimpleFunc's
	// identitySource lists each source's values joined with commas, as the
	// 2.0 event's headers are.
	IdentitySources []string
	// TTL is how long an answer is cached, keyed by the identity sources'
	// values, and evaluated afresh against each request's method ARN.
	// Default: 300 s (0 means the default); at most 3600 s; [NoCache]
	// turns caching off.
	TTL time.Duration
	// CacheSize bounds the number of cached answers. Default: 10,000.
	CacheSize int
	// Timeout bounds one call of the function through its context.
	// Default: 10 s.
	Timeout time.Duration
	// Now is the clock the cache's TTL is checked against. Default: time.Now.
	Now func() time.Time
	// Logger receives the function's errors and panics and malformed
	// answers. Default: slog.Default().
	Logger *slog.Logger
}

// RequestAuthorizer is a Lambda-style REQUEST authorizer running a Go
// function in-process. Build one with [NewRequest]; a zero
// RequestAuthorizer (or a nil one) refuses every request with a 500
// AUTHORIZER_CONFIGURATION_ERROR. It is safe for simultaneous use by
// multiple goroutines and starts no goroutine.
type RequestAuthorizer struct {
	cfg     RequestConfig // as given, for Config
	fn      RequestFunc
	simple  SimpleFunc
	sources []identitySource
	core    *lambdaCore
}

type identitySource struct {
	name   string // as configured, for messages
	header string // canonical header name, for a header source
	query  string // parameter name, for a query string source
	src    paramexpr.Expr
}

// values resolves the source for r: every value of a header or query string
// parameter, in the request's order; the one value of any other source
// (one is the caller's space for it). nil means absent. query is r's parsed
// query string, made on first use: the same parse as the event's.
func (s *identitySource) values(r *http.Request, c *apigw.Context, query *url.Values, one *[1]string) []string {
	switch {
	case s.header == "Host":
		// The event carries the request's Host, never a Host header.
		if r.Host == "" {
			return nil
		}
		one[0] = r.Host
		return one[:]
	case s.header != "":
		return r.Header[s.header]
	case s.query != "":
		if *query == nil {
			*query = r.URL.Query()
		}
		return (*query)[s.query]
	}
	if one[0], _ = s.src.Value(&paramexpr.Request{Context: c, StageVariables: c.StageVariables}); one[0] == "" {
		return nil
	}
	return one[:]
}

// otherSpelling reports whether h holds the header name (canonical) under
// another spelling too, as only a handler that writes the map directly can
// make: the event would carry both, and which one a function reads is its
// business, so such a request has no single identity.
func otherSpelling(h http.Header, name string) bool {
	for k := range h {
		if len(k) == len(name) && k != name && strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// appendKey appends vals to a cache key so that no two lists of lists of
// values share a key: the number of values, then each value's length and
// bytes.
func appendKey(key []byte, vals []string) []byte {
	key = strconv.AppendInt(key, int64(len(vals)), 10)
	key = append(key, '#')
	for _, v := range vals {
		key = strconv.AppendInt(key, int64(len(v)), 10)
		key = append(key, ':')
		key = append(key, v...)
	}
	return key
}

// NewRequest returns a REQUEST authorizer for cfg, or an error naming each
// bad field.
func NewRequest(cfg RequestConfig) (*RequestAuthorizer, error) {
	core, errs := newLambdaCore("REQUEST", "RequestConfig", lambdaSettings{
		TTL: cfg.TTL, CacheSize: cfg.CacheSize, Timeout: cfg.Timeout, Now: cfg.Now, Logger: cfg.Logger,
	})
	a := &RequestAuthorizer{cfg: cfg, fn: cfg.Func, simple: cfg.SimpleFunc, core: core}
	a.cfg.IdentitySources = append([]string(nil), cfg.IdentitySources...)
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("authorizer: RequestConfig."+format, args...))
	}
	switch {
	case cfg.Func == nil && cfg.SimpleFunc == nil:
		bad("Func or SimpleFunc: one is required")
	case cfg.Func != nil && cfg.SimpleFunc != nil:
		bad("Func and SimpleFunc: set only one")
	}
	for i, s := range cfg.IdentitySources {
		src, err := parseIdentitySource(s)
		if err != nil {
			bad("IdentitySources[%d]: %v", i, err)
			continue
		}
		is := identitySource{name: s, src: src}
		if h, ok := strings.CutPrefix(normalizeSource(s), "method.request.header."); ok {
			is.header = textproto.CanonicalMIMEHeaderKey(h)
		} else if q, ok := strings.CutPrefix(normalizeSource(s), "method.request.querystring."); ok {
			is.query = q
		}
		a.sources = append(a.sources, is)
	}
	if len(cfg.IdentitySources) == 0 && core.cache != nil {
		bad("IdentitySources: required while results are cached (or set TTL to NoCache)")
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

// parseIdentitySource accepts the REST and HTTP API spellings of a header,
// query string, stage variable or context identity source.
func parseIdentitySource(s string) (paramexpr.Expr, error) {
	return paramexpr.Parse(s, paramexpr.IdentitySources)
}

// normalizeSource turns an HTTP API identity source ($request.header.X)
// into its REST form (method.request.header.X).
func normalizeSource(s string) string {
	n := s
	switch {
	case strings.HasPrefix(n, "$request.header."):
		n = "method.request.header." + n[len("$request.header."):]
	case strings.HasPrefix(n, "$request.querystring."):
		n = "method.request.querystring." + n[len("$request.querystring."):]
	case strings.HasPrefix(n, "$request.path."):
		n = "method.request.path." + n[len("$request.path."):]
	case strings.HasPrefix(n, "$stageVariables."), strings.HasPrefix(n, "$context."):
		n = n[1:]
	}
	return n
}

// MustNewRequest is like [NewRequest] but panics on a bad configuration;
// it is meant for examples and tests whose configuration is a literal.
func MustNewRequest(cfg RequestConfig) *RequestAuthorizer {
	return must(NewRequest(cfg))
}

// Close returns nil: a REQUEST authorizer has no background work.
func (a *RequestAuthorizer) Close() error { return nil }

// Handler returns next behind the authorizer, without package gateway; it
// is shorthand for Middleware(a, nil)(next).
func (a *RequestAuthorizer) Handler(next http.Handler) http.Handler {
	return Middleware(a, nil)(next)
}

// Authorize resolves the identity sources (one absent or empty: 401 without
// calling the function), gets the function's answer from the cache or a
// call, and evaluates it for the request: a policy against c.MethodARN(),
// a simple response as it is. On success it sets c.Authorizer's
// PrincipalID, Context and UsageIdentifierKey; the Context map is shared
// with the cache and must not be modified. Scopes are ignored.
func (a *RequestAuthorizer) Authorize(r *http.Request, c *apigw.Context, _ []string) error {
	if a == nil || a.core == nil {
		return configError(errNotBuilt)
	}
	var identity []string // for a SimpleFunc's identitySource
	if a.simple != nil {
		identity = make([]string, len(a.sources))
	}
	var query url.Values
	var buf [256]byte
	key := buf[:0]
	for i := range a.sources {
		s := &a.sources[i]
		var one [1]string
		vals := s.values(r, c, &query, &one)
		if len(vals) == 0 || slices.Contains(vals, "") {
			return missingIdentity(s.name)
		}
		if s.header != "" && otherSpelling(r.Header, s.header) {
			return unauthorized(errors.New("authorizer: identity source " + s.name + " is sent under two spellings"))
		}
		if identity != nil {
			identity[i] = strings.Join(vals, ",") // as the 2.0 event's headers and query string join them
		}
		// The key holds every value the function is given, in order: the
		// cache can never answer one request with the result computed for
		// another whose identity values differ.
		key = appendKey(key, vals)
	}
	k := string(key)
	if res, ok := a.core.cached(k); ok {
		err := res.apply(c)
		c.AuthorizerCached = true
		return err
	}
	var fn func(context.Context) (*result, error)
	if a.simple != nil {
		ev := simpleEvent(r, c, identity)
		fn = func(ctx context.Context) (*result, error) {
			resp, err := a.simple(ctx, ev)
			if err != nil {
				return nil, funcError{err}
			}
			return simpleResult(resp)
		}
	} else {
		ev := requestEvent(r, c)
		fn = func(ctx context.Context) (*result, error) {
			resp, err := a.fn(ctx, ev)
			if err != nil {
				return nil, funcError{err}
			}
			return policyResult(resp)
		}
	}
	res, err := a.core.call(r.Context(), k, c.RequestID, fn)
	if err != nil {
		return err
	}
	return res.apply(c)
}

// requestEvent builds the payload 1.0 input of a REQUEST authorizer; every
// map is the function's own copy.
func requestEvent(r *http.Request, c *apigw.Context) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	arn := c.MethodARN()
	ev := events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:           "REQUEST",
		MethodArn:      arn,
		Resource:       c.ResourcePath,
		Path:           c.StagePath,
		HTTPMethod:     c.HTTPMethod,
		PathParameters: maps.Clone(c.PathParameters),
		StageVariables: maps.Clone(c.StageVariables),
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path:         c.Path,
			AccountID:    c.AccountID,
			ResourceID:   c.ResourceID,
			Stage:        c.Stage,
			RequestID:    c.RequestID,
			Identity:     events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{APIKey: c.Identity.APIKey, SourceIP: c.Identity.SourceIP},
			ResourcePath: c.ResourcePath,
			HTTPMethod:   c.HTTPMethod,
			APIID:        c.APIID,
		},
	}
	ev.Headers, ev.MultiValueHeaders = lambdaevent.HeadersV1(r)
	if ev.Headers == nil {
		ev.Headers, ev.MultiValueHeaders = map[string]string{}, map[string][]string{}
	}
	ev.QueryStringParameters, ev.MultiValueQueryStringParameters = lambdaevent.QueryV1(r)
	return ev
}

// simpleEvent builds the payload 2.0 input of an HTTP API authorizer.
func simpleEvent(r *http.Request, c *apigw.Context, identity []string) events.APIGatewayV2CustomAuthorizerV2Request {
	arn := c.MethodARN()
	path := c.StagePath
	routeKey := c.RouteKey // the route's key, ANY and $default as written
	if routeKey == "" {
		routeKey = c.HTTPMethod + " " + c.ResourcePath
	}
	ev := events.APIGatewayV2CustomAuthorizerV2Request{
		Version:        "2.0",
		Type:           "REQUEST",
		RouteArn:       arn,
		IdentitySource: identity,
		RouteKey:       routeKey,
		RawPath:        path,
		RawQueryString: r.URL.RawQuery,
		PathParameters: maps.Clone(c.PathParameters),
		StageVariables: maps.Clone(c.StageVariables),
		RequestContext: lambdaevent.RequestContextV2(r, c, routeKey, path),
	}
	ev.Headers, ev.Cookies = lambdaevent.HeadersV2(r)
	ev.QueryStringParameters = lambdaevent.QueryV2(r)
	return ev
}
