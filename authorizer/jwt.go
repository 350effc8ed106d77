package authorizer

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// JWTConfig configures a JWT authorizer: AWS's Cognito user-pool authorizer
// of REST APIs and the JWT authorizer of HTTP APIs. The zero value is not
// valid: Issuer and one of JWKSURL or Keys are required; every other field
// has the default given in its comment.
type JWTConfig struct {
	// Issuer is the value the iss claim must equal. Required.
	Issuer string
	// Audience lists the accepted audiences: the token's aud (a string or
	// a list) must contain one of them; only a token without aud, such as
	// a Cognito access token, is judged by its client_id instead (AWS's
	// rule: a token whose aud names another app is refused even when its
	// client_id is ours). Default: empty, the audience is not checked (as
	// REST Cognito authorizers do).
	Audience []string
	// TokenUse, when set, is the value the token_use claim must have:
	// "id" or "access" (Cognito). Default: not checked.
	TokenUse string

	// JWKSURL is where the issuer publishes its JSON Web Key Set. The keys
	// are fetched on first use, refreshed every RefreshInterval by a
	// jwk.Cache, and refetched when a token names an unknown kid (at most
	// once per RefetchInterval). A failed fetch keeps the keys already held.
	// It must be https, or http on a loopback address (or with
	// AllowInsecureJWKS). Exactly one of JWKSURL and Keys is set.
	JWKSURL string
	// Keys is a static key set, used as it is (never refreshed). It may
	// hold HMAC secrets (kty "oct", at least 32 bytes) for HS256/384/512
	// when Algorithms allows them.
	Keys jwk.Set

	// Algorithms lists the accepted signature algorithms ("RS256", "PS256",
	// "ES256", "EdDSA", "HS256", ...). Default: every asymmetric one
	// (RS256/384/512, PS256/384/512, ES256/384/512, EdDSA). "none" is
	// never accepted; HMAC algorithms only with a static Keys set. Whatever
	// is listed, a token is verified only with a key of the matching type,
	// so an HS256 token is never checked against an RSA public key.
	Algorithms []string
	// Header is the request header carrying the token, with or without a
	// "Bearer " prefix. "method.request.header.X" and "$request.header.X"
	// are accepted too. Default: "Authorization".
	Header string
	// Leeway is the clock skew tolerated on exp, nbf and iat. Default: 0.
	Leeway time.Duration
	// MaxTokenBytes refuses longer tokens with 401 before any parsing.
	// Default: 8192.
	MaxTokenBytes int

	// RefreshInterval is how often the JWKS is refetched in the
	// background, by jwk.Cache on the real clock (only token checks and
	// RefetchInterval use Now). Default: 15 minutes; at least 1 second.
	RefreshInterval time.Duration
	// RefetchInterval is the least time between two fetches made because a
	// token named a kid that is not held (so forged kids cause no fetch
	// storm). Default: 1 minute. While no key set has been fetched at all,
	// failed fetches are retried after min(RefetchInterval, 5 s).
	RefetchInterval time.Duration
	// HTTPClient fetches the JWKS. Default: a client with a 10 s timeout.
	// Each fetch is also bounded to 10 s and 1 MiB.
	HTTPClient *http.Client
	// AllowInsecureJWKS permits an http JWKSURL on a non-loopback host.
	AllowInsecureJWKS bool

	// TokenCacheSize bounds the cache of verified tokens (keyed by a hash
	// of the whole token, never used past the token's exp nor after the key
	// set changed), which makes a repeated token cost well under a
	// microsecond. Default: 10,000; negative turns the cache off.
	TokenCacheSize int
	// Now is the clock that exp, nbf, iat, the token cache and the refetch
	// interval are checked against. Default: time.Now.
	Now func() time.Time
	// Logger receives JWKS fetch failures and skipped keys. Default:
	// slog.Default().
	Logger *slog.Logger

	// cognito: made by CognitoConfig.JWTConfig, for AWS's
	// COGNITO_USER_POOLS authorizer (see JWTAuthorizer.cognito).
	cognito bool
}

// JWTAuthorizer verifies JSON Web Tokens as AWS's Cognito and JWT
// authorizers do, with the keys of one issuer. Build one with [NewJWT] or
// [NewCognito]; a zero JWTAuthorizer (or a nil one) refuses every request
// with a 500 AUTHORIZER_CONFIGURATION_ERROR. It is safe for simultaneous
// use by multiple goroutines; with a JWKSURL it runs background refreshes
// from its first request until [JWTAuthorizer.Close].
type JWTAuthorizer struct {
	cfg      JWTConfig // as given, for Config
	issuer   string
	audience []string
	tokenUse string
	// cognito: a COGNITO_USER_POOLS authorizer (NewCognito), on whose
	// methods with scopes AWS accepts access tokens only, their scope
	// claim alone.
	cognito   bool
	allowed   algSet
	verifiers [numAlgs]jws.Verifier
	header    string // canonical
	leeway    time.Duration
	maxToken  int
	refetch   time.Duration
	now       func() time.Time
	log       *slog.Logger

	keys   atomic.Pointer[keySet]
	remote *remoteKeys // nil for a static key set

	tokens *ttlCache[uint64, *verified] // nil when off
	seed   maphash.Seed
}

