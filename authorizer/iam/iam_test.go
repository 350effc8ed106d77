package iam_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
)

const mismatchPrefix = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// TestSDKSignedRequests: requests aws-sdk-go-v2 signs, in both forms, are
// accepted and fill $context.identity.
func TestSDKSignedRequests(t *testing.T) {
	a := newAuthorizer(t, nil)
	body := []byte(`{"name":"Rex","tags":["a b","c+d"]}`)
	for _, tt := range []struct {
		name string
		req  func() *http.Request
	}{
		{"GET", func() *http.Request {
			return sign(t, request("GET", "/prod/pets/7", nil), aliceKey, aliceSecret, "", nil, testNow)
		}},
		{"query", func() *http.Request {
			return sign(t, request("GET", "/prod/pets?type=dog&page=2&q=a%20b&empty=&flag&z=%2F%3B", nil), aliceKey, aliceSecret, "", nil, testNow)
		}},
		{"POST with a body and headers", func() *http.Request {
			r := request("POST", "/prod/pets", body)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Custom", "  spaced   value ")
			r.Header.Add("X-Multi", "one")
			r.Header.Add("X-Multi", "two")
			return sign(t, r, aliceKey, aliceSecret, "", body, testNow)
		}},
		{"escaped path", func() *http.Request {
			return sign(t, request("GET", "/prod/files/a%20b%2Fc%C3%A9", nil), aliceKey, aliceSecret, "", nil, testNow)
		}},
		{"date within the skew", func() *http.Request {
			return sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow.Add(-4*time.Minute))
		}},
		{"session token", func() *http.Request {
			return sign(t, request("GET", "/prod/pets", nil), tempKey, tempSecret, tempToken, nil, testNow)
		}},
		{"presigned", func() *http.Request {
			u := presign(t, request("GET", "/prod/pets?type=dog", nil), aliceKey, aliceSecret, "", 15*time.Minute, testNow.Add(-10*time.Minute))
			return request("GET", u, nil)
		}},
		{"presigned with session token", func() *http.Request {
			u := presign(t, request("GET", "/prod/pets", nil), tempKey, tempSecret, tempToken, time.Hour, testNow)
			return request("GET", u, nil)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req()
			c, err := authorize(a, r)
			if err != nil {
				t.Fatal(err)
			}
			id := c.Identity
			if id.AccessKey == "" || id.AccountID != account || id.UserARN == "" || id.Caller == "" || id.User == "" {
				t.Fatalf("identity %+v", id)
			}
		})
	}
	r := sign(t, request("GET", "/prod/pets", nil), tempKey, tempSecret, tempToken, nil, testNow)
	c, err := authorize(a, r)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"identity.accessKey": tempKey, "identity.accountId": account, "identity.userArn": "arn:aws:sts::123456789012:assumed-role/Dev/session",
		"identity.caller": "AROADEV:session", "identity.user": "AROADEV:session", "identity.cognitoIdentityId": "us-east-1:0000",
		"identity.cognitoIdentityPoolId": "us-east-1:pool", "identity.cognitoAuthenticationType": "authenticated",
		"identity.cognitoAuthenticationProvider": "cognito-idp.us-east-1.amazonaws.com/us-east-1_pool",
	} {
		if got, _ := c.Var(name); got != want {
			t.Errorf("$context.%s = %q, want %q", name, got, want)
		}
	}
}

