package iam_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
)

// benchRequest returns a signed request in a Context, verified once so that
// the access key's signer and derived key are cached.
func benchRequest(b *testing.B, a *iam.Authorizer, r *http.Request) (*http.Request, *apigw.Context) {
	b.Helper()
	c := apigw.NewRequestContext(r, testNow)
	c.Region, c.AccountID, c.APIID, c.Stage = region, account, "abc123", "prod"
	c.StagePath = strings.TrimPrefix(c.Path, "/prod")
	r.RequestURI = r.URL.RequestURI()
	r = r.WithContext(apigw.NewContext(r.Context(), c))
	if err := a.Authorize(r, c, nil); err != nil {
		b.Fatal(err)
	}
	return r, c
}

// BenchmarkVerify is the verification of one signed GET (header form,
// four signed headers, a query string) with the signing key cached, the
// identity policy included.
func BenchmarkVerify(b *testing.B) {
	a := newAuthorizer(b, nil)
	r := request("GET", "/prod/pets/7?type=dog&page=2", nil)
	r.Header.Set("Accept", "application/json")
	r.Header.Set("X-Tenant", "acme")
	r, c := benchRequest(b, a, sign(b, r, aliceKey, aliceSecret, "", nil, testNow))
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Authorize(r, c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyTwoKeys alternates two access keys: each keeps its own
// signer and derived key.
func BenchmarkVerifyTwoKeys(b *testing.B) {
	a := newAuthorizer(b, nil)
	ra, ca := benchRequest(b, a, sign(b, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow))
	rb, cb := benchRequest(b, a, sign(b, request("GET", "/prod/pets", nil), bobKey, bobSecret, "", nil, testNow))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r, c := ra, ca
		if i++; i%2 == 0 {
			r, c = rb, cb
		}
		if err := a.Authorize(r, c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresigned is a presigned GET.
func BenchmarkVerifyPresigned(b *testing.B) {
	a := newAuthorizer(b, nil)
	u := presign(b, request("GET", "/prod/pets/7?type=dog", nil), aliceKey, aliceSecret, "", 0, testNow)
	r, c := benchRequest(b, a, request("GET", u, nil))
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Authorize(r, c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyBody1KB is a POST of 1 KB, body hashed (the body is read
// once per request by the gateway and kept in the Context).
func BenchmarkVerifyBody1KB(b *testing.B) {
	a := newAuthorizer(b, nil)
	body := make([]byte, 1024)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	r, c := benchRequest(b, a, sign(b, request("POST", "/prod/pets", body), aliceKey, aliceSecret, "", body, testNow))
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Authorize(r, c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResourcePolicy is the evaluation of a resource policy of four
// statements (IP condition, a named principal, an account condition) for
// an AWS_IAM caller.
func BenchmarkResourcePolicy(b *testing.B) {
	rp := authorizer.MustResourcePolicy(authorizer.ResourcePolicyConfig{Document: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","10.0.0.0/8"]}}},
		{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"execute-api:Invoke","Resource":"execute-api:/*/PUT/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/DELETE/*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"123456789012"}}}]}`,
		Region: region, AccountID: account, APIID: "abc123"})
	r := request("GET", "/prod/pets/7", nil)
	c := apigw.NewRequestContext(r, testNow)
	c.Region, c.AccountID, c.APIID, c.Stage = region, account, "abc123", "prod"
	c.StagePath = strings.TrimPrefix(c.Path, "/prod")
	c.Identity.AccountID, c.Identity.UserARN = account, "arn:aws:iam::123456789012:user/alice"
	in := authorizer.NewPolicyInput(r, c)
	b.ReportAllocs()
	for b.Loop() {
		if rp.Decide(&in) != authorizer.Allow {
			b.Fatal("not allowed")
		}
	}
}
