package iampolicy

import (
	"errors"
	"fmt"
	"strings"
)

// principalSet is a compiled Principal or NotPrincipal.
type principalSet struct {
	any      bool     // "*" or {"AWS": "*"}
	accounts []string // account ids: "123456789012" or arn:aws:iam::123456789012:root
	arns     []string // user, role and other principal ARNs
	roles    []role   // the role ARNs among arns, which match their sessions
}

// role is a role ARN split for matching its sessions' ARNs.
type role struct{ partition, account, name string }

// compilePrincipals checks a Principal. Principal types other than AWS
// (Service, Federated, CanonicalUser) are accepted but match no caller of
// an API.
func compilePrincipals(p Principals) (*principalSet, error) {
	s := &principalSet{any: p.Any}
	if p.Any {
		return s, nil
	}
	if len(p.ByType) == 0 {
		return nil, errors.New("Principal: empty")
	}
	var errs []error
	for _, typ := range sortedKeys(p.ByType) {
		vals := p.ByType[typ]
		if len(vals) == 0 {
			errs = append(errs, fmt.Errorf("Principal %s: no value", typ))
		}
		switch typ {
		case "AWS":
		case "Service", "Federated", "CanonicalUser":
			continue
		default:
			errs = append(errs, fmt.Errorf("Principal: unknown type %q (AWS, Service, Federated or CanonicalUser)", typ))
			continue
		}
		for _, v := range vals {
			switch {
			case v == "*":
				s.any = true
			case isAccountID(v):
				s.accounts = append(s.accounts, v)
			case strings.HasPrefix(v, "arn:"):
				if acct, ok := rootAccount(v); ok {
					s.accounts = append(s.accounts, acct)
				} else if strings.ContainsAny(v, "*?") {
					errs = append(errs, fmt.Errorf("Principal AWS %q: wildcards are only allowed as \"*\" alone", v))
				} else {
					s.arns = append(s.arns, v)
					if r, ok := parseRole(v); ok {
						s.roles = append(s.roles, r)
					}
				}
			default:
				errs = append(errs, fmt.Errorf("Principal AWS %q: neither an account id, an ARN nor \"*\"", v))
			}
		}
	}
	return s, errors.Join(errs...)
}

// match reports whether the set names p.
func (s *principalSet) match(p Principal) bool {
	if s.any {
		return true
	}
	if p.Anonymous() {
		return false
	}
	for _, a := range s.accounts {
		if a == p.Account {
			return true
		}
	}
	for _, a := range s.arns {
		if a == p.ARN {
			return true
		}
	}
	if len(s.roles) == 0 {
		return false
	}
	if sess, ok := parseSession(p.ARN); ok {
		for _, r := range s.roles {
			if r == sess {
				return true
			}
		}
	}
	return false
}

// isAccountID reports whether s is a 12-digit AWS account id.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// rootAccount returns the account of arn:PARTITION:iam::ACCOUNT:root.
func rootAccount(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" || parts[5] != "root" || !isAccountID(parts[4]) {
		return "", false
	}
	return parts[4], true
}

// parseRole splits arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
func parseRole(arn string) (role, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return role{}, false
	}
	rest, ok := strings.CutPrefix(parts[5], "role/")
	if !ok {
		return role{}, false
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	if name == "" {
		return role{}, false
	}
	return role{partition: parts[1], account: parts[4], name: name}, true
}

// parseSession splits an assumed-role session ARN,
// arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION, into its role,
// without allocating.
func parseSession(arn string) (role, bool) {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return role{}, false
	}
	partition, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return role{}, false
	}
	rest, ok = strings.CutPrefix(rest, "sts::")
	if !ok {
		return role{}, false
	}
	account, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return role{}, false
	}
	rest, ok = strings.CutPrefix(rest, "assumed-role/")
	if !ok {
		return role{}, false
	}
	name, session, ok := strings.Cut(rest, "/")
	if !ok || name == "" || session == "" {
		return role{}, false
	}
	return role{partition: partition, account: account, name: name}, true
}
