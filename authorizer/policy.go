package authorizer

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// maxPolicyResource is AWS's limit on one Resource of an authorizer policy.
const maxPolicyResource = 512

// policy is an authorizer's IAM policy compiled for evaluation against
// method ARNs: the resource patterns of the statements whose Action covers
// execute-api:Invoke.
type policy struct {
	allow []resourcePattern
	deny  []resourcePattern
}

// resourcePattern is a policy Resource with its literal prefix (the text
// before the first wildcard) split off for a quick first check.
type resourcePattern struct {
	prefix string // literal
	rest   string // from the first wildcard on; "" for an exact resource
}

func newResourcePattern(res string) resourcePattern {
	i := strings.IndexAny(res, "*?")
	if i < 0 {
		return resourcePattern{prefix: res}
	}
	return resourcePattern{prefix: res[:i], rest: res[i:]}
}

func (p resourcePattern) match(s string) bool {
	if p.rest == "" {
		return s == p.prefix
	}
	if len(s) < len(p.prefix) || s[:len(p.prefix)] != p.prefix {
		return false
	}
	if p.rest == "*" {
		return true
	}
	return globMatch(p.rest, s[len(p.prefix):])
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
// are kept out: they neither allow nor deny a call.
func compilePolicy(doc events.APIGatewayCustomAuthorizerPolicy) (*policy, error) {
	switch doc.Version {
	case "", "2012-10-17", "2008-10-17":
	default:
		return nil, fmt.Errorf("policy Version %q: unknown", doc.Version)
	}
	if len(doc.Statement) == 0 {
		return nil, errors.New("policy has no Statement")
	}
	p := &policy{}
	for i, st := range doc.Statement {
		var deny bool
		switch {
		case strings.EqualFold(st.Effect, "Allow"):
		case strings.EqualFold(st.Effect, "Deny"):
			deny = true
		default:
			return nil, fmt.Errorf("policy Statement[%d]: Effect %q is neither Allow nor Deny", i, st.Effect)
		}
		if len(st.Action) == 0 {
			return nil, fmt.Errorf("policy Statement[%d]: no Action", i)
		}
		if len(st.Resource) == 0 {
			return nil, fmt.Errorf("policy Statement[%d]: no Resource", i)
		}
		invoke := false
		for j, act := range st.Action {
			if act == "" {
				return nil, fmt.Errorf("policy Statement[%d].Action[%d]: empty", i, j)
			}
			if globMatch(strings.ToLower(act), "execute-api:invoke") {
				invoke = true
			}
		}
		for j, res := range st.Resource {
			if res == "" || len(res) > maxPolicyResource {
				return nil, fmt.Errorf("policy Statement[%d].Resource[%d]: empty or over %d characters", i, j, maxPolicyResource)
			}
		}
		if !invoke {
			continue
		}
		for _, res := range st.Resource {
			if deny {
				p.deny = append(p.deny, newResourcePattern(res))
			} else {
				p.allow = append(p.allow, newResourcePattern(res))
			}
		}
	}
	return p, nil
}

// evaluate decides the call of methodARN: an explicit Deny wins, then any
// Allow, else the implicit deny.
func (p *policy) evaluate(methodARN string) decision {
	for _, pat := range p.deny {
		if pat.match(methodARN) {
			return explicitDeny
		}
	}
	for _, pat := range p.allow {
		if pat.match(methodARN) {
			return allowed
		}
	}
	return implicitDeny
}

// globMatch reports whether s matches pattern, where '*' matches any run of
// characters ('/' included, as in IAM resource ARNs) and '?' exactly one
// character; every other byte matches itself. It runs in
// O(len(pattern)·len(s)) at worst, without recursion.
func globMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == '?':
			p++
			i += runeLen(s, i)
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark += runeLen(s, mark)
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func runeLen(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}
