package iampolicy

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is the kind of document a policy is, which decides the elements it
// may and must have.
type Kind uint8

const (
	// Identity is an identity-based policy (attached to a user or role):
	// no Principal.
	Identity Kind = iota + 1
	// Resource is a resource policy (an API's): Principal or NotPrincipal
	// required.
	Resource
	// Authorizer is the policy a Lambda authorizer answers: principals and
	// conditions are not looked at.
	Authorizer
)

// Options tune [Compile].
type Options struct {
	// Kind is the kind of document; required.
	Kind Kind
	// ExpandResource rewrites each Resource and NotResource before it is
	// compiled, e.g. a resource policy's execute-api:/stage/GET/path
	// shorthand into a full method ARN. nil leaves them as they are.
	ExpandResource func(string) (string, error)
}

// Actions of API Gateway's execute-api service.
const (
	// ActionInvoke is the call of a method.
	ActionInvoke = "execute-api:Invoke"
	// ActionInvalidateCache is the refresh of a cached answer
	// (Cache-Control: max-age=0).
	ActionInvalidateCache = "execute-api:InvalidateCache"
)

// Decision is a policy's verdict on one request.
type Decision uint8

const (
	// ImplicitDeny: no statement applies (neither allowed nor denied).
	ImplicitDeny Decision = iota
	// Allow: an Allow applies and no Deny does.
	Allow
	// ExplicitDeny: a Deny applies; it wins over any Allow.
	ExplicitDeny
)

// String returns "implicit deny", "allow" or "explicit deny".
func (d Decision) String() string {
	switch d {
	case Allow:
		return "allow"
	case ExplicitDeny:
		return "explicit deny"
	}
	return "implicit deny"
}

// Principal is who makes a request. The zero value is an anonymous caller,
// which only "*" principals match.
type Principal struct {
	Account string // 123456789012
	ARN     string // arn:aws:iam::123456789012:user/alice, or an assumed-role session ARN
}

// Anonymous reports whether p is an anonymous caller.
func (p Principal) Anonymous() bool { return p.Account == "" && p.ARN == "" }

// Request is what a policy judges.
type Request struct {
	// Action such as execute-api:Invoke, matched case-insensitively.
	Action string
	// Resource such as a method ARN, matched case-sensitively.
	Resource  string
	Principal Principal
	// Context holds the condition keys; nil has none (aws:PrincipalAccount
	// and aws:PrincipalArn still come from Principal).
	Context *Context
}

// Policy is a compiled policy document. It is immutable and safe for
// simultaneous use by multiple goroutines.
type Policy struct {
	kind  Kind
	stmts []statement
}

type statement struct {
	deny         bool
	notAction    bool
	actions      []Pattern // lower-cased
	invoke       bool      // the actions cover execute-api:Invoke, the common request
	notResource  bool
	resources    []Pattern
	principals   *principalSet // nil: the statement names no principal
	notPrincipal bool
	conds        []condition
}