// TestTampering: a signed request changed in any signed part is refused
// with AWS's message.
func TestTampering(t *testing.T) {
	a := newAuthorizer(t, nil)
	body := []byte(`{"name":"Rex"}`)
	signed := func() *http.Request {
		r := request("POST", "/prod/pets?type=dog", body)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Tenant", "acme")
		return sign(t, r, aliceKey, aliceSecret, "", body, testNow)
	}
	if _, err := authorize(a, signed()); err != nil {
		t.Fatalf("untouched: %v", err)
	}
	for _, tt := range []struct {
		name   string
		change func(r *http.Request) *http.Request
		want   string
	}{
		{"header", func(r *http.Request) *http.Request { r.Header.Set("X-Tenant", "evil"); return r }, mismatchPrefix},
		{"content type", func(r *http.Request) *http.Request { r.Header.Set("Content-Type", "text/plain"); return r }, mismatchPrefix},
		{"body", func(r *http.Request) *http.Request {
			n := request("POST", "/prod/pets?type=dog", []byte(`{"name":"Max"}`))
			n.Header = r.Header
			return n
		}, mismatchPrefix},
		{"date", func(r *http.Request) *http.Request {
			r.Header.Set("X-Amz-Date", testNow.Add(time.Second).Format("20060102T150405Z"))
			return r
		}, mismatchPrefix},
		{"date of another day", func(r *http.Request) *http.Request {
			r.Header.Set("X-Amz-Date", testNow.Add(-3*time.Minute-4*time.Hour).Format("20060102T150405Z"))
			return r
		}, "Signature expired: 20300101T230105Z is now earlier than 20300102T025905Z (20300102T030405Z - 5 min.)"},
		{"path", func(r *http.Request) *http.Request {
			n := request("POST", "/prod/pets/7?type=dog", body)
			n.Header = r.Header
			return n
		}, mismatchPrefix},
		{"query", func(r *http.Request) *http.Request {
			n := request("POST", "/prod/pets?type=cat", body)
			n.Header = r.Header
			return n
		}, mismatchPrefix},
		{"added query parameter", func(r *http.Request) *http.Request {
			n := request("POST", "/prod/pets?type=dog&admin=true", body)
			n.Header = r.Header
			return n
		}, mismatchPrefix},
		{"added query parameter with a semicolon", func(r *http.Request) *http.Request {
			n := request("POST", "/prod/pets?type=dog&x=1;y=2", body)
			n.Header = r.Header
			return n
		}, mismatchPrefix},
		{"method", func(r *http.Request) *http.Request {
			n := request("PUT", "/prod/pets?type=dog", body)
			n.Header = r.Header
			return n
		}, mismatchPrefix},
		{"host", func(r *http.Request) *http.Request { r.Host = "other.example"; return r }, mismatchPrefix},
		{"signature", func(r *http.Request) *http.Request {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:len(h)-1]+string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", h[len(h)-1])+1)%16]))
			return r
		}, mismatchPrefix},
		{"other user's secret", func(r *http.Request) *http.Request {
			r.Header.Del("Authorization")
			r.Header.Del("X-Amz-Date")
			return sign(t, r, aliceKey, bobSecret, "", body, testNow)
		}, mismatchPrefix},
		{"dot segments", func(r *http.Request) *http.Request {
			n := request("POST", "/prod/x/../pets?type=dog", body)
			n.Header = r.Header
			return n
		}, "The request path has empty, '.' or '..' segments"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := authorize(a, tt.change(signed()))
			e := asError(t, err)
			if e.StatusCode() != 403 || !strings.HasPrefix(e.MessageText(), tt.want) {
				t.Fatalf("%d %q, want 403 %q", e.StatusCode(), e.MessageText(), tt.want)
			}
			if strings.HasPrefix(tt.want, mismatchPrefix) && e.Type != apigw.InvalidSignature {
				t.Fatalf("type %s", e.Type)
			}
		})
	}
}

// TestMismatchShowsCanonicalRequest: AWS's answer carries the canonical
// request and string to sign it expected.
func TestMismatchShowsCanonicalRequest(t *testing.T) {
	a := newAuthorizer(t, nil)
	r := sign(t, request("GET", "/prod/pets?b=2&a=1", nil), aliceKey, "wrong", "", nil, testNow)
	_, err := authorize(a, r)
	want := mismatchPrefix + "\n\nThe Canonical String for this request should have been\n'GET\n/prod/pets\na=1&b=2\n" +
		"host:abc123.execute-api.us-east-1.amazonaws.com\nx-amz-date:20300102T030405Z\n\nhost;x-amz-date\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n" +
		"20300102T030405Z\n20300102/us-east-1/execute-api/aws4_request\n"
	if e := asError(t, err); !strings.HasPrefix(e.MessageText(), want) || !strings.HasSuffix(e.MessageText(), "'\n") {
		t.Fatalf("message\n%s\nwant prefix\n%s", e.MessageText(), want)
	}
}

