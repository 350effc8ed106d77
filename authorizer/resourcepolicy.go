package authorizer

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/iampolicy"
)

// AuthType is a method's authorization type, which decides how the API's
// resource policy combines with it.
type AuthType uint8

const (
	// AuthNone: no authorization (NONE); the resource policy must allow.
	AuthNone AuthType = iota
	// AuthLambda: a Lambda authorizer (CUSTOM), TOKEN or REQUEST.
	AuthLambda
	// AuthCognito: a Cognito user pool or JWT authorizer.
	AuthCognito
	// AuthIAM: Signature Version 4 (AWS_IAM).
	AuthIAM
)

// String returns AWS's name of the type: NONE, CUSTOM, COGNITO_USER_POOLS
// or AWS_IAM.
func (t AuthType) String() string {
	switch t {
	case AuthLambda:
		return "CUSTOM"
	case AuthCognito:
		return "COGNITO_USER_POOLS"
	case AuthIAM:
		return "AWS_IAM"
	}
	return "NONE"
}

// TypeOf returns the authorization type of a: AuthNone for nil,
// AuthCognito for JWT and Cognito authorizers, the type an authorizer
// reports through an AuthType() AuthType method (the AWS_IAM authorizer of
// package authorizer/iam does), and AuthLambda for any other (TOKEN,
// REQUEST and the user's own).
func TypeOf(a Authorizer) AuthType {
	switch a := a.(type) {
	case nil:
		return AuthNone
	case *JWTAuthorizer:
		return AuthCognito
	case interface{ AuthType() AuthType }:
		return a.AuthType()
	}
	return AuthLambda
}

// ResourcePolicyConfig configures a [ResourcePolicy].
type ResourcePolicyConfig struct {
	// Document is the policy as JSON, as AWS's PutRestApi/policy takes it.
	// Required. Statements must name a Principal or NotPrincipal.
	Document string
	// Region, AccountID and APIID name the API, so that the shorthand
	// execute-api:/STAGE/METHOD/PATH expands to
	// arn:aws:execute-api:REGION:ACCOUNT:APIID/STAGE/METHOD/PATH, as AWS
	// expands it. An empty one expands to "*".
	Region, AccountID, APIID string
	// VpceHeader names a request header that carries aws:SourceVpce (AWS
	// passes x-amzn-vpce-id to private APIs). Only set it when a trusted
	// proxy sets the header and strips it from clients. Default: none, so
	// aws:SourceVpce is absent.
	VpceHeader string
}

// ResourcePolicy is an API's resource policy, compiled: who may invoke the
// API's methods from where. It combines with each method's authorization
// as AWS documents ("How API Gateway resource policies affect
// authorization workflow"):
//
//   - explicit Deny anywhere wins: the resource policy's, a Lambda
//     authorizer's, an AWS_IAM caller's identity policy;
//   - NONE: the resource policy must allow;
//   - Lambda authorizer: the resource policy is evaluated before the
//     authorizer runs (an explicit Deny refuses without calling it), then
//     combined with the authorizer's policy by Table A: either allows;
//   - Cognito user pools (JWT): after the token is verified, the resource
//     policy must allow;
//   - AWS_IAM: after the signature is verified, with the caller as
//     principal: a caller of the API's own account needs an Allow from
//     either its identity policy or the resource policy (Table A), a caller
//     of another account from both (Table B).
//
// Callers of every type but AWS_IAM are "anonymous" to the policy, so only
// Principal "*" (or {"AWS": "*"}) statements apply to them. A
// ResourcePolicy is immutable and safe for simultaneous use by multiple
// goroutines; the nil *ResourcePolicy is no policy at all.
type ResourcePolicy struct {
	docs       []*iampolicy.Policy // one
	vpceHeader string
}

// NewResourcePolicy compiles cfg. The error names each bad statement.
func NewResourcePolicy(cfg ResourcePolicyConfig) (*ResourcePolicy, error) {
	if strings.TrimSpace(cfg.Document) == "" {
		return nil, errors.New("authorizer: ResourcePolicyConfig.Document: empty")
	}
	prefix := "arn:aws:execute-api:" + orStar(cfg.Region) + ":" + orStar(cfg.AccountID) + ":" + orStar(cfg.APIID)
	expand := func(res string) (string, error) {
		rest, ok := strings.CutPrefix(res, "execute-api:")
		if !ok {
			return res, nil
		}
		if !strings.HasPrefix(rest, "/") {
			return "", errors.New("the execute-api: shorthand is execute-api:/STAGE/METHOD/PATH")
		}
		return prefix + rest, nil
	}
	doc, err := compileDocument(cfg.Document, iampolicy.Options{Kind: iampolicy.Resource, ExpandResource: expand})
	if err != nil {
		return nil, fmt.Errorf("authorizer: resource policy: %w", err)
	}
	p := &ResourcePolicy{docs: []*iampolicy.Policy{doc}}
	if cfg.VpceHeader != "" {
		p.vpceHeader = textproto.CanonicalMIMEHeaderKey(cfg.VpceHeader)
	}
	return p, nil
}

