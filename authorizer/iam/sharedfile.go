package iam

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/apigw/apigw/authorizer"
)

// SharedCredentialsOptions tune [LoadSharedCredentials].
type SharedCredentialsOptions struct {
	// AccountID is the account of every profile that names none with
	// aws_account_id.
	AccountID string
	// Policies gives profiles, by name, their identity policy; profiles
	// not in it get Policy (nil: they may invoke nothing unless the API's
	// resource policy allows).
	Policies map[string]*authorizer.Policy
	Policy   *authorizer.Policy
}

// LoadSharedCredentials reads an AWS shared-credentials file (the format
// of ~/.aws/credentials) once: each profile with aws_access_key_id and
// aws_secret_access_key is a credential (aws_session_token makes it
// temporary; aws_account_id names its account). The profile's name is the
// IAM user: its ARN is arn:aws:iam::ACCOUNT:user/NAME, and caller and user
// are NAME. Profiles without an access key (role or SSO profiles) are
// skipped. The error names each bad profile.
func LoadSharedCredentials(path string, opts SharedCredentialsOptions) (Static, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	s, err := ParseSharedCredentials(data, opts)
	if err != nil {
		return nil, fmt.Errorf("iam: %s: %w", path, err)
	}
	return s, nil
}

// ParseSharedCredentials is [LoadSharedCredentials] of the file's content.
func ParseSharedCredentials(data []byte, opts SharedCredentialsOptions) (Static, error) {
	profiles, order, err := parseINI(data)
	if err != nil {
		return nil, err
	}
	s := make(Static, len(profiles))
	owner := map[string]string{}
	var errs []error
	for _, name := range order {
		p := profiles[name]
		akid, secret := p["aws_access_key_id"], p["aws_secret_access_key"]
		switch {
		case akid == "" && secret == "":
			continue
		case akid == "":
			errs = append(errs, fmt.Errorf("profile %q: aws_secret_access_key without aws_access_key_id", name))
			continue
		case secret == "":
			errs = append(errs, fmt.Errorf("profile %q: aws_access_key_id without aws_secret_access_key", name))
			continue
		}
		if other, dup := owner[akid]; dup {
			errs = append(errs, fmt.Errorf("profile %q: access key %s is profile %q's too", name, akid, other))
			continue
		}
		owner[akid] = name
		acct := p["aws_account_id"]
		if acct == "" {
			acct = opts.AccountID
		}
		pol, ok := opts.Policies[name]
		if !ok {
			pol = opts.Policy
		}
		s[akid] = Credential{
			AccessKeyID: akid, SecretAccessKey: secret, SessionToken: p["aws_session_token"],
			Identity: Identity{AccountID: acct, UserARN: "arn:aws:iam::" + acct + ":user/" + name, Caller: name, User: name},
			Policy:   pol,
		}
	}
	for name := range opts.Policies {
		if _, ok := profiles[name]; !ok {
			errs = append(errs, fmt.Errorf("Policies[%q]: no such profile", name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// parseINI reads the sections and keys of an AWS credentials file: [name]
// headers, key = value lines, full-line '#' and ';' comments; indented
// lines continue a nested value and are ignored.
func parseINI(data []byte) (map[string]map[string]string, []string, error) {
	profiles := map[string]map[string]string{}
	var order []string
	var cur map[string]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case raw[0] == ' ' || raw[0] == '\t':
			if cur == nil {
				return nil, nil, fmt.Errorf("line %d: indented line outside a profile", n)
			}
			continue // a nested value's continuation
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") {
				return nil, nil, fmt.Errorf("line %d: %q: a profile header is [name]", n, line)
			}
			name := strings.TrimSpace(line[1 : len(line)-1])
			if name == "" {
				return nil, nil, fmt.Errorf("line %d: empty profile name", n)
			}
			if _, dup := profiles[name]; dup {
				return nil, nil, fmt.Errorf("line %d: profile %q appears twice", n, name)
			}
			cur = map[string]string{}
			profiles[name] = cur
			order = append(order, name)
		default:
			if cur == nil {
				return nil, nil, fmt.Errorf("line %d: key outside a profile", n)
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, nil, fmt.Errorf("line %d: %q is not key = value", n, line)
			}
			cur[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	return profiles, order, nil
}