func asError(t *testing.T, err error) *apigw.Error {
	t.Helper()
	var e *apigw.Error
	if !errors.As(err, &e) {
		t.Fatalf("refusal %v is not an *apigw.Error", err)
	}
	return e
}

// TestRefusals: every way a signature can be wrong gets AWS's status,
// x-amzn-ErrorType and message.
func TestRefusals(t *testing.T) {
	a := newAuthorizer(t, nil)
	now := testNow.Format("20060102T150405Z")
	good := func() *http.Request {
		return sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow)
	}
	withAuth := func(v string) *http.Request {
		r := request("GET", "/prod/pets", nil)
		r.Header.Set("X-Amz-Date", now)
		r.Header.Set("Authorization", v)
		return r
	}
	cred := aliceKey + "/20300102/us-east-1/execute-api/aws4_request"
	for _, tt := range []struct {
		name      string
		req       func() *http.Request
		errorType string
		msg       string
	}{
		{"nothing", func() *http.Request { return request("GET", "/prod/pets", nil) }, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"bearer token", func() *http.Request {
			r := request("GET", "/prod/pets", nil)
			r.Header.Set("Authorization", "eyJhbGciOiJSUzI1NiJ9.e30.sig")
			return r
		}, "IncompleteSignatureException", "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
			"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
			"Authorization=eyJhbGciOiJSUzI1NiJ9.e30.sig"},
		{"no signature", func() *http.Request {
			return withAuth("AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host;x-amz-date")
		}, "IncompleteSignatureException", "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host;x-amz-date"},
		{"stray part", func() *http.Request {
			return withAuth("AWS4-HMAC-SHA256 Credential=AKIA /20300102/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
		}, "IncompleteSignatureException", "'/20300102/us-east-1/execute-api/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: " +
			"'AWS4-HMAC-SHA256 Credential=AKIA /20300102/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00'."},
		{"bad date", func() *http.Request {
			r := good()
			r.Header.Set("X-Amz-Date", "2030-01-02T03:04:05Z")
			return r
		}, "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'. Got '2030-01-02T03:04:05Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"old", func() *http.Request {
			return sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow.Add(-6*time.Minute))
		}, "InvalidSignatureException", "Signature expired: 20300102T025805Z is now earlier than 20300102T025905Z (20300102T030405Z - 5 min.)"},
		{"future", func() *http.Request {
			return sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow.Add(6*time.Minute))
		}, "InvalidSignatureException", "Signature not yet current: 20300102T031005Z is still later than 20300102T030905Z (20300102T030405Z + 5 min.)"},
		{"host not signed", func() *http.Request {
			return withAuth("AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=x-amz-date, Signature=00")
		}, "InvalidSignatureException", "'Host' must be a 'SignedHeader' in the AWS Authorization."},
		{"algorithm", func() *http.Request {
			return withAuth("AWS4-HMAC-SHA512 Credential=" + cred + ", SignedHeaders=host;x-amz-date, Signature=00")
		}, "IncompleteSignatureException", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		{"credential shape", func() *http.Request {
			return withAuth("AWS4-HMAC-SHA256 Credential=" + aliceKey + "/20300102/us-east-1, SignedHeaders=host;x-amz-date, Signature=00")
		}, "IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + aliceKey + "/20300102/us-east-1'"},
		{"scope", func() *http.Request {
			return withAuth("AWS4-HMAC-SHA256 Credential=" + aliceKey + "/20300101/eu-west-1/s3/aws4, SignedHeaders=host;x-amz-date, Signature=00")
		}, "InvalidSignatureException", "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'execute-api'. " +
			"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'. " +
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20300101' != '20300102', from '20300102T030405Z'."},
		{"unknown key", func() *http.Request {
			return sign(t, request("GET", "/prod/pets", nil), "AKIANOBODY0000000000", "x", "", nil, testNow)
		}, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"temporary key without its token", func() *http.Request {
			return sign(t, request("GET", "/prod/pets", nil), tempKey, tempSecret, "", nil, testNow)
		}, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"temporary key with another token", func() *http.Request {
			return sign(t, request("GET", "/prod/pets", nil), tempKey, tempSecret, "other-token", nil, testNow)
		}, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"long-term key with a token", func() *http.Request {
			return sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "some-token", nil, testNow)
		}, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"both forms", func() *http.Request {
			u := presign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", 0, testNow)
			r := request("GET", u, nil)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 x")
			return r
		}, "InvalidSignatureException", "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{"presigned, incomplete", func() *http.Request {
			return request("GET", "/prod/pets?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date="+now, nil)
		}, "IncompleteSignatureException", "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
			"AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."},
		{"presigned, expired", func() *http.Request {
			u := presign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", 60*time.Second, testNow.Add(-2*time.Minute))
			return request("GET", u, nil)
		}, "InvalidSignatureException", "Signature expired: 20300102T030205Z is now earlier than 20300102T030305Z (20300102T030405Z - 60 sec.)"},
		{"presigned, expires over a week", func() *http.Request {
			u := presign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", 8*24*time.Hour, testNow)
			return request("GET", u, nil)
		}, "IncompleteSignatureException", "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{"presigned, tampered", func() *http.Request {
			u := presign(t, request("GET", "/prod/pets?type=dog", nil), aliceKey, aliceSecret, "", time.Minute, testNow)
			return request("GET", strings.Replace(u, "type=dog", "type=cat", 1), nil)
		}, "InvalidSignatureException", mismatchPrefix},
		{"presigned, a duplicated parameter", func() *http.Request {
			u := presign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", time.Minute, testNow)
			return request("GET", u+"&X-Amz-Credential=x", nil)
		}, "InvalidSignatureException", "The query string has 'X-Amz-Credential' more than once."},
		{"bad query escape", func() *http.Request {
			r := sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow)
			r.URL.RawQuery = "a=%zz"
			return r
		}, "InvalidSignatureException", mismatchPrefix},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req()
			_, err := authorize(a, r)
			e := asError(t, err)
			w := writeError(r, e)
			if w.Code != 403 || w.Header().Get("X-Amzn-Errortype") != tt.errorType || !strings.HasPrefix(e.MessageText(), tt.msg) {
				t.Fatalf("%d %s %q\nwant 403 %s %q", w.Code, w.Header().Get("X-Amzn-Errortype"), e.MessageText(), tt.errorType, tt.msg)
			}
		})
	}
}

