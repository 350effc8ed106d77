package authorizer

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/iampolicy"
)

// Actions of API Gateway's execute-api service, as policies name them.
const (
	// ActionInvoke is the call of a method.
	ActionInvoke = iampolicy.ActionInvoke
	// ActionInvalidateCache is the refresh of a cached answer by a request
	// with Cache-Control: max-age=0.
	ActionInvalidateCache = iampolicy.ActionInvalidateCache
)

// Decision is a policy's verdict on one request.
type Decision uint8

const (
	// ImplicitDeny: no statement applies (AWS's "neither allow nor deny").
	ImplicitDeny Decision = iota
	// Allow: an Allow statement applies and no Deny does.
	Allow
	// ExplicitDeny: a Deny statement applies; it wins over every Allow.
	ExplicitDeny
)

// String returns "implicit deny", "allow" or "explicit deny".
func (d Decision) String() string { return iampolicy.Decision(d).String() }

// Refusals of a policy decision, wrapped by the errors of the authorizers
// whose answer is a policy (Lambda authorizers, AWS_IAM callers' identity
// policies), so that a [ResourcePolicy] combines with them as AWS's tables
// do. Test with errors.Is.
var (
	ErrExplicitDeny = errors.New("authorizer: the policy denies the method ARN")
	ErrImplicitDeny = errors.New("authorizer: no Allow of the policy matches the method ARN")
)

// Caller is who makes a request as policies see it. The zero value is an
// anonymous caller: only Principal "*" names it.
type Caller struct {
	AccountID string // 123456789012
	ARN       string // arn:aws:iam::123456789012:user/alice
	UserID    string // aws:userid
	Username  string // aws:username
}

// PolicyInput is a request as a policy judges it: action, method ARN,
// caller and the values of the condition keys.
type PolicyInput struct {
	// Action is ActionInvoke when empty.
	Action string
	// Resource is the method ARN ([apigw.Context.MethodARN]).
	Resource string
	Caller   Caller
	// Condition keys: aws:SourceIp, aws:SourceVpce, aws:SourceVpc,
	// aws:UserAgent, aws:Referer, aws:SecureTransport. Empty or invalid
	// values are absent keys.
	SourceIP        netip.Addr
	SourceVpce      string
	SourceVpc       string
	UserAgent       string
	Referer         string
	SecureTransport bool
	// Keys holds any other condition key by its lower-cased name.
	Keys map[string]string
}

// NewPolicyInput returns the input for r as the gateway knows it: the
// method ARN, the caller that AWS_IAM authorization recorded in
// c.Identity (anonymous otherwise), the source IP, User-Agent, Referer and
// whether the connection is TLS.
func NewPolicyInput(r *http.Request, c *apigw.Context) PolicyInput {
	in := PolicyInput{
		Resource:        c.MethodARN(),
		Caller:          Caller{AccountID: c.Identity.AccountID, ARN: c.Identity.UserARN},
		UserAgent:       c.Identity.UserAgent,
		SecureTransport: r.TLS != nil,
	}
	if in.Caller.ARN != "" {
		in.Caller.UserID, in.Caller.Username = c.Identity.User, userName(in.Caller.ARN)
	}
	if a, err := netip.ParseAddr(c.Identity.SourceIP); err == nil {
		in.SourceIP = a
	}
	if v := r.Header["Referer"]; len(v) > 0 {
		in.Referer = v[0]
	}
	return in
}

// userName is the name of an IAM user ARN (arn:aws:iam::1:user/path/alice
// is alice), "" for other principals, as aws:username is.
func userName(arn string) string {
	_, rest, ok := strings.Cut(arn, ":user/")
	if !ok {
		return ""
	}
	return rest[strings.LastIndexByte(rest, '/')+1:]
}

// request returns in as the engine's request; ctx is scratch space.
func (in *PolicyInput) request(ctx *iampolicy.Context) iampolicy.Request {
	*ctx = iampolicy.Context{
		SourceIP: in.SourceIP, SourceVpce: in.SourceVpce, SourceVpc: in.SourceVpc,
		UserID: in.Caller.UserID, Username: in.Caller.Username,
		UserAgent: in.UserAgent, Referer: in.Referer, SecureTransport: "false", Keys: in.Keys,
	}
	if in.SecureTransport {
		ctx.SecureTransport = "true"
	}
	action := in.Action
	if action == "" {
		action = ActionInvoke
	}
	return iampolicy.Request{
		Action: action, Resource: in.Resource,
		Principal: iampolicy.Principal{Account: in.Caller.AccountID, ARN: in.Caller.ARN},
		Context:   ctx,
	}
}

