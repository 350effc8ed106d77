package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/stage"
	"github.com/aws/aws-lambda-go/events"
)

// policyFunc is a TOKEN authorizer that allows the whole stage but denies
// GET /pets/secret and everything under /files/private, as a user writes it.
func policyFunc(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	arn := req.MethodArn[:strings.Index(req.MethodArn, "/")] // arn:aws:execute-api:region:account:api
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "user",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
			{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{arn + "/prod/*"}},
			{Action: []string{"execute-api:Invoke"}, Effect: "Deny", Resource: []string{
				arn + "/prod/GET/pets/secret", arn + "/prod/*/files/private/*"}},
		}},
	}, nil
}

// TestDenyCannotBeSpelledAround is the trust issue's policy bypass: every
// spelling of a denied resource is denied (or served by no route), for
// every integration kind, with one stage at the root and with several
// under /{stage}/; the backend never sees the request.
func TestDenyCannotBeSpelledAround(t *testing.T) {
	denied := []string{
		"/pets/secret", "/pets/secret/", "/pets//secret", "//pets/secret", "/pets/secret//",
		"/pets/./secret", "/./pets/secret", "/pets/secret/.", "/pets/x/../secret", "/pets/secret/x/..",
		"/../pets/secret", "/pets/%73ecret", "/pets/%73%65cret", "/p%65ts/secret", "/pets/%2E/secret",
		"/pets/x/%2e%2E/secret", "/pets/secret%2F", "/pets%2Fsecret", "/pets/secret%00",
		"/files/private/a", "/files//private/a", "/files/public/../private/a", "/files/private/./a/",
		"/files/%70rivate/a", "/files/private/a/b/../c",
	}
	for _, k := range everyKind(t) {
		for _, multi := range []bool{false, true} {
			prefix, opts := "", []Option{WithStage(stage.Stage{Name: "prod"})}
			if multi {
				prefix, opts = "/prod", append(opts, WithStage(stage.Stage{Name: "test"}))
			}
			tok, err := authorizer.NewToken(authorizer.TokenConfig{Func: policyFunc, TTL: authorizer.NoCache})
			if err != nil {
				t.Fatal(err)
			}
			gw := mustNew(t, append(opts, WithAuthorizer("policy", tok),
				Route("GET /pets/{id}", Method{Authorizer: "policy", Integration: k.build("/pets/{id}")}),
				Route("ANY /files/{path+}", Method{Authorizer: "policy", Integration: k.build("/files/{path+}")}),
			)...)
			for _, path := range denied {
				for _, method := range []string{"GET", "get"} {
					name := k.name + " " + method + " " + prefix + path
					before := k.calls.Load()
					rec := do(t, gw, method, prefix+path, "", "Authorization", "token")
					if rec.Code != 403 {
						t.Errorf("%s: %d %s, want 403", name, rec.Code, rec.Body)
					}
					if k.calls.Load() != before {
						t.Errorf("%s: the backend was reached", name)
					}
				}
			}
			// The same resources spelled canonically otherwise are served,
			// and the backend sees the canonical path.
			for path, want := range map[string]string{
				"/pets/public/":          "/pets/public",
				"/pets//%70ublic":        "/pets/public",
				"/files/./public/a/../b": "/files/public/b",
				"/pets/Secret":           "/pets/Secret", // paths are case-sensitive, as AWS's are
			} {
				rec := do(t, gw, "GET", prefix+path, "", "Authorization", "token")
				if rec.Code != 200 {
					t.Errorf("%s GET %s: %d %s", k.name, prefix+path, rec.Code, rec.Body)
					continue
				}
				if !k.echoes {
					continue
				}
				var s seen
				if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
					t.Fatal(err)
				}
				wantPath := want
				if k.name == "lambda-v2" {
					wantPath = prefix + want
				}
				if s.Path != wantPath {
					t.Errorf("%s GET %s: backend saw %q, want %q", k.name, prefix+path, s.Path, wantPath)
				}
			}
		}
	}
}

func TestCanonicalPath(t *testing.T) {
	for _, tc := range []struct{ in, escaped, decoded string }{
		{"/", "/", "/"},
		{"//", "/", "/"},
		{"/a/b", "/a/b", "/a/b"},
		{"/a/b/", "/a/b", "/a/b"},
		{"/a//b", "/a/b", "/a/b"},
		{"/a/./b/../c", "/a/c", "/a/c"},
		{"/..", "/", "/"},
		{"/.well-known/x", "/.well-known/x", "/.well-known/x"},
		{"/a/..b/c.", "/a/..b/c.", "/a/..b/c."},
		{"/%7e%41", "/~A", "/~A"},
		{"/a%20b", "/a%20b", "/a b"},
		{"/a%c3%a9", "/a%C3%A9", "/aé"},
		{"/a%3fb", "/a%3Fb", "/a?b"},
		{"/a%25b", "/a%25b", "/a%b"},
		{"/a%2fb", "", ""},
		{"/a%00", "", ""},
		{"/a%zz", "", ""},
		{"/a%4", "", ""},
		{"*", "", ""},
	} {
		esc, dec, ok := canonicalPath(tc.in)
		if ok != (tc.escaped != "") || esc != tc.escaped || dec != tc.decoded {
			t.Errorf("canonicalPath(%q) = %q, %q, %v; want %q, %q", tc.in, esc, dec, ok, tc.escaped, tc.decoded)
		}
	}
	for in, want := range map[string]string{"get": "GET", "Post": "POST", "GET": "GET", "propfind": "propfind", "any": "any"} {
		if got := canonicalMethod(in); got != want {
			t.Errorf("canonicalMethod(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCanonicalPath: canonicalisation never panics, is idempotent, and its
// result has no empty, "." or ".." segment and no escaped slash.
func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"/", "//a", "/a/./b/../c/", "/%2e%2E/x", "/a%2Fb", "/a%", "/%41%c3%a9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		esc, dec, ok := canonicalPath(p)
		if !ok {
			return
		}
		again, dec2, ok := canonicalPath(esc)
		if !ok || again != esc || dec2 != dec {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", p, esc, again, ok)
		}
		if esc != "/" && (strings.HasSuffix(esc, "/") || strings.Contains(esc, "//")) {
			t.Fatalf("%q -> %q has an empty segment", p, esc)
		}
		for _, seg := range strings.Split(esc, "/")[1:] {
			if seg == "." || seg == ".." || strings.Contains(strings.ToUpper(seg), "%2F") {
				t.Fatalf("%q -> %q has segment %q", p, esc, seg)
			}
		}
	})
}
