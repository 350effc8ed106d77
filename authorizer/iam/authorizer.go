package iam

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"
	lru "github.com/hashicorp/golang-lru/v2"
)

// emptyHash is the SHA-256 of an empty payload.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// unsignedPayload is the payload hash S3 lets a client skip hashing with.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// Authorizer is an AWS_IAM authorizer: it verifies SigV4 signatures and
// judges the caller's identity policy. It is an authorizer.Authorizer and
// is safe for simultaneous use by multiple goroutines.
type Authorizer struct {
	err           error
	region        string
	service       string
	creds         Credentials
	now           func() time.Time
	skew          time.Duration
	allowUnsigned bool
	log           *slog.Logger
	signers       *lru.Cache[string, *signerEntry]
}

// signerEntry is an access key's SDK signer, whose cache holds the signing
// keys derived from secret.
type signerEntry struct {
	secret string
	signer *v4.Signer
}

var _ authorizer.Authorizer = (*Authorizer)(nil)

// New returns an AWS_IAM authorizer for cfg, or the configuration's
// errors, each naming its field.
func New(cfg Config) (*Authorizer, error) {
	a := &Authorizer{
		region: cfg.Region, service: Service, creds: cfg.Credentials, now: cfg.Now,
		skew: cfg.MaxSkew, allowUnsigned: cfg.AllowUnsignedPayload, log: cfg.Logger,
	}
	var errs []error
	if cfg.Region == "" {
		errs = append(errs, errors.New("iam: Config.Region: empty"))
	}
	if cfg.Credentials == nil {
		errs = append(errs, errors.New("iam: Config.Credentials: nil"))
	}
	if a.now == nil {
		a.now = time.Now
	}
	switch {
	case cfg.MaxSkew == 0:
		a.skew = DefaultMaxSkew
	case cfg.MaxSkew < 0:
		errs = append(errs, fmt.Errorf("iam: Config.MaxSkew %v: negative", cfg.MaxSkew))
	}
	size := cfg.CacheSize
	switch {
	case size == 0:
		size = DefaultCacheSize
	case size < 0:
		errs = append(errs, fmt.Errorf("iam: Config.CacheSize %d: negative", cfg.CacheSize))
		size = 1
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.signers, _ = lru.New[string, *signerEntry](size)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

// Validate returns nil: New refuses a bad configuration.
func (a *Authorizer) Validate() error {
	if a == nil || a.signers == nil {
		return errors.New("iam: Authorizer not built by New")
	}
	return a.err
}

// Close does nothing and returns nil: the authorizer has no background work.
func (a *Authorizer) Close() error { return nil }

// AuthType reports AWS_IAM, for authorizer.TypeOf.
func (a *Authorizer) AuthType() authorizer.AuthType { return authorizer.AuthIAM }

// Authorize verifies r's signature and judges the caller's identity policy
// for c.MethodARN(). On success it fills c.Identity (accessKey, accountId,
// userArn, caller, user, cognito*) and returns nil. A refusal is an
// *apigw.Error: see the package documentation. A refusal by the identity
// policy comes after c.Identity is filled, and wraps
// authorizer.ErrImplicitDeny or authorizer.ErrExplicitDeny, so that an
// authorizer.ResourcePolicy can combine with it. Scopes are ignored.
func (a *Authorizer) Authorize(r *http.Request, c *apigw.Context, _ []string) error {
	if err := a.Validate(); err != nil {
		return &apigw.Error{Type: apigw.AuthorizerConfigurationError, NullMessage: true, Err: err}
	}
	cred, s, err := a.verify(r, c)
	if err != nil {
		return err
	}
	id := cred.Identity
	c.Identity.AccessKey = s.scope[0]
	c.Identity.AccountID, c.Identity.UserARN = id.AccountID, id.UserARN
	c.Identity.Caller, c.Identity.User = id.Caller, id.User
	c.Identity.CognitoIdentityID, c.Identity.CognitoIdentityPoolID = id.CognitoIdentityID, id.CognitoIdentityPoolID
	c.Identity.CognitoAuthenticationType, c.Identity.CognitoAuthenticationProvider = id.CognitoAuthenticationType, id.CognitoAuthenticationProvider
	return judge(cred.Policy, r, c, authorizer.ActionInvoke)
}

// judge evaluates an identity policy for the caller c holds.
func judge(p *authorizer.Policy, r *http.Request, c *apigw.Context, action string) error {
	in := authorizer.NewPolicyInput(r, c)
	in.Action = action
	who := c.Identity.UserARN
	switch p.Decide(&in) {
	case authorizer.Allow:
		return nil
	case authorizer.ExplicitDeny:
		return authorizer.NotAuthorized(who, action, in.Resource, true, fmt.Errorf("iam: the identity policy of %s: %w", who, authorizer.ErrExplicitDeny))
	}
	return authorizer.NotAuthorized(who, action, in.Resource, false, fmt.Errorf("iam: the identity policy of %s: %w", who, authorizer.ErrImplicitDeny))
}

// Allowed reports whether the caller that Authorize recorded in c (by its
// access key) may do action (authorizer.ActionInvalidateCache, say) on
// c.MethodARN(), by its identity policy. It is false for a request that
// was not authorized by a.
func (a *Authorizer) Allowed(r *http.Request, c *apigw.Context, action string) bool {
	if c.Identity.AccessKey == "" || a.Validate() != nil {
		return false
	}
	cred, err := a.creds.Lookup(r.Context(), c.Identity.AccessKey)
	if err != nil {
		return false
	}
	return judge(cred.Policy, r, c, action) == nil
}

// verify checks r's signature and returns the signer's credential.
func (a *Authorizer) verify(r *http.Request, c *apigw.Context) (Credential, signature, error) {
	path, rawQuery := target(r)
	params, qerr := parseQuery(rawQuery)
	hdr, hasHdr := authorizationHeader(r)
	hasQuery := false
	for _, p := range params {
		if p.key == "X-Amz-Algorithm" {
			hasQuery = true
		}
	}
	var s signature
	var perr *apigw.Error
	switch {
	case hasHdr && hasQuery:
		return Credential{}, s, invalidSignature(msgBothForms, nil)
	case hasHdr:
		s, perr = parseAuthorization(hdr, firstValue(r.Header, "X-Amz-Date"), len(r.Header["Date"]) > 0)
		if v, ok := r.Header["X-Amz-Security-Token"]; ok && len(v) > 0 {
			s.token, s.hasToken = v[0], true
		}
	case hasQuery:
		s, perr = parsePresigned(params)
	default:
		return Credential{}, s, missingToken()
	}
	if perr != nil {
		return Credential{}, s, perr
	}
	now := a.now()
	if e := s.checkFields(now, a.skew, a.region, a.service); e != nil {
		return Credential{}, s, e
	}
	if qerr != nil {
		return Credential{}, s, invalidSignature(msgMismatch, qerr)
	}
	if path == "" {
		path = "/"
	}
	if !normalPath(path) {
		return Credential{}, s, invalidSignature("The request path has empty, '.' or '..' segments: send it normalised ("+
			normalizePath(path)+").", errors.New("iam: path not in normal form"))
	}

	akid := s.scope[0]
	cred, err := a.creds.Lookup(r.Context(), akid)
	switch {
	case errors.Is(err, ErrUnknownAccessKey):
		return Credential{}, s, invalidToken(fmt.Errorf("iam: access key %s: %w", akid, err))
	case err != nil:
		a.log.Error("iam: credentials lookup failed", "accessKeyId", akid, "requestId", c.RequestID, "err", err)
		return Credential{}, s, &apigw.Error{Type: apigw.AuthorizerFailure, NullMessage: true, Err: fmt.Errorf("iam: credentials lookup: %w", err)}
	case cred.AccessKeyID != akid || cred.SecretAccessKey == "":
		return Credential{}, s, invalidToken(fmt.Errorf("iam: access key %s: lookup answered no usable credential", akid))
	}

	payload, perr := a.payloadHash(r, c, &s)
	if perr != nil {
		return Credential{}, s, perr
	}
	ok, err := a.matches(r, cred, &s, path, params, payload, false)
	if err == nil && !ok && s.presigned && s.hasToken {
		// A presigned URL may carry a session token added after signing
		// (the suite's post-sts-header-after; AWS IoT's WebSocket URLs).
		ok, err = a.matches(r, cred, &s, path, params, payload, true)
	}
	if err != nil {
		return Credential{}, s, invalidSignature(msgMismatch, err)
	}
	if !ok {
		var log captureLogger
		_, _, _ = a.compute(r.Context(), cred, &s, a.signingRequest(r, &s, path, params, false), payload, &log)
		return Credential{}, s, mismatch(log.canonical, log.stringToSign)
	}
	if cred.SessionToken != "" || s.hasToken {
		if subtle.ConstantTimeCompare([]byte(cred.SessionToken), []byte(s.token)) != 1 {
			return Credential{}, s, invalidToken(errors.New("iam: the session token does not belong to the access key"))
		}
	}
	if !cred.Expires.IsZero() && !now.Before(cred.Expires) {
		return Credential{}, s, &apigw.Error{Type: apigw.ExpiredToken, Err: fmt.Errorf("iam: credentials of %s expired at %v", akid, cred.Expires)}
	}
	return cred, s, nil
}

// payloadHash is the hex SHA-256 of r's body, or UNSIGNED-PAYLOAD where
// the configuration allows it.
func (a *Authorizer) payloadHash(r *http.Request, c *apigw.Context, s *signature) (string, *apigw.Error) {
	if a.allowUnsigned && !s.presigned && firstValue(r.Header, "X-Amz-Content-Sha256") == unsignedPayload {
		return unsignedPayload, nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return emptyHash, nil
	}
	data, err := c.Body(r)
	switch {
	case errors.Is(err, apigw.ErrBodyTooLarge):
		return "", &apigw.Error{Type: apigw.RequestTooLarge, Err: err}
	case err != nil:
		return "", &apigw.Error{Type: apigw.BadRequestBody, Err: err}
	}
	if len(data) == 0 {
		return emptyHash, nil
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// matches reports whether the request's signature is the one the SDK
// signer computes.
func (a *Authorizer) matches(r *http.Request, cred Credential, s *signature, path string, params []queryParam, payload string, omitToken bool) (bool, error) {
	got, signed, err := a.compute(r.Context(), cred, s, a.signingRequest(r, s, path, params, omitToken), payload, nil)
	if err != nil {
		return false, err
	}
	// The signer signs host and x-amz-date whether listed or not: the list
	// the request claims must be the one signed.
	return signed == s.signedRaw && subtle.ConstantTimeCompare([]byte(got), []byte(s.sig)) == 1, nil
}

// signingRequest is the request the SDK signer signs: r's method, host and
// signed headers, the canonical path (through URL.Opaque, which the signer
// takes as it is and then encodes again) and the canonical query. Header
// names are lower-case so that the signer signs every one the client
// listed (it skips User-Agent and a few others by their canonical names).
func (a *Authorizer) signingRequest(r *http.Request, s *signature, path string, params []queryParam, omitToken bool) *http.Request {
	var query string
	switch {
	case omitToken:
		query = canonicalQuery(params, "X-Amz-Signature", "X-Amz-Security-Token")
	case s.presigned:
		query = canonicalQuery(params, "X-Amz-Signature")
	default:
		query = canonicalQuery(params)
	}
	req := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Opaque: "//h" + path, RawQuery: query},
		Host:   r.Host,
		Header: make(http.Header, len(s.signedHeaders)),
	}
	for _, h := range s.signedHeaders {
		switch h {
		case "host":
		case "x-amz-date":
			if s.presigned {
				req.Header[h] = r.Header["X-Amz-Date"]
			}
		case "content-length":
			if n, err := strconv.ParseInt(firstValue(r.Header, "Content-Length"), 10, 64); err == nil {
				req.ContentLength = n
			} else {
				req.ContentLength = r.ContentLength
			}
		default:
			if v, ok := r.Header[textproto.CanonicalMIMEHeaderKey(h)]; ok {
				req.Header[h] = v
			}
		}
	}
	return req
}

// compute returns the signature aws-sdk-go-v2's signer gives req and the
// signed headers it lists. With a logger, the signer reports its canonical
// request and string to sign.
func (a *Authorizer) compute(ctx context.Context, cred Credential, s *signature, req *http.Request, payload string, log *captureLogger) (sig, signedHeaders string, err error) {
	signer := a.signerFor(cred.AccessKeyID, cred.SecretAccessKey)
	creds := aws.Credentials{AccessKeyID: s.scope[0], SecretAccessKey: cred.SecretAccessKey}
	opts := func(o *v4.SignerOptions) {
		o.DisableHeaderHoisting, o.DisableSessionToken = true, true
		if log != nil {
			o.Logger, o.LogSigning = log, true
		}
	}
	if s.presigned {
		uri, _, err := signer.PresignHTTP(ctx, creds, req, payload, a.service, a.region, s.date, opts)
		if err != nil {
			return "", "", err
		}
		u, err := url.Parse(uri)
		if err != nil {
			return "", "", err
		}
		q := u.Query()
		return q.Get("X-Amz-Signature"), q.Get("X-Amz-SignedHeaders"), nil
	}
	if err := signer.SignHTTP(ctx, creds, req, payload, a.service, a.region, s.date, opts); err != nil {
		return "", "", err
	}
	// AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...
	auth := firstValue(req.Header, "Authorization")
	_, rest, ok1 := strings.Cut(auth, "SignedHeaders=")
	signedHeaders, sig, ok2 := strings.Cut(rest, ", Signature=")
	if !ok1 || !ok2 {
		return "", "", errors.New("iam: the signer's Authorization is not understood")
	}
	return sig, signedHeaders, nil
}

// signerFor returns the SDK signer kept for an access key, a new one when
// its secret changed.
func (a *Authorizer) signerFor(akid, secret string) *v4.Signer {
	if e, ok := a.signers.Get(akid); ok && e.secret == secret {
		return e.signer
	}
	e := &signerEntry{secret: secret, signer: v4.NewSigner()}
	a.signers.Add(akid, e)
	return e.signer
}

// captureLogger keeps what the SDK signer logs of a signature: the
// canonical request and the string to sign.
type captureLogger struct{ canonical, stringToSign string }

func (l *captureLogger) Logf(_ logging.Classification, _ string, v ...any) {
	if len(v) >= 2 {
		l.canonical, _ = v[0].(string)
		l.stringToSign, _ = v[1].(string)
	}
}

func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
