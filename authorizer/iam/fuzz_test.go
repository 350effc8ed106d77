package iam

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var fuzzNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// FuzzParseAuthorization feeds arbitrary Authorization and X-Amz-Date
// values to the header parser and the checks that need no secret: nothing
// may panic, and a parse that succeeds has every part AWS requires.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", "20150830T123600Z")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e/, SignedHeaders=, Signature=x", "2015")
	f.Add("Bearer eyJ", "")
	f.Add("AWS4-HMAC-SHA256 Credential= /x, ,,, =", "20300102T030405Z")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, hdr, date string) {
		s, e := parseAuthorization(hdr, date, false)
		if e != nil {
			if e.StatusCode() != 403 || e.MessageText() == "" {
				t.Fatalf("refusal %v", e)
			}
			return
		}
		if s.credential == "" || s.sig == "" || date == "" || s.signedHeaders == nil {
			t.Fatalf("accepted %q without every part: %+v", hdr, s)
		}
		if e := s.checkFields(fuzzNow, DefaultMaxSkew, "us-east-1", Service); e == nil && len(s.scope) != 5 {
			t.Fatalf("scope %q", s.scope)
		}
	})
}

// FuzzAuthorize sends requests with arbitrary Authorization headers, query
// strings and paths through the whole verifier. It must never panic,
// refuse with anything but 403 (or 400/413 for bodies), and accept only
// the one validly signed request it was seeded with: a fuzzer cannot forge
// an HMAC, and no variant of the request may verify.
func FuzzAuthorize(f *testing.F) {
	const key, secret = "AKIAFUZZ000000000001", "fuzz/secret"
	a, err := New(Config{Region: "us-east-1", Credentials: NewStatic(Credential{AccessKeyID: key, SecretAccessKey: secret, Policy: allowAll}),
		Now: func() time.Time { return fuzzNow }})
	if err != nil {
		f.Fatal(err)
	}
	valid := httptest.NewRequest("GET", "/prod/pets?a=1&b=x%20y", nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, valid, emptyHash, Service, "us-east-1", fuzzNow); err != nil {
		f.Fatal(err)
	}
	validHdr, validTarget := valid.Header.Get("Authorization"), valid.URL.RequestURI()
	f.Add(validHdr, validTarget)
	f.Add(validHdr, "/prod/pets?b=x%20y&a=1")
	f.Add(validHdr, "/prod/pets?a=1&b=x+y")
	f.Add(validHdr, "/prod//pets?a=1&b=x%20y")
	f.Add("", "/prod/pets?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="+key+"%2F20300102%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20300102T030405Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00")
	f.Fuzz(func(t *testing.T, hdr, target string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " #\r\n\x00") {
			return
		}
		r, err := http.NewRequest("GET", "http://example.com"+target, nil)
		if err != nil {
			return
		}
		r.RequestURI, r.Host = target, "example.com"
		r.Header.Set("X-Amz-Date", "20300102T030405Z")
		if hdr != "" {
			r.Header.Set("Authorization", hdr)
		}
		c := apigw.NewRequestContext(r, fuzzNow)
		err = a.Authorize(r, c, nil)
		if err == nil {
			if hdr != validHdr {
				t.Fatalf("accepted a forged header %q for %q", hdr, target)
			}
			if canonicalTarget(target) != canonicalTarget(validTarget) {
				t.Fatalf("accepted %q, which is not the signed request %q", target, validTarget)
			}
			return
		}
		e, ok := err.(*apigw.Error)
		if !ok || (e.StatusCode() != 403 && e.StatusCode() != 400 && e.StatusCode() != 413) {
			t.Fatalf("refusal %v", err)
		}
	})
}

// canonicalTarget is a request target as SigV4 canonicalises it.
func canonicalTarget(target string) string {
	path, raw, _ := strings.Cut(target, "?")
	q, err := parseQuery(raw)
	if err != nil {
		return "bad query"
	}
	return path + "?" + canonicalQuery(q)
}

// FuzzParseINI: the shared-credentials reader never panics.
func FuzzParseINI(f *testing.F) {
	f.Add("[a]\naws_access_key_id = k\naws_secret_access_key = s\n  nested = 1\n# c\n")
	f.Add("[")
	f.Fuzz(func(t *testing.T, data string) {
		_, _ = ParseSharedCredentials([]byte(data), SharedCredentialsOptions{AccountID: "123456789012"})
	})
}