// Policy is a compiled IAM identity-based policy: what an AWS_IAM caller
// may do, from one or more JSON documents (a user's attached policies),
// evaluated together: a Deny in any wins, else an Allow in any allows.
// Statements must not name a Principal. A Policy is immutable and safe for
// simultaneous use by multiple goroutines.
type Policy struct {
	docs []*iampolicy.Policy
}

// NewPolicy compiles identity policy documents. The error names each bad
// document and statement.
func NewPolicy(documents ...string) (*Policy, error) {
	if len(documents) == 0 {
		return nil, errors.New("authorizer: NewPolicy: no document")
	}
	p := &Policy{}
	var errs []error
	for i, doc := range documents {
		c, err := compileDocument(doc, iampolicy.Options{Kind: iampolicy.Identity})
		if err != nil {
			errs = append(errs, fmt.Errorf("authorizer: identity policy %d: %w", i, err))
			continue
		}
		p.docs = append(p.docs, c)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// MustPolicy is [NewPolicy] that panics on error, for policies written in
// the program.
func MustPolicy(documents ...string) *Policy {
	p, err := NewPolicy(documents...)
	if err != nil {
		panic(err)
	}
	return p
}

func compileDocument(doc string, opts iampolicy.Options) (*iampolicy.Policy, error) {
	d, err := iampolicy.Parse([]byte(doc))
	if err != nil {
		return nil, err
	}
	return iampolicy.Compile(d, opts)
}

// Decide judges in. A nil Policy allows nothing (an implicit deny), as an
// IAM user without policies.
func (p *Policy) Decide(in *PolicyInput) Decision {
	if p == nil {
		return ImplicitDeny
	}
	var ctx iampolicy.Context
	req := in.request(&ctx)
	return decideAll(p.docs, &req)
}

func decideAll(docs []*iampolicy.Policy, req *iampolicy.Request) Decision {
	d := ImplicitDeny
	for _, doc := range docs {
		switch doc.Evaluate(req) {
		case iampolicy.ExplicitDeny:
			return ExplicitDeny
		case iampolicy.Allow:
			d = Allow
		}
	}
	return d
}

// NotAuthorized is AWS's refusal of an IAM authorization: 403
// ACCESS_DENIED with the body {"Message": "User: WHO is not authorized to
// perform: ACTION on resource: ARN"} (with " with an explicit deny" for an
// explicit Deny), where WHO is the caller's ARN or "anonymous" and the
// account in the method ARN is masked but for its last four digits, as
// AWS's answers show. cause is wrapped for logs and errors.Is.
func NotAuthorized(who, action, methodARN string, explicit bool, cause error) *apigw.Error {
	if who == "" {
		who = "anonymous"
	}
	if action == "" {
		action = ActionInvoke
	}
	msg := "User: " + who + " is not authorized to perform: " + action + " on resource: " + maskAccount(methodARN)
	if explicit {
		msg += " with an explicit deny"
	}
	return &apigw.Error{Type: apigw.AccessDenied, Message: msg, MessageKey: "Message", Err: cause}
}

// maskAccount replaces all but the last four characters of an ARN's
// account with '*': arn:aws:execute-api:us-east-1:********9012:abc/prod/GET/.
func maskAccount(arn string) string {
	start, field := 0, 0
	for i := 0; i < len(arn); i++ {
		if arn[i] != ':' {
			continue
		}
		field++
		switch field {
		case 4:
			start = i + 1
		case 5:
			acct := arn[start:i]
			if len(acct) <= 4 {
				return arn
			}
			b := make([]byte, 0, len(arn))
			b = append(b, arn[:start]...)
			for range len(acct) - 4 {
				b = append(b, '*')
			}
			b = append(b, acct[len(acct)-4:]...)
			return string(append(b, arn[i:]...))
		}
	}
	return arn
}