func TestExpiredCredentials(t *testing.T) {
	a := newAuthorizer(t, func(c *iam.Config) { c.Now = func() time.Time { return testNow.Add(2 * time.Hour) } })
	r := sign(t, request("GET", "/prod/pets", nil), tempKey, tempSecret, tempToken, nil, testNow.Add(2*time.Hour))
	_, err := authorize(a, r)
	if e := asError(t, err); e.Type != apigw.ExpiredToken || e.StatusCode() != 403 || e.MessageText() != "The security token included in the request is expired" {
		t.Fatalf("%v", e)
	}
}

// TestIdentityPolicies: the caller's identity policy decides, with AWS's
// {"Message": "User: ARN is not authorized ..."} refusals.
func TestIdentityPolicies(t *testing.T) {
	a := newAuthorizer(t, nil)
	for _, tt := range []struct {
		name, method, path string
		want               string
		sentinel           error
	}{
		{"bob may GET", "GET", "/prod/pets", "", nil},
		{"bob may not PUT", "PUT", "/prod/pets", `{"Message":"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/prod/PUT/pets"}`, authorizer.ErrImplicitDeny},
		{"bob is denied GET /secret", "GET", "/prod/secret", `{"Message":"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/secret with an explicit deny"}`, authorizer.ErrExplicitDeny},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := sign(t, request(tt.method, tt.path, nil), bobKey, bobSecret, "", nil, testNow)
			c, err := authorize(a, r)
			if c.Identity.UserARN != "arn:aws:iam::123456789012:user/bob" {
				t.Fatalf("identity not filled before the policy: %+v", c.Identity)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			w := writeError(r, asError(t, err))
			if w.Code != 403 || w.Body.String() != tt.want || w.Header().Get("X-Amzn-Errortype") != "AccessDeniedException" || !errors.Is(err, tt.sentinel) {
				t.Fatalf("%d %s %s", w.Code, w.Body, w.Header().Get("X-Amzn-Errortype"))
			}
		})
	}
	// A credential without a policy may do nothing.
	none := newAuthorizer(t, func(c *iam.Config) {
		c.Credentials = iam.NewStatic(iam.Credential{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret, Identity: iam.Identity{UserARN: "arn:aws:iam::123456789012:user/alice"}})
	})
	if _, err := authorize(none, sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow)); !errors.Is(err, authorizer.ErrImplicitDeny) {
		t.Fatalf("no policy: %v", err)
	}
	// Allowed: InvalidateCache is a different action.
	r := sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow)
	c, err := authorize(a, r)
	if err != nil {
		t.Fatal(err)
	}
	if a.Allowed(r, c, authorizer.ActionInvalidateCache) || !a.Allowed(r, c, authorizer.ActionInvoke) {
		t.Fatal("Allowed")
	}
}

