package iam_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The demo users.
const (
	account     = "123456789012"
	aliceKey    = "AKIAALICE00000000001"
	aliceSecret = "alice/secret/key/0000000000000000000001"
	bobKey      = "AKIABOB0000000000001"
	bobSecret   = "bob/secret/key/00000000000000000000001"
	tempKey     = "ASIATEMP000000000001"
	tempSecret  = "temp/secret/key/0000000000000000000001"
	tempToken   = "FwoGZXIvYXdzEXAMPLEsessiontoken//+=="
	region      = "us-east-1"
)

// testNow is the fixed time of the tests.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

var invokeAll = authorizer.MustPolicy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*"}]}`)

func testCredentials() iam.Static {
	return iam.NewStatic(
		iam.Credential{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret, Policy: invokeAll,
			Identity: iam.Identity{AccountID: account, UserARN: "arn:aws:iam::" + account + ":user/alice", Caller: "AIDAALICE", User: "AIDAALICE"}},
		iam.Credential{AccessKeyID: bobKey, SecretAccessKey: bobSecret,
			Policy: authorizer.MustPolicy(`{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/GET/*"},
				{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/GET/secret"}]}`),
			Identity: iam.Identity{AccountID: account, UserARN: "arn:aws:iam::" + account + ":user/bob", Caller: "AIDABOB", User: "AIDABOB"}},
		iam.Credential{AccessKeyID: tempKey, SecretAccessKey: tempSecret, SessionToken: tempToken, Expires: testNow.Add(time.Hour), Policy: invokeAll,
			Identity: iam.Identity{AccountID: account, UserARN: "arn:aws:sts::" + account + ":assumed-role/Dev/session", Caller: "AROADEV:session", User: "AROADEV:session",
				CognitoIdentityID: "us-east-1:0000", CognitoIdentityPoolID: "us-east-1:pool", CognitoAuthenticationType: "authenticated",
				CognitoAuthenticationProvider: "cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"}},
	)
}

func newAuthorizer(t testing.TB, mod func(*iam.Config)) *iam.Authorizer {
	t.Helper()
	cfg := iam.Config{Region: region, Credentials: testCredentials(), Now: func() time.Time { return testNow }}
	if mod != nil {
		mod(&cfg)
	}
	a, err := iam.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sign signs r with aws-sdk-go-v2's signer as a client would, for
// execute-api in us-east-1 at the given time.
func sign(t testing.TB, r *http.Request, key, secret, token string, body []byte, at time.Time) *http.Request {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hashHex(body), "execute-api", region, at); err != nil {
		t.Fatal(err)
	}
	return r
}

// signWithPayload signs r with the given payload hash (UNSIGNED-PAYLOAD).
func signWithPayload(t testing.TB, r *http.Request, key, secret, payload string, at time.Time) *http.Request {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payload, "execute-api", region, at); err != nil {
		t.Fatal(err)
	}
	return r
}

// writeError renders e as the gateway would.
func writeError(r *http.Request, e error) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	apigw.WriteError(w, r, e)
	return w
}

// presign returns the presigned URL of r, valid for expires.
func presign(t testing.TB, r *http.Request, key, secret, token string, expires time.Duration, at time.Time) string {
	t.Helper()
	if expires > 0 {
		q := r.URL.Query()
		q.Set("X-Amz-Expires", itoa(int64(expires/time.Second)))
		r.URL.RawQuery = q.Encode()
	}
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, hashHex(nil), "execute-api", region, at)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// request is a request as the server sees it, in a gateway Context for
// the API abc123, stage prod, of account 123456789012.
func request(method, target string, body []byte) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	r.Host = "abc123.execute-api.us-east-1.amazonaws.com"
	return r
}

// authorize runs a for r (made a server request: RequestURI from its URL)
// in a fresh Context, and returns the Context and the refusal.
func authorize(a *iam.Authorizer, r *http.Request) (*apigw.Context, error) {
	c := apigw.NewRequestContext(r, testNow)
	c.Region, c.AccountID, c.APIID, c.Stage = region, account, "abc123", "prod"
	c.StagePath = strings.TrimPrefix(c.Path, "/prod")
	r.RequestURI = r.URL.RequestURI()
	return c, a.Authorize(r.WithContext(apigw.NewContext(r.Context(), c)), c, nil)
}