// Compile checks doc and compiles it. The error names every bad element.
func Compile(doc Document, opts Options) (*Policy, error) {
	if opts.Kind < Identity || opts.Kind > Authorizer {
		return nil, errors.New("unknown policy kind")
	}
	var errs []error
	switch doc.Version {
	case "", "2012-10-17", "2008-10-17":
	default:
		errs = append(errs, fmt.Errorf("Version %q: unknown (2012-10-17 or 2008-10-17)", doc.Version))
	}
	if len(doc.Statement) == 0 {
		errs = append(errs, errors.New("no Statement"))
	}
	p := &Policy{kind: opts.Kind, stmts: make([]statement, 0, len(doc.Statement))}
	for i, st := range doc.Statement {
		s, err := compileStatement(st, opts)
		if err != nil {
			name := fmt.Sprintf("Statement[%d]", i)
			if st.Sid != "" {
				name += fmt.Sprintf(" (Sid %q)", st.Sid)
			}
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		p.stmts = append(p.stmts, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

func compileStatement(st Statement, opts Options) (statement, error) {
	var s statement
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case strings.EqualFold(st.Effect, "Allow"):
	case strings.EqualFold(st.Effect, "Deny"):
		s.deny = true
	default:
		bad("Effect %q is neither Allow nor Deny", st.Effect)
	}

	switch {
	case len(st.Action) > 0 && len(st.NotAction) > 0:
		bad("both Action and NotAction")
	case len(st.Action) == 0 && len(st.NotAction) == 0:
		bad("no Action")
	}
	actions, elem := st.Action, "Action"
	if len(st.NotAction) > 0 {
		actions, elem, s.notAction = st.NotAction, "NotAction", true
	}
	for j, a := range actions {
		if a == "" {
			bad("%s[%d]: empty", elem, j)
			continue
		}
		if opts.Kind != Authorizer && a != "*" && !strings.Contains(a, ":") {
			bad("%s[%d] %q: not service:action", elem, j, a)
			continue
		}
		s.actions = append(s.actions, NewPattern(strings.ToLower(a)))
	}

	s.invoke = anyMatchFold(s.actions, ActionInvoke) != s.notAction

	switch {
	case len(st.Resource) > 0 && len(st.NotResource) > 0:
		bad("both Resource and NotResource")
	case len(st.Resource) == 0 && len(st.NotResource) == 0:
		bad("no Resource")
	}
	resources, elem := st.Resource, "Resource"
	if len(st.NotResource) > 0 {
		resources, elem, s.notResource = st.NotResource, "NotResource", true
	}
	for j, r := range resources {
		if r == "" {
			bad("%s[%d]: empty", elem, j)
			continue
		}
		if opts.ExpandResource != nil {
			x, err := opts.ExpandResource(r)
			if err != nil {
				bad("%s[%d] %q: %w", elem, j, r, err)
				continue
			}
			r = x
		}
		s.resources = append(s.resources, NewPattern(r))
	}

	if opts.Kind != Authorizer {
		hasP, hasNP := st.Principal != nil, st.NotPrincipal != nil
		switch {
		case opts.Kind == Identity && (hasP || hasNP):
			bad("an identity policy names no Principal")
		case opts.Kind == Resource && hasP && hasNP:
			bad("both Principal and NotPrincipal")
		case opts.Kind == Resource && !hasP && !hasNP:
			bad("no Principal or NotPrincipal")
		case hasP || hasNP:
			pr := st.Principal
			if hasNP {
				pr, s.notPrincipal = st.NotPrincipal, true
			}
			set, err := compilePrincipals(*pr)
			if err != nil {
				bad("%w", err)
			}
			s.principals = set
		}
		for _, op := range sortedKeys(st.Condition) {
			for _, key := range sortedKeys(st.Condition[op]) {
				c, err := compileCondition(op, key, st.Condition[op][key])
				if err != nil {
					bad("Condition %s %s: %w", op, key, err)
					continue
				}
				s.conds = append(s.conds, c)
			}
		}
	} else if len(st.Condition) > 0 {
		bad("Condition is not supported in an authorizer's policy")
	}
	return s, errors.Join(errs...)
}

// Evaluate judges r: an applicable Deny wins, then any applicable Allow,
// else the implicit deny.
func (p *Policy) Evaluate(r *Request) Decision {
	d := ImplicitDeny
	for i := range p.stmts {
		s := &p.stmts[i]
		if !s.applies(r) {
			continue
		}
		if s.deny {
			return ExplicitDeny
		}
		d = Allow
	}
	return d
}

// applies reports whether every element of s covers r.
func (s *statement) applies(r *Request) bool {
	if r.Action == ActionInvoke {
		if !s.invoke {
			return false
		}
	} else if anyMatchFold(s.actions, r.Action) == s.notAction {
		return false
	}
	if anyMatch(s.resources, r.Resource) == s.notResource {
		return false
	}
	if s.principals != nil && s.principals.match(r.Principal) == s.notPrincipal {
		return false
	}
	for i := range s.conds {
		if !s.conds[i].eval(r) {
			return false
		}
	}
	return true
}

func anyMatch(ps []Pattern, s string) bool {
	for _, p := range ps {
		if p.Match(s) {
			return true
		}
	}
	return false
}

func anyMatchFold(ps []Pattern, s string) bool {
	for _, p := range ps {
		if p.matchFold(s) {
			return true
		}
	}
	return false
}

// matchFold is Match with ASCII letters of s compared case-insensitively
// against a lower-cased pattern.
func (p Pattern) matchFold(s string) bool {
	if len(s) < len(p.prefix) || !equalFoldLower(s[:len(p.prefix)], p.prefix) {
		return false
	}
	if p.rest == "" {
		return len(s) == len(p.prefix)
	}
	if p.rest == "*" {
		return true
	}
	return globFold(p.rest, s[len(p.prefix):])
}

// equalFoldLower reports whether s equals the lower-case lower, ASCII
// letters of s compared case-insensitively.
func equalFoldLower(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if toLower(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

func toLower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// globFold is [Glob] against a lower-cased pattern, ASCII letters of s
// folded to lower case.
func globFold(pattern, s string) bool { return glob(pattern, s, true) }
