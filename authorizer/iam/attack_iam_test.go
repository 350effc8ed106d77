package iam_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
	"github.com/apigw/apigw/gateway"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Attack tests of AWS_IAM through gateway.New: each asserts the secure
// outcome, so a failure is a finding.

const (
	eveKey    = "AKIAEVE0000000000001"
	eveSecret = "eve/secret/key/0000000000000000000001"
	malKey    = "AKIAMAL0000000000001"
	malSecret = "mal/secret/key/0000000000000000000001"
	otherAcct = "999999999999"
)

// attackGateway serves GET/PUT /files/{name} behind AWS_IAM and a resource
// policy; eve (another account) may invoke everything by her identity
// policy, mal (this account) may invoke only /files/public*, with a Deny of
// /files/secret.
func attackGateway(t *testing.T, resourcePolicy string, mod func(*iam.Config)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	creds := iam.NewStatic(
		iam.Credential{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret, Policy: invokeAll,
			Identity: iam.Identity{AccountID: account, UserARN: "arn:aws:iam::" + account + ":user/alice"}},
		iam.Credential{AccessKeyID: eveKey, SecretAccessKey: eveSecret, Policy: invokeAll,
			Identity: iam.Identity{AccountID: otherAcct, UserARN: "arn:aws:iam::" + otherAcct + ":user/eve"}},
		iam.Credential{AccessKeyID: malKey, SecretAccessKey: malSecret,
			Policy: authorizer.MustPolicy(`{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc123/*/*/files/public*"},
				{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc123/*/*/files/secret"}]}`),
			Identity: iam.Identity{AccountID: account, UserARN: "arn:aws:iam::" + account + ":user/mal"}},
	)
	cfg := iam.Config{Region: region, Credentials: creds, Now: func() time.Time { return testNow }}
	if mod != nil {
		mod(&cfg)
	}
	a, err := iam.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		b, _ := io.ReadAll(r.Body)
		w.Write([]byte(r.Method + " " + r.URL.Path + " " + string(b)))
	})
	opts := []gateway.Option{
		gateway.WithAPIID("abc123"), gateway.WithRegion(region), gateway.WithAccountID(account),
		gateway.WithClock(func() time.Time { return testNow }),
		gateway.WithAuthorizer("iam", a),
		gateway.Route("GET /files/{name}", gateway.Method{Authorizer: "iam", Integration: gateway.Handler(backend)}),
		gateway.Route("PUT /files/{name}", gateway.Method{Authorizer: "iam", Integration: gateway.Handler(backend)}),
		gateway.Route("ANY /any/{proxy+}", gateway.Method{Authorizer: "iam", Integration: gateway.Handler(backend)}),
	}
	if resourcePolicy != "" {
		opts = append(opts, gateway.WithResourcePolicy(resourcePolicy))
	}
	gw, err := gateway.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv, &n
}

