package iam_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
)

const credentialsFile = `# AWS shared credentials
[alice]
aws_access_key_id = AKIAALICE00000000001
aws_secret_access_key = alice/secret/key/0000000000000000000001

; bob's keys
[bob]
AWS_ACCESS_KEY_ID=AKIABOB0000000000001
aws_secret_access_key=bob/secret/key/00000000000000000000001
aws_account_id = 210987654321

[temp]
aws_access_key_id = ASIATEMP000000000001
aws_secret_access_key = temp/secret/key/0000000000000000000001
aws_session_token = FwoGZXIvYXdzEXAMPLE==

[sso]
sso_session = corp
s3 =
  max_concurrent_requests = 20
`

func TestSharedCredentials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(credentialsFile), 0o600); err != nil {
		t.Fatal(err)
	}
	creds, err := iam.LoadSharedCredentials(path, iam.SharedCredentialsOptions{
		AccountID: account, Policy: invokeAll, Policies: map[string]*authorizer.Policy{"bob": nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 3 {
		t.Fatalf("%d credentials", len(creds))
	}
	alice, err := creds.Lookup(context.Background(), aliceKey)
	if err != nil || alice.SecretAccessKey != aliceSecret || alice.Identity.UserARN != "arn:aws:iam::123456789012:user/alice" ||
		alice.Identity.User != "alice" || alice.Identity.Caller != "alice" || alice.Policy != invokeAll {
		t.Fatalf("alice: %+v, %v", alice, err)
	}
	bob, _ := creds.Lookup(context.Background(), bobKey)
	if bob.Identity.AccountID != "210987654321" || bob.Identity.UserARN != "arn:aws:iam::210987654321:user/bob" || bob.Policy != nil {
		t.Fatalf("bob: %+v", bob)
	}
	temp, _ := creds.Lookup(context.Background(), tempKey)
	if temp.SessionToken != "FwoGZXIvYXdzEXAMPLE==" {
		t.Fatalf("temp: %+v", temp)
	}
	if _, err := creds.Lookup(context.Background(), "AKIANOBODY"); !errors.Is(err, iam.ErrUnknownAccessKey) {
		t.Fatalf("unknown: %v", err)
	}
	// The file's users sign requests the authorizer accepts.
	a := newAuthorizer(t, func(c *iam.Config) { c.Credentials = creds })
	if _, err := authorize(a, sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow)); err != nil {
		t.Fatal(err)
	}
}

func TestSharedCredentialsErrors(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"aws_access_key_id = x", "line 1: key outside a profile"},
		{"[a\naws_access_key_id = x", "a profile header is [name]"},
		{"[]\n", "empty profile name"},
		{"[a]\n[a]\n", `profile "a" appears twice`},
		{"[a]\njunk\n", "is not key = value"},
		{"  indented\n", "indented line outside a profile"},
		{"[a]\naws_access_key_id = x\n", `profile "a": aws_access_key_id without aws_secret_access_key`},
		{"[a]\naws_secret_access_key = x\n", `profile "a": aws_secret_access_key without aws_access_key_id`},
		{"[a]\naws_access_key_id = k\naws_secret_access_key = s\n[b]\naws_access_key_id = k\naws_secret_access_key = t\n", `access key k is profile "a"'s too`},
	} {
		if _, err := iam.ParseSharedCredentials([]byte(tt.file), iam.SharedCredentialsOptions{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.file, err, tt.want)
		}
	}
	if _, err := iam.ParseSharedCredentials([]byte("[a]\n"), iam.SharedCredentialsOptions{Policies: map[string]*authorizer.Policy{"zed": nil}}); err == nil || !strings.Contains(err.Error(), `Policies["zed"]: no such profile`) {
		t.Errorf("unknown policy profile: %v", err)
	}
	if _, err := iam.LoadSharedCredentials(filepath.Join(t.TempDir(), "none"), iam.SharedCredentialsOptions{}); err == nil {
		t.Error("missing file")
	}
}
