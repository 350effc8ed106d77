package iam

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/apigw/apigw/authorizer"
)

// Config configures an AWS_IAM [Authorizer].
type Config struct {
	// Region is the API's region: requests must be signed for it
	// (us-east-1). Required.
	Region string
	// Credentials finds the secret and identity of an access key id.
	// Required.
	Credentials Credentials
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is how far X-Amz-Date may lie from now, either way. Default
	// AWS's 5 minutes.
	MaxSkew time.Duration
	// AllowUnsignedPayload lets X-Amz-Content-Sha256: UNSIGNED-PAYLOAD
	// stand for the payload's hash, as S3 allows. Default false: the body
	// is hashed, as API Gateway does.
	AllowUnsignedPayload bool
	// CacheSize bounds how many access keys keep a signer (with its
	// derived signing keys). Default 10000.
	CacheSize int
	// Logger receives failures of the Credentials lookup; nil is
	// slog.Default().
	Logger *slog.Logger
}

// Defaults of [Config].
const (
	// DefaultMaxSkew is AWS's tolerance for X-Amz-Date.
	DefaultMaxSkew = 5 * time.Minute
	// DefaultCacheSize is the number of access keys whose signer is kept.
	DefaultCacheSize = 10000
	// MaxExpires is the longest X-Amz-Expires of a presigned request: a
	// week, as AWS allows.
	MaxExpires = 7 * 24 * time.Hour
	// Service is the SigV4 service name of API Gateway's execute API.
	Service = "execute-api"
)

// Credentials finds the credential of an access key id. Implementations
// must be safe for simultaneous use by multiple goroutines.
type Credentials interface {
	// Lookup returns the credential whose AccessKeyID is accessKeyID, or an
	// error wrapping ErrUnknownAccessKey when there is none (403, "The
	// security token included in the request is invalid."). Any other
	// error is a 500 AUTHORIZER_FAILURE, logged.
	Lookup(ctx context.Context, accessKeyID string) (Credential, error)
}

// CredentialsFunc is a function that is a [Credentials].
type CredentialsFunc func(ctx context.Context, accessKeyID string) (Credential, error)

// Lookup calls f.
func (f CredentialsFunc) Lookup(ctx context.Context, accessKeyID string) (Credential, error) {
	return f(ctx, accessKeyID)
}

// ErrUnknownAccessKey is the error a [Credentials] lookup wraps for an
// access key id it does not know.
var ErrUnknownAccessKey = errors.New("iam: unknown access key id")

// Credential is an access key with what AWS knows of its holder.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken marks temporary credentials: requests must carry it as
	// X-Amz-Security-Token. Empty for long-term keys, whose requests must
	// carry none.
	SessionToken string
	// Expires is when temporary credentials expire (403 "The security
	// token included in the request is expired"); zero never.
	Expires  time.Time
	Identity Identity
	// Policy is the holder's identity policy: what it may invoke. nil
	// allows nothing, as an IAM user without policies, unless the API's
	// resource policy allows.
	Policy *authorizer.Policy
}

// Identity is who holds a credential, as $context.identity shows it.
type Identity struct {
	AccountID string // $context.identity.accountId: 123456789012
	UserARN   string // $context.identity.userArn: arn:aws:iam::123456789012:user/alice
	// Caller and User are $context.identity.caller and .user: AWS gives
	// the principal's unique id (AIDA... for a user, AROA...:session for
	// a role).
	Caller string
	User   string
	// Cognito identity pools' temporary credentials.
	CognitoIdentityID             string
	CognitoIdentityPoolID         string
	CognitoAuthenticationType     string // authenticated or unauthenticated
	CognitoAuthenticationProvider string
}

// Static is a fixed set of credentials keyed by access key id. It is a
// [Credentials] and is safe for simultaneous reads.
type Static map[string]Credential

// NewStatic returns the credentials keyed by their access key ids; a later
// credential with the same id replaces an earlier one.
func NewStatic(creds ...Credential) Static {
	s := make(Static, len(creds))
	for _, c := range creds {
		s[c.AccessKeyID] = c
	}
	return s
}

// Lookup returns the credential of accessKeyID, or ErrUnknownAccessKey.
func (s Static) Lookup(_ context.Context, accessKeyID string) (Credential, error) {
	c, ok := s[accessKeyID]
	if !ok {
		return Credential{}, ErrUnknownAccessKey
	}
	return c, nil
}