// MustNewJWT is like [NewJWT] but panics on a bad configuration; it is
// meant for examples and tests whose configuration is a literal.
func MustNewJWT(cfg JWTConfig) *JWTAuthorizer {
	return must(NewJWT(cfg))
}

// NewJWT returns a JWT authorizer for cfg, or an error naming each bad
// field. With a JWKSURL, nothing is fetched before the first request (or
// [JWTAuthorizer.Refresh]).
func NewJWT(cfg JWTConfig) (*JWTAuthorizer, error) {
	a := &JWTAuthorizer{
		cfg:      cfg,
		issuer:   cfg.Issuer,
		audience: append([]string(nil), cfg.Audience...),
		tokenUse: cfg.TokenUse,
		cognito:  cfg.cognito,
		leeway:   cfg.Leeway,
		maxToken: cfg.MaxTokenBytes,
		refetch:  cfg.RefetchInterval,
		now:      nowFunc(cfg.Now),
		log:      cfg.Logger,
		seed:     maphash.MakeSeed(),
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.maxToken == 0 {
		a.maxToken = 8192
	}
	if a.refetch == 0 {
		a.refetch = time.Minute
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("authorizer: JWTConfig."+format, args...))
	}

	if cfg.Issuer == "" {
		bad("Issuer: required")
	}
	for i, aud := range cfg.Audience {
		if aud == "" {
			bad("Audience[%d]: empty", i)
		}
	}
	if cfg.TokenUse != "" && cfg.TokenUse != "id" && cfg.TokenUse != "access" {
		bad("TokenUse %q: must be \"id\" or \"access\"", cfg.TokenUse)
	}

	a.allowed = asymmetricAlgs
	if len(cfg.Algorithms) > 0 {
		a.allowed = 0
		for i, name := range cfg.Algorithms {
			al, ok := algByName(name)
			switch {
			case strings.EqualFold(name, "none"):
				bad("Algorithms[%d] %q: unsigned tokens are never accepted", i, name)
			case !ok:
				bad("Algorithms[%d] %q: unsupported algorithm", i, name)
			case hmacAlgs.has(al) && cfg.JWKSURL != "":
				bad("Algorithms[%d] %q: HMAC algorithms need a static Keys set, not a JWKSURL", i, name)
			default:
				a.allowed |= 1 << al
			}
		}
	}
	vs, err := newVerifiers(a.allowed)
	if err != nil {
		bad("Algorithms: %v", err)
	}
	a.verifiers = vs

	header, err := tokenHeader(cfg.Header)
	if err != nil {
		bad("Header: %v", err)
	}
	a.header = header

	if cfg.Leeway < 0 {
		bad("Leeway %v: negative", cfg.Leeway)
	}
	if cfg.MaxTokenBytes < 0 {
		bad("MaxTokenBytes %d: negative", cfg.MaxTokenBytes)
	}
	if cfg.RefetchInterval < 0 {
		bad("RefetchInterval %v: negative", cfg.RefetchInterval)
	}
	refresh := cfg.RefreshInterval
	if refresh == 0 {
		refresh = 15 * time.Minute
	}
	if refresh < time.Second {
		bad("RefreshInterval %v: at least 1s", cfg.RefreshInterval)
	}

	var skippedStatic []string
	switch {
	case cfg.JWKSURL != "" && cfg.Keys != nil:
		bad("JWKSURL and Keys: set only one")
	case cfg.JWKSURL == "" && cfg.Keys == nil:
		bad("JWKSURL or Keys: one is required")
	case cfg.Keys != nil:
		ks, skipped := buildKeySet(cfg.Keys, a.allowed, true)
		if len(ks.all) == 0 {
			bad("Keys: no usable key (%s)", strings.Join(skipped, "; "))
		}
		skippedStatic = skipped
		a.keys.Store(ks)
	default:
		if err := checkJWKSURL(cfg.JWKSURL, cfg.AllowInsecureJWKS); err != nil {
			bad("JWKSURL %q: %v", cfg.JWKSURL, err)
		}
		client, own := cfg.HTTPClient, false
		if client == nil {
			// A transport of its own, so that Close can drop its idle
			// connections without touching anyone else's.
			client, own = &http.Client{Timeout: fetchTimeout, Transport: newTransport()}, true
		}
		a.remote = &remoteKeys{
			url: cfg.JWKSURL, client: client, ownClient: own, refresh: refresh,
			now: a.now, log: a.log, install: a.installRemote,
		}
	}

	switch {
	case cfg.TokenCacheSize == 0:
		a.tokens = newTTLCache[uint64, *verified](DefaultCacheSize, identityHash)
	case cfg.TokenCacheSize > 0:
		a.tokens = newTTLCache[uint64, *verified](cfg.TokenCacheSize, identityHash)
	}

	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, s := range skippedStatic {
		a.log.Warn("authorizer: JWT key skipped", "key", s)
	}
	return a, nil
}