// MustResourcePolicy is [NewResourcePolicy] that panics on error.
func MustResourcePolicy(cfg ResourcePolicyConfig) *ResourcePolicy {
	p, err := NewResourcePolicy(cfg)
	if err != nil {
		panic(err)
	}
	return p
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// Decide judges in by the resource policy alone. A nil ResourcePolicy
// decides ImplicitDeny.
func (p *ResourcePolicy) Decide(in *PolicyInput) Decision {
	if p == nil {
		return ImplicitDeny
	}
	var ctx iampolicy.Context
	req := in.request(&ctx)
	return decideAll(p.docs, &req)
}

// input is the policy input of r, with the configured aws:SourceVpce.
func (p *ResourcePolicy) input(r *http.Request, c *apigw.Context) PolicyInput {
	in := NewPolicyInput(r, c)
	if p.vpceHeader != "" {
		if v := r.Header[p.vpceHeader]; len(v) == 1 {
			in.SourceVpce = v[0]
		}
	}
	return in
}

// Check authorizes a request of a method of type t under the resource
// policy: it runs the parts of the policy that come before authorization,
// calls authorize (the method's authorizer, e.g. func() error { return
// a.Authorize(r, c, scopes) }; nil for NONE), and combines the two as AWS's
// tables do. It returns nil to let the request through, else the refusal
// to render with apigw.WriteError: the authorizer's own refusal, or AWS's
// 403 {"Message": "User: anonymous is not authorized to perform:
// execute-api:Invoke on resource: arn:... [with an explicit deny]"}.
//
// With a nil ResourcePolicy, Check is authorize() (nil for nil). An
// authorizer error that is neither [ErrImplicitDeny] nor [ErrExplicitDeny]
// (no or bad credentials, a failing function) is returned as it is.
func (p *ResourcePolicy) Check(r *http.Request, c *apigw.Context, t AuthType, authorize func() error) error {
	run := func() error {
		if authorize == nil {
			return nil
		}
		return authorize()
	}
	if p == nil {
		return run()
	}
	if t == AuthIAM {
		return p.checkIAM(r, c, run())
	}
	in := p.input(r, c)
	in.Caller = Caller{} // anonymous to the policy
	rp := p.Decide(&in)
	if rp == ExplicitDeny {
		return NotAuthorized("", ActionInvoke, in.Resource, true, errors.New("authorizer: the resource policy denies the caller"))
	}
	authErr := run()
	implicit := NotAuthorized("", ActionInvoke, in.Resource, false, errors.New("authorizer: the resource policy does not allow the caller"))
	switch t {
	case AuthNone:
		if rp != Allow {
			return implicit
		}
		return nil
	case AuthCognito:
		if authErr != nil {
			return authErr
		}
		if rp != Allow {
			return implicit
		}
		return nil
	}
	// Lambda authorizers (and any other): Table A.
	d, ok := decisionOf(authErr)
	switch {
	case !ok:
		return authErr // no policy outcome: no or bad credentials, a failure
	case d == Allow:
		return nil
	case d == ImplicitDeny && rp == Allow:
		return nil
	}
	return authErr
}

// checkIAM combines an AWS_IAM caller's identity-policy outcome authErr
// with the resource policy, by Table A (same account) or B (another).
func (p *ResourcePolicy) checkIAM(r *http.Request, c *apigw.Context, authErr error) error {
	id, ok := decisionOf(authErr)
	if !ok {
		return authErr // no policy outcome: authentication failed
	}
	in := p.input(r, c)
	rp := p.Decide(&in)
	who := in.Caller.ARN
	switch {
	case rp == ExplicitDeny:
		return NotAuthorized(who, ActionInvoke, in.Resource, true, errors.New("authorizer: the resource policy denies the caller"))
	case id == ExplicitDeny:
		return authErr
	}
	sameAccount := c.AccountID == "" || in.Caller.AccountID == c.AccountID
	if sameAccount {
		if id == Allow || rp == Allow {
			return nil
		}
	} else if id == Allow && rp == Allow {
		return nil
	}
	if rp != Allow {
		return NotAuthorized(who, ActionInvoke, in.Resource, false, errors.New("authorizer: the resource policy does not allow the caller"))
	}
	return authErr
}

// decisionOf reads an authorizer's outcome as a policy decision: nil is
// Allow, [ErrImplicitDeny] and [ErrExplicitDeny] their decisions; ok is
// false for any other error, which is no policy outcome at all.
func decisionOf(err error) (d Decision, ok bool) {
	switch {
	case err == nil:
		return Allow, true
	case errors.Is(err, ErrExplicitDeny):
		return ExplicitDeny, true
	case errors.Is(err, ErrImplicitDeny):
		return ImplicitDeny, true
	}
	return ImplicitDeny, false
}

// Guard returns an Authorizer that runs a under the resource policy for
// methods of type t ([TypeOf] a, or AuthNone for a nil a): the same
// [ResourcePolicy.Check] as one Authorizer, for package gateway or
// [Middleware]. With a nil ResourcePolicy it returns a itself (nil too).
func (p *ResourcePolicy) Guard(t AuthType, a Authorizer) Authorizer {
	if p == nil {
		return a
	}
	return &guarded{p: p, t: t, a: a}
}

type guarded struct {
	p *ResourcePolicy
	t AuthType
	a Authorizer
}

func (g *guarded) Authorize(r *http.Request, c *apigw.Context, scopes []string) error {
	var authorize func() error
	if g.a != nil {
		authorize = func() error { return g.a.Authorize(r, c, scopes) }
	}
	return g.p.Check(r, c, g.t, authorize)
}

func (g *guarded) Close() error {
	if g.a == nil {
		return nil
	}
	return g.a.Close()
}

// AuthType reports the guarded method's type.
func (g *guarded) AuthType() AuthType { return g.t }