func send(t *testing.T, srv *httptest.Server, r *http.Request) (int, string) {
	t.Helper()
	res, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func newReq(t *testing.T, method, url string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAttackIAMCrossAccount: a caller of another account needs an Allow
// from both its identity policy and the resource policy (AWS's Table B);
// a resource policy Allow for "*" opens nothing to it alone... unless its
// identity policy allows too; an explicit Deny anywhere wins.
func TestAttackIAMCrossAccount(t *testing.T) {
	// No resource policy: eve's identity policy alone must not open the API
	// of another account (AWS: cross-account needs the resource policy).
	srv, n := attackGateway(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`, nil)
	r := sign(t, newReq(t, "GET", srv.URL+"/files/a", nil), eveKey, eveSecret, "", nil, testNow)
	if code, body := send(t, srv, r); code/100 == 2 {
		t.Errorf("eve (other account) without a resource-policy Allow: %d %s", code, body)
	}
	// The resource policy denies secret to everyone; alice's Allow-all
	// identity policy does not pass it, nor do spellings of the path.
	srv, n = attackGateway(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/files/secret"}]}`, nil)
	for _, p := range []string{"/files/secret", "/files/%73ecret", "/files/secret/", "/files/x/%2e%2e/secret"} {
		before := n.Load()
		r := sign(t, newReq(t, "GET", srv.URL+p, nil), aliceKey, aliceSecret, "", nil, testNow)
		if code, body := send(t, srv, r); code/100 == 2 || n.Load() != before {
			t.Errorf("alice GET %s under a resource-policy Deny: %d %s", p, code, body)
		}
	}
	// mal's own identity-policy Deny of secret is not passed by the
	// resource policy's Allow of "*", nor by path spellings; his
	// public* Allow does not open public/../secret.
	for _, p := range []string{"/files/secret", "/files/%73ecret", "/any/../files/secret", "/files/public/../secret", "/files/public%2F..%2Fsecret"} {
		before := n.Load()
		r := sign(t, newReq(t, "GET", srv.URL+p, nil), malKey, malSecret, "", nil, testNow)
		if code, body := send(t, srv, r); (code/100 == 2 || n.Load() != before) && !strings.Contains(body, "/files/public") {
			t.Errorf("mal GET %s: %d %s", p, code, body)
		}
	}
	// eve, another account, with a resource policy Allow of "*": both
	// allow, so she is in (sanity) — but not to secret.
	r = sign(t, newReq(t, "GET", srv.URL+"/files/secret", nil), eveKey, eveSecret, "", nil, testNow)
	if code, body := send(t, srv, r); code/100 == 2 {
		t.Errorf("eve GET /files/secret: %d %s", code, body)
	}
}

// TestAttackSigV4Replay: a signed request cannot be replayed with another
// body, another path, query parameters added, another host, or out of its
// time window; a credential scoped to another service or region is
// refused; UNSIGNED-PAYLOAD is refused unless configured.
func TestAttackSigV4Replay(t *testing.T) {
	srv, n := attackGateway(t, "", nil)
	// Signed with UNSIGNED-PAYLOAD, not allowed by default.
	r := newReq(t, "PUT", srv.URL+"/files/a", []byte("evil"))
	r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	signWithPayload(t, r, aliceKey, aliceSecret, "UNSIGNED-PAYLOAD", testNow)
	if code, body := send(t, srv, r); code/100 == 2 {
		t.Errorf("UNSIGNED-PAYLOAD without AllowUnsignedPayload: %d %s", code, body)
	}

	// Body swapped after signing, with and without the header claiming
	// UNSIGNED-PAYLOAD.
	for _, claim := range []string{"", "UNSIGNED-PAYLOAD"} {
		for _, allow := range []bool{false, true} {
			srv, _ := attackGateway(t, "", func(c *iam.Config) { c.AllowUnsignedPayload = allow })
			r := sign(t, newReq(t, "PUT", srv.URL+"/files/a", []byte("good")), aliceKey, aliceSecret, "", []byte("good"), testNow)
			r2 := newReq(t, "PUT", srv.URL+"/files/a", []byte("evil"))
			r2.Header = r.Header.Clone()
			if claim != "" {
				r2.Header.Set("X-Amz-Content-Sha256", claim)
			}
			if code, body := send(t, srv, r2); code/100 == 2 {
				t.Errorf("body swapped (claim %q, allowUnsigned %v): %d %s", claim, allow, code, body)
			}
		}
	}

	// Presigned URL with a parameter appended, or one repeated.
	r = newReq(t, "GET", srv.URL+"/files/public?a=1", nil)
	u := presign(t, r, aliceKey, aliceSecret, "", 5*time.Minute, testNow)
	for _, extra := range []string{"&b=2", "&a=2", "&X-Amz-Security-Token=x", "&x-amz-signature=0", "&X-Amz-Expires=604800"} {
		before := n.Load()
		if code, body := send(t, srv, newReq(t, "GET", u+extra, nil)); code/100 == 2 || n.Load() != before {
			t.Errorf("presigned + %q: %d %s", extra, code, body)
		}
	}
	// Presigned URL used with another method or path.
	if code, body := send(t, srv, newReq(t, "PUT", u, []byte("x"))); code/100 == 2 {
		t.Errorf("presigned GET used as PUT: %d %s", code, body)
	}
	if code, body := send(t, srv, newReq(t, "GET", strings.Replace(u, "/files/public", "/files/secret", 1), nil)); code/100 == 2 {
		t.Errorf("presigned URL on another path: %d %s", code, body)
	}
	// Presigned with a long expiry but signed 8 days ago.
	r = newReq(t, "GET", srv.URL+"/files/public", nil)
	old := presign(t, r, aliceKey, aliceSecret, "", 7*24*time.Hour, testNow.Add(-8*24*time.Hour))
	if code, body := send(t, srv, newReq(t, "GET", old, nil)); code/100 == 2 {
		t.Errorf("presigned 8 days ago for 7 days: %d %s", code, body)
	}
	// Presigned in the future, valid for a week.
	r = newReq(t, "GET", srv.URL+"/files/public", nil)
	fut := presign(t, r, aliceKey, aliceSecret, "", 7*24*time.Hour, testNow.Add(24*time.Hour))
	if code, body := send(t, srv, newReq(t, "GET", fut, nil)); code/100 == 2 {
		t.Errorf("presigned a day in the future: %d %s", code, body)
	}

	// Header-signed request out of its time window.
	for _, at := range []time.Time{testNow.Add(-time.Hour), testNow.Add(time.Hour), testNow.Add(-6 * time.Minute), testNow.Add(6 * time.Minute)} {
		r := sign(t, newReq(t, "GET", srv.URL+"/files/public", nil), aliceKey, aliceSecret, "", nil, at)
		if code, body := send(t, srv, r); code/100 == 2 {
			t.Errorf("signed at %v (now %v): %d %s", at, testNow, code, body)
		}
	}
	// Signed for another host, sent to this one.
	r = newReq(t, "GET", srv.URL+"/files/public", nil)
	r.Host = "other.example"
	sign(t, r, aliceKey, aliceSecret, "", nil, testNow)
	r.Host = ""
	if code, body := send(t, srv, r); code/100 == 2 {
		t.Errorf("signed for another host: %d %s", code, body)
	}
	// Path spelled differently after signing.
	r = sign(t, newReq(t, "GET", srv.URL+"/files/public", nil), aliceKey, aliceSecret, "", nil, testNow)
	r2 := newReq(t, "GET", srv.URL+"/files/%70ublic", nil)
	r2.Header = r.Header.Clone()
	if code, _ := send(t, srv, r2); code/100 == 2 {
		t.Logf("note: path respelled after signing accepted: %d (see TestAttackSigV4VerifiesClientPath)", code)
	}
	// Method case changed after signing (the gateway upper-cases "get").
	r = sign(t, newReq(t, "GET", srv.URL+"/files/public", nil), aliceKey, aliceSecret, "", nil, testNow)
	r2 = newReq(t, "get", srv.URL+"/files/public", nil)
	r2.Header = r.Header.Clone()
	if code, _ := send(t, srv, r2); code/100 == 2 {
		t.Logf("note: a request signed as GET is accepted as 'get': %d", code)
	}
	// Two Authorization headers: the signed one second, garbage first, and
	// the other way round.
	r = sign(t, newReq(t, "GET", srv.URL+"/files/public", nil), aliceKey, aliceSecret, "", nil, testNow)
	good := r.Header.Get("Authorization")
	r.Header["Authorization"] = []string{"AWS4-HMAC-SHA256 Credential=" + aliceKey + "/20300102/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", good}
	if code, body := send(t, srv, r); code/100 == 2 {
		t.Errorf("garbage then good Authorization: %d %s", code, body)
	}
}

// TestAttackSigV4Scope: a signature for another service, region or
// terminator is refused even when it is otherwise valid.
func TestAttackSigV4Scope(t *testing.T) {
	srv, _ := attackGateway(t, "", nil)
	for _, scope := range [][2]string{{"s3", region}, {"execute-api", "us-west-2"}, {"sts", region}} {
		r := newReq(t, "GET", srv.URL+"/files/public", nil)
		signFor(t, r, aliceKey, aliceSecret, scope[0], scope[1], testNow)
		if code, body := send(t, srv, r); code/100 == 2 {
			t.Errorf("signed for %s/%s: %d %s", scope[0], scope[1], code, body)
		}
	}
}

func signFor(t *testing.T, r *http.Request, key, secret, service, reg string, at time.Time) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hashHex(nil), service, reg, at); err != nil {
		t.Fatal(err)
	}
}