// identityHash shards the token cache by its key, already a hash.
func identityHash(h uint64) uint64 { return h }

// newTransport returns a transport of the authorizer's own, configured as
// http.DefaultTransport is.
func newTransport() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
}

func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return s != ""
}

func checkJWKSURL(raw string, allowInsecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Host == "" {
		return errors.New("no host")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if allowInsecure {
			return nil
		}
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
		return errors.New("http is only allowed on a loopback host (set AllowInsecureJWKS)")
	}
	return fmt.Errorf("scheme %q: must be https", u.Scheme)
}

// installRemote makes a freshly fetched JWKS the current key set, unless it
// holds the same keys as the current one.
func (a *JWTAuthorizer) installRemote(set jwk.Set) {
	ks, skipped := buildKeySet(set, a.allowed, false)
	for _, s := range skipped {
		a.log.Warn("authorizer: JWKS key skipped", "url", a.remote.url, "key", s)
	}
	if len(ks.all) == 0 {
		a.log.Warn("authorizer: JWKS holds no usable key; every token will be refused", "url", a.remote.url)
	}
	if old := a.keys.Load(); sameKeys(old, ks) {
		return
	}
	a.keys.Store(ks)
}

// Close stops the background JWKS refreshes and any fetch in flight. The
// keys already held keep verifying tokens; no further fetch happens. It is
// idempotent and safe to call on an authorizer that never fetched.
func (a *JWTAuthorizer) Close() error {
	if a != nil && a.remote != nil {
		a.remote.close()
	}
	return nil
}

// Handler returns next behind the authorizer, for a method that requires no
// scopes, without package gateway; it is shorthand for
// Middleware(a, nil)(next). Use [Middleware] to require scopes.
func (a *JWTAuthorizer) Handler(next http.Handler) http.Handler {
	return Middleware(a, nil)(next)
}

// Refresh fetches the JWKS now (concurrent calls share one fetch), so that
// a service can load the keys, or check the issuer is reachable, before it
// takes traffic. It returns nil at once for a static key set.
func (a *JWTAuthorizer) Refresh(ctx context.Context) error {
	if a == nil || a.now == nil {
		return errNotBuilt
	}
	if a.remote == nil {
		return nil
	}
	return a.remote.fetch(ctx, fetchManual, 0)
}

// Authorize verifies the request's token and checks that it carries at
// least one of scopes (none required when scopes is empty). On success it
// sets c.Authorizer: PrincipalID to the sub claim, Claims to the verified
// claims (numbers as json.Number) and Scopes to the token's scopes; Claims
// and Scopes are shared with the token cache and must not be modified.
//
// A missing, malformed, forged, expired or otherwise invalid token is a 401
// with a WWW-Authenticate: Bearer challenge (error="invalid_token" and a
// description); a valid token without a required scope is a 403
// (error="insufficient_scope"); an issuer whose keys were never fetched is
// a 500 AUTHORIZER_FAILURE.
func (a *JWTAuthorizer) Authorize(r *http.Request, c *apigw.Context, scopes []string) error {
	if a == nil || a.now == nil {
		return configError(errNotBuilt)
	}
	tok, f := a.extract(r)
	if f != nil {
		return f.apigwError(scopes)
	}
	v, f := a.verify(r.Context(), tok)
	if f != nil {
		return f.apigwError(scopes)
	}
	if len(scopes) > 0 && a.cognito {
		// A Cognito ID token names no OAuth scopes, whatever claims a
		// pre-token-generation trigger adds to it, and scp is not Cognito's.
		if tu, _ := v.claims["token_use"].(string); tu != "access" {
			return failTokenUse.apigwError(scopes)
		}
		if !hasAnyScope(appendScopes(nil, v.claims["scope"]), scopes) {
			return insufficientScope(scopes)
		}
	} else if len(scopes) > 0 && !hasAnyScope(v.scopes, scopes) {
		return insufficientScope(scopes)
	}
	c.Authorizer = apigw.Authorizer{PrincipalID: v.subject, Claims: v.claims, Scopes: v.scopes}
	return nil
}

// extract returns the token of r's header, without its Bearer prefix.
func (a *JWTAuthorizer) extract(r *http.Request) (string, *failure) {
	vals := r.Header[a.header]
	if len(vals) == 0 || vals[0] == "" {
		return "", failMissing
	}
	if len(vals) > 1 {
		return "", failMultiple
	}
	v := vals[0]
	if len(v) > a.maxToken+len("Bearer ")+2 {
		return "", failTooLarge
	}
	v = strings.Trim(v, " \t")
	if len(v) >= 6 && strings.EqualFold(v[:6], "bearer") && (len(v) == 6 || v[6] == ' ' || v[6] == '\t') {
		v = strings.TrimLeft(v[6:], " \t")
	}
	if len(v) > a.maxToken {
		return "", failTooLarge
	}
	if v == "" {
		return "", failMissing
	}
	return v, nil
}
