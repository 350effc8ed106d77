package authorizer

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/paramexpr"
)

// Authorizer decides whether a request may call a method. The JWT,
// Cognito, TOKEN and REQUEST authorizers of this package implement it; all
// are safe for simultaneous use by multiple goroutines. Their constructors
// (NewJWT, NewCognito, NewToken, NewRequest) check the whole configuration
// and return every mistake at once, so an Authorizer in hand is a working
// one.
type Authorizer interface {
	// Authorize checks r for a method that requires scopes (only JWT
	// authorizers read them; Lambda-style authorizers ignore them, as AWS
	// does). On success it fills c.Authorizer and returns nil; otherwise it
	// returns an *apigw.Error to render with apigw.WriteError: 401
	// UNAUTHORIZED, 403 ACCESS_DENIED, or 500 AUTHORIZER_CONFIGURATION_ERROR
	// or AUTHORIZER_FAILURE.
	Authorize(r *http.Request, c *apigw.Context, scopes []string) error
	// Close stops the authorizer's background work (JWKS refreshes). It is
	// idempotent and returns nil for authorizers that have none.
	Close() error
}

// Compile-time checks that every authorizer of the package is one.
var (
	_ Authorizer = (*JWTAuthorizer)(nil)
	_ Authorizer = (*TokenAuthorizer)(nil)
	_ Authorizer = (*RequestAuthorizer)(nil)
)

// Middleware returns net/http middleware that runs a for every request with
// the method's required scopes, as package gateway runs it for a method: it
// attaches an apigw.Context when the request has none, answers a refusal
// with apigw.WriteError, and otherwise calls next with c.Authorizer filled
// in. The scopes are copied; a nil a refuses every request with a 500. Each
// authorizer's Handler method is shorthand for Middleware(a, nil)(next).
func Middleware(a Authorizer, scopes []string) func(http.Handler) http.Handler {
	scopes = slices.Clone(scopes)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, c := apigw.EnsureContext(r)
			var err error
			if a == nil {
				err = configError(errors.New("authorizer: nil Authorizer"))
			} else {
				err = a.Authorize(r, c, scopes)
			}
			if err != nil {
				apigw.WriteError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ValidateScopes checks a method's authorization scopes at build time: each
// must be a non-empty RFC 6749 scope token (printable ASCII without space,
// '"' or '\'), since it is echoed in WWW-Authenticate challenges.
func ValidateScopes(scopes []string) error {
	var errs []error
	for i, s := range scopes {
		if s == "" {
			errs = append(errs, fmt.Errorf("authorizer: scopes[%d]: empty scope", i))
			continue
		}
		for j := 0; j < len(s); j++ {
			if !isScopeChar(s[j]) {
				errs = append(errs, fmt.Errorf("authorizer: scopes[%d] %q: byte %#x is not allowed in a scope", i, s, s[j]))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// isScopeChar is RFC 6749's NQCHAR: %x21 / %x23-5B / %x5D-7E.
func isScopeChar(b byte) bool {
	return b == 0x21 || b >= 0x23 && b <= 0x5B || b >= 0x5D && b <= 0x7E
}

// ErrUnauthorized is the error a TOKEN or REQUEST function returns to refuse
// the caller with 401 Unauthorized, as a Lambda authorizer does by failing
// with the message "Unauthorized". What counts is the message, as in AWS:
// any error whose Error() is exactly "Unauthorized" is a 401, and every
// other error is a 500 AUTHORIZER_CONFIGURATION_ERROR, including one that
// wraps ErrUnauthorized under a longer message ("bad token: Unauthorized").
var ErrUnauthorized = errors.New("Unauthorized")

// NoCache, as a TTL, turns the authorizer result cache off: the function is
// called for every request, as AWS does with a TTL of 0.
const NoCache time.Duration = -1

// Result-cache limits, as AWS has them.
const (
	// DefaultTTL is how long a Lambda-style result is cached when TTL is 0.
	DefaultTTL = 300 * time.Second
	// MaxTTL is the longest TTL AWS allows.
	MaxTTL = 3600 * time.Second
	// DefaultTimeout bounds one call of a Lambda-style function.
	DefaultTimeout = 10 * time.Second
	// DefaultCacheSize bounds each authorizer's result or token cache.
	DefaultCacheSize = 10000
)

// errNotBuilt is the configuration error of an authorizer that was not made
// by its constructor (a zero value, or nil).
var errNotBuilt = errors.New("authorizer: not built by its constructor")

// must returns a, or panics with err: the body of the MustNew functions.
func must[T any](a T, err error) T {
	if err != nil {
		panic(err)
	}
	return a
}

// configError is the refusal of an authorizer whose configuration is bad.
func configError(err error) *apigw.Error {
	return &apigw.Error{Type: apigw.AuthorizerConfigurationError, NullMessage: true, Err: err}
}

// unauthorized is the plain 401 of a Lambda-style authorizer.
func unauthorized(cause error) *apigw.Error {
	return &apigw.Error{Type: apigw.Unauthorized, Err: cause}
}

// Messages of AWS's ACCESS_DENIED responses.
const (
	msgNotAuthorized = "User is not authorized to access this resource"
	msgExplicitDeny  = "User is not authorized to access this resource with an explicit deny"
)

// nowFunc returns f, or time.Now when f is nil.
func nowFunc(f func() time.Time) func() time.Time {
	if f == nil {
		return time.Now
	}
	return f
}

// tokenHeader is the header a JWT or TOKEN authorizer reads, in canonical
// form: a header name, or an identity source naming one
// ("method.request.header.X", "$request.header.X"); "" is Authorization.
func tokenHeader(source string) (string, error) {
	switch {
	case source == "":
		return "Authorization", nil
	case strings.HasPrefix(source, "method.request.") || strings.HasPrefix(source, "$request."):
		e, err := paramexpr.Parse(source, paramexpr.Kinds(paramexpr.RequestHeader, paramexpr.RequestMultiHeader))
		if err != nil {
			return "", err
		}
		return e.Name, nil
	case !validHeaderName(source):
		return "", fmt.Errorf("%q is not a header name", source)
	}
	return textproto.CanonicalMIMEHeaderKey(source), nil
}