// TestAttackSigV4VerifiesClientPath: the signature covers the path the
// client sent, as AWS verifies it, not the gateway's canonical respelling
// of it: a request signed for /files/public and sent as /files/%70ublic,
// /files//public or /files/x/../public is refused by AWS (the canonical
// URI of SigV4 encodes the path as sent, '%' included), and a client that
// signs the path it sends is not refused.
func TestAttackSigV4VerifiesClientPath(t *testing.T) {
	srv, _ := attackGateway(t, "", nil)
	for _, p := range []string{"/files/%70ublic", "/files//public", "/files/public/", "/files/./public", "/files/x/../public"} {
		r := sign(t, newReq(t, "GET", srv.URL+"/files/public", nil), aliceKey, aliceSecret, "", nil, testNow)
		r2 := newReq(t, "GET", srv.URL+"/files/public", nil)
		r2.URL.Opaque = p // sent as it is
		r2.Header = r.Header.Clone()
		code, body := send(t, srv, r2)
		switch {
		case code/100 != 2:
		case p == "/files/%70ublic" || p == "/files/public/":
			// SigV4's canonical URI keeps a trailing slash and encodes '%'
			// again: AWS computes another signature for these.
			t.Errorf("signed for /files/public, sent as %s: %d %s", p, code, body)
		default:
			// AWS normalises empty and dot segments of non-S3 paths before
			// it verifies, so it may accept these too (unsure).
			t.Logf("note: signed for /files/public, sent as %s: %d", p, code)
		}
	}
	// The other way round: what the client signed is what it sent.
	for _, p := range []string{"/files/caf%c3%a9", "/files/%70ublic"} {
		r := newReq(t, "GET", srv.URL+"/files/public", nil)
		r.URL.Opaque = p
		sign(t, r, aliceKey, aliceSecret, "", nil, testNow)
		if code, body := send(t, srv, r); code != 200 {
			t.Logf("note (not a bypass): a client that signed the path it sent, %s, is refused: %d %.120s", p, code, body)
		}
	}
}
