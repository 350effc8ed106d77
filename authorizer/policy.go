package authorizer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apigw/apigw/internal/iampolicy"
	"github.com/aws/aws-lambda-go/events"
)

// maxPolicyResource is AWS's limit on one Resource of an authorizer policy.
const maxPolicyResource = 512

// actionInvoke is the action a call of a method is.
const actionInvoke = "execute-api:Invoke"

// policy is a Lambda authorizer's IAM policy compiled for evaluation
// against method ARNs by the engine every policy of apigw shares.
type policy struct {
	p *iampolicy.Policy
}

// decision is the outcome of a policy for one method ARN.
type decision uint8

const (
	implicitDeny decision = iota // no Allow matches
	allowed
	explicitDeny // a Deny matches: it wins over any Allow
)

// compilePolicy checks an authorizer's policy document. A statement whose
// Effect is not Allow or Deny, with no Action or no Resource, or a Resource
// that is empty or over 512 characters, makes the document malformed (AWS
// answers 500). Statements whose actions do not cover execute-api:Invoke
// neither allow nor deny a call.
func compilePolicy(doc events.APIGatewayCustomAuthorizerPolicy) (*policy, error) {
	switch doc.Version {
	case "", "2012-10-17", "2008-10-17":
	default:
		return nil, fmt.Errorf("policy Version %q: unknown", doc.Version)
	}
	if len(doc.Statement) == 0 {
		return nil, errors.New("policy has no Statement")
	}
	d := iampolicy.Document{Version: doc.Version, Statement: make(iampolicy.Statements, len(doc.Statement))}
	for i, st := range doc.Statement {
		if !strings.EqualFold(st.Effect, "Allow") && !strings.EqualFold(st.Effect, "Deny") {
			return nil, fmt.Errorf("policy Statement[%d]: Effect %q is neither Allow nor Deny", i, st.Effect)
		}
		if len(st.Action) == 0 {
			return nil, fmt.Errorf("policy Statement[%d]: no Action", i)
		}
		if len(st.Resource) == 0 {
			return nil, fmt.Errorf("policy Statement[%d]: no Resource", i)
		}
		for j, act := range st.Action {
			if act == "" {
				return nil, fmt.Errorf("policy Statement[%d].Action[%d]: empty", i, j)
			}
		}
		for j, res := range st.Resource {
			if res == "" || len(res) > maxPolicyResource {
				return nil, fmt.Errorf("policy Statement[%d].Resource[%d]: empty or over %d characters", i, j, maxPolicyResource)
			}
		}
		d.Statement[i] = iampolicy.Statement{Effect: st.Effect, Action: st.Action, Resource: st.Resource}
	}
	p, err := iampolicy.Compile(d, iampolicy.Options{Kind: iampolicy.Authorizer})
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return &policy{p: p}, nil
}

// evaluate decides the call of methodARN: an explicit Deny wins, then any
// Allow, else the implicit deny.
func (p *policy) evaluate(methodARN string) decision {
	switch p.p.Evaluate(&iampolicy.Request{Action: actionInvoke, Resource: methodARN}) {
	case iampolicy.Allow:
		return allowed
	case iampolicy.ExplicitDeny:
		return explicitDeny
	}
	return implicitDeny
}
