package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cache"
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

// TestOneResourceOneKey: what is keyed on the path (cache entries, a
// method's stage settings and throttle bucket, $context.path and
// $context.resourcePath) is keyed on the canonical form, so a resource
// spelled another way shares the entry, the bucket and the settings.
func TestOneResourceOneKey(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var calls atomic.Int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		fmt.Fprintf(w, `{"call":%d,"path":%q,"resourcePath":%q}`, calls.Add(1), c.Path, c.ResourcePath)
	})
	off := false
	gw := mustNew(t,
		WithClock(func() time.Time { return now }),
		WithCache(cache.Config{XCache: true}),
		WithStage(stage.Stage{Name: "prod", MethodSettings: map[string]stage.MethodSettings{
			"/nocache/GET": {CachingEnabled: &off},
			"/limited/GET": {ThrottlingRateLimit: 1, ThrottlingBurstLimit: 1, CachingEnabled: &off},
		}}),
		Route("GET /artists/{id}", Method{Integration: Handler(backend), Cache: &CacheSettings{KeyParameters: []string{"method.request.path.id"}}}),
		Route("GET /nocache", Method{Integration: Handler(backend)}),
		Route("GET /limited", Method{Integration: Handler(backend)}),
	)
	if rec := do(t, gw, "GET", "/artists/1", ""); rec.Header().Get("X-Cache") != "Miss" {
		t.Fatalf("first GET: %d %s %q", rec.Code, rec.Body, rec.Header().Get("X-Cache"))
	}
	for _, path := range []string{"/artists/1/", "/artists//1", "//artists/1", "/artists/./1", "/artists/x/../1", "/%61rtists/%31"} {
		rec := do(t, gw, "GET", path, "")
		if rec.Code != 200 || rec.Header().Get("X-Cache") != "Hit" || !strings.Contains(rec.Body.String(), `"call":1,`) {
			t.Errorf("GET %s: %d %s %q, want the first answer from the cache", path, rec.Code, rec.Body, rec.Header().Get("X-Cache"))
		}
	}
	for _, path := range []string{"/nocache/", "//nocache", "/x/../nocache"} {
		before := calls.Load()
		rec := do(t, gw, "GET", path, "")
		if rec.Code != 200 || calls.Load() != before+1 {
			t.Errorf("GET %s: %d %s: the stage's CachingEnabled=false was not applied", path, rec.Code, rec.Body)
		}
		if want := `"path":"/nocache","resourcePath":"/nocache"`; !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s: %s, want %s", path, rec.Body, want)
		}
	}
	if rec := do(t, gw, "GET", "/limited", ""); rec.Code != 200 {
		t.Fatalf("first GET /limited: %d", rec.Code)
	}
	for _, path := range []string{"/limited/", "//limited", "/limited/.", "/%6cimited"} {
		wantError(t, do(t, gw, "GET", path, ""), 429, "Too Many Requests", "TooManyRequestsException")
	}
}