func TestUnsignedPayload(t *testing.T) {
	body := []byte("large upload")
	mk := func() *http.Request {
		r := request("PUT", "/prod/files/a", body)
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		return r
	}
	signUnsigned := func(r *http.Request) *http.Request {
		return signWithPayload(t, r, aliceKey, aliceSecret, "UNSIGNED-PAYLOAD", testNow)
	}
	if _, err := authorize(newAuthorizer(t, nil), signUnsigned(mk())); err == nil {
		t.Fatal("UNSIGNED-PAYLOAD accepted by default")
	}
	if _, err := authorize(newAuthorizer(t, func(c *iam.Config) { c.AllowUnsignedPayload = true }), signUnsigned(mk())); err != nil {
		t.Fatalf("UNSIGNED-PAYLOAD allowed: %v", err)
	}
}

func TestConfig(t *testing.T) {
	if _, err := iam.New(iam.Config{MaxSkew: -1, CacheSize: -1}); err == nil ||
		!strings.Contains(err.Error(), "Config.Region") || !strings.Contains(err.Error(), "Config.Credentials") ||
		!strings.Contains(err.Error(), "Config.MaxSkew") || !strings.Contains(err.Error(), "Config.CacheSize") {
		t.Fatalf("%v", err)
	}
	var zero iam.Authorizer
	if zero.Validate() == nil {
		t.Fatal("zero Authorizer validates")
	}
	if err := zero.Authorize(request("GET", "/", nil), &apigw.Context{}, nil); asError(t, err).Type != apigw.AuthorizerConfigurationError {
		t.Fatal(err)
	}
	a := newAuthorizer(t, nil)
	if a.Validate() != nil || a.Close() != nil || authorizer.TypeOf(a) != authorizer.AuthIAM {
		t.Fatal("Validate/Close/TypeOf")
	}
}

func TestLookupFailure(t *testing.T) {
	a := newAuthorizer(t, func(c *iam.Config) {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		c.Credentials = iam.CredentialsFunc(func(context.Context, string) (iam.Credential, error) {
			return iam.Credential{}, errors.New("database down")
		})
	})
	_, err := authorize(a, sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow))
	if e := asError(t, err); e.Type != apigw.AuthorizerFailure || e.StatusCode() != 500 {
		t.Fatalf("%v", e)
	}
	// A lookup that answers another key's credential is not trusted.
	b := newAuthorizer(t, func(c *iam.Config) {
		c.Credentials = iam.CredentialsFunc(func(context.Context, string) (iam.Credential, error) {
			return iam.Credential{AccessKeyID: bobKey, SecretAccessKey: aliceSecret}, nil
		})
	})
	_, err = authorize(b, sign(t, request("GET", "/prod/pets", nil), aliceKey, aliceSecret, "", nil, testNow))
	if e := asError(t, err); e.ErrorType != "UnrecognizedClientException" {
		t.Fatalf("%v", e)
	}
}
