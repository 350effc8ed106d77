package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/stage"
)

// fixtureDir is aws-lambda-go's events/testdata in the module cache: the
// events AWS sends, as the library that decodes them records them.
func fixtureDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	if err != nil {
		t.Skipf("locating aws-lambda-go: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")
}

// fixtureAuthorizer stands for the authorizer the fixture's event saw: it
// fills the Context as the real one would have.
type fixtureAuthorizer struct{ auth map[string]any }

func (a fixtureAuthorizer) Authorize(r *http.Request, c *apigw.Context, scopes []string) error {
	if jwt, ok := a.auth["jwt"].(map[string]any); ok {
		c.Authorizer.Claims = jwt["claims"].(map[string]any)
		for _, s := range jwt["scopes"].([]any) {
			c.Authorizer.Scopes = append(c.Authorizer.Scopes, s.(string))
		}
	}
	if l, ok := a.auth["lambda"].(map[string]any); ok {
		c.Authorizer.Context = l
	}
	if iam, ok := a.auth["iam"].(map[string]any); ok {
		str := func(k string) string { s, _ := iam[k].(string); return s }
		c.Identity.AccessKey, c.Identity.AccountID, c.Identity.Caller = str("accessKey"), str("accountId"), str("callerId")
		c.Identity.UserARN, c.Identity.User = str("userArn"), str("userId")
		ci, _ := iam["cognitoIdentity"].(map[string]any)
		c.Identity.CognitoIdentityID, _ = ci["identityId"].(string)
		c.Identity.CognitoIdentityPoolID, _ = ci["identityPoolId"].(string)
	}
	return nil
}

func (fixtureAuthorizer) Close() error { return nil }

// The forms of the values that cannot be the same in a replay: ids, times
// and addresses are checked for their form.
var (
	formRequestID = regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`)
	formTime      = regexp.MustCompile(`^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$`)
	formTrace     = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)
	formPEM       = regexp.MustCompile(`^-----BEGIN CERTIFICATE-----\nMII`)
)

// TestLambdaV2Fixtures replays every payload 2.0 event of aws-lambda-go's
// fixtures as an HTTP request (over TLS with a client certificate carrying
// the fixture's names and dates, for requestContext.authentication) to an
// HTTP API, and compares the event the function receives with the fixture
// field by field.
//
// The fixtures are samples, not all consistent: three pair routeKey
// "$default" and rawPath "/my/path" with pathParameters {"proxy":
// "hello/world"}, which no route gives; the replay serves the $default route
// and expects no path parameters. Header names are lower-cased, as AWS
// sends them (the fixtures' "Header1" is compared without case). The IAM
// fixture's principalOrgId and cognitoIdentity.amr have no counterpart in
// apigw's identity and are not compared.
func TestLambdaV2Fixtures(t *testing.T) {
	dir := fixtureDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "apigw-v2-request-*.json"))
	if len(files) == 0 {
		t.Skipf("no fixtures in %s", dir)
	}
	clientCert := fixtureClientCert(t)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			rc := want["requestContext"].(map[string]any)
			httpDesc := rc["http"].(map[string]any)

			var got json.RawMessage
			fn := func(ctx context.Context, ev json.RawMessage) (any, error) {
				got = ev
				return "ok", nil
			}
			vars := map[string]string{}
			for k, v := range asMap(want["stageVariables"]) {
				vars[k] = v.(string)
			}
			opts := []Option{WithHTTPAPI(), WithAPIID(rc["apiId"].(string)), WithAccountID(rc["accountId"].(string)),
				WithStage(stage.Stage{Name: rc["stage"].(string), Variables: vars})}
			method := Method{Integration: LambdaV2(fn)}
			if auth, ok := rc["authorizer"].(map[string]any); ok {
				opts = append(opts, WithAuthorizer("fixture", fixtureAuthorizer{auth}))
				method.Authorizer = "fixture"
			}
			opts = append(opts, Route(want["routeKey"].(string), method))
			gw := mustNew(t, opts...)

			srv := httptest.NewUnstartedServer(gw)
			srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
			srv.StartTLS()
			defer srv.Close()
			client := srv.Client()
			client.Transport.(*http.Transport).TLSClientConfig.Certificates = []tls.Certificate{clientCert}

			var body io.Reader
			if b, _ := want["body"].(string); b != "" {
				body = strings.NewReader(b)
			}
			target := srv.URL + want["rawPath"].(string)
			if q := want["rawQueryString"].(string); q != "" {
				target += "?" + q
			}
			req, err := http.NewRequest(httpDesc["method"].(string), target, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = rc["domainName"].(string)
			for k, v := range asMap(want["headers"]) {
				switch strings.ToLower(k) {
				case "host", "content-length", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id":
					// what the gateway adds
				default:
					req.Header.Set(k, v.(string))
				}
			}
			req.Header.Set("User-Agent", httpDesc["userAgent"].(string))
			if cookies, ok := want["cookies"].([]any); ok {
				parts := make([]string, len(cookies))
				for i, c := range cookies {
					parts[i] = c.(string)
				}
				req.Header.Set("Cookie", strings.Join(parts, "; "))
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || got == nil {
				t.Fatalf("status %d, event %s", resp.StatusCode, got)
			}
			var ev map[string]any
			if err := json.Unmarshal(got, &ev); err != nil {
				t.Fatal(err)
			}
			if want["routeKey"] == "$default" {
				delete(want, "pathParameters") // see the test's comment
			}
			compareEvent(t, "", want, ev)
		})
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// compareEvent checks got against the fixture's want, key by key; values
// that cannot be equal in a replay are checked for their form.
func compareEvent(t *testing.T, path string, want, got any) {
	t.Helper()
	switch path {
	case ".requestContext.requestId":
		if s, _ := got.(string); !formRequestID.MatchString(s) {
			t.Errorf("%s = %v, not an HTTP API request id", path, got)
		}
		return
	case ".requestContext.time":
		if s, _ := got.(string); !formTime.MatchString(s) {
			t.Errorf("%s = %v, not a request time", path, got)
		}
		return
	case ".requestContext.timeEpoch":
		if n, _ := got.(float64); n < 1e12 {
			t.Errorf("%s = %v, not milliseconds since the epoch", path, got)
		}
		return
	case ".requestContext.http.sourceIp", ".headers.x-forwarded-for":
		if s, _ := got.(string); net.ParseIP(s) == nil {
			t.Errorf("%s = %v, not an address", path, got)
		}
		return
	case ".headers.x-amzn-trace-id":
		if s, _ := got.(string); !formTrace.MatchString(s) {
			t.Errorf("%s = %v, not an X-Ray trace id", path, got)
		}
		return
	case ".requestContext.authentication.clientCert.clientCertPem":
		if s, _ := got.(string); !formPEM.MatchString(s) {
			t.Errorf("%s = %.40q, not a PEM certificate", path, got)
		}
		return
	case ".requestContext.authorizer.iam.principalOrgId", ".requestContext.authorizer.iam.cognitoIdentity.amr":
		return // see TestLambdaV2Fixtures
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s = %v, want an object", path, got)
			return
		}
		if strings.HasSuffix(path, ".headers") || strings.HasSuffix(path, ".multiValueHeaders") {
			g = lowerKeys(g)
			w = lowerKeys(w)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				t.Errorf("%s.%s missing", path, k)
				continue
			}
			compareEvent(t, path+"."+k, wv, gv)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s = %v, want %v", path, got, want)
			return
		}
		for i := range w {
			compareEvent(t, fmt.Sprintf("%s[%d]", path, i), w[i], g[i])
		}
	default:
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %#v, want %#v", path, got, want)
		}
	}
}

func lowerKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// fixtureClientCert is a client certificate with the fixtures' subject,
// issuer, serial number and validity, issued by a CA of that name.
func fixtureClientCert(t *testing.T) tls.Certificate {
	t.Helper()
	name := func(cn string) pkix.Name {
		return pkix.Name{Country: []string{"US"}, Province: []string{"Washington"}, Locality: []string{"Seattle"},
			Organization: []string{"Amazon Web Services"}, OrganizationalUnit: []string{"Security"}, CommonName: cn}
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(99), Subject: name("My Private CA"), IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2130, 1, 1, 0, 0, 0, 0, time.UTC), KeyUsage: x509.KeyUsageCertSign}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: name("My Client"),
		NotBefore: time.Date(2020, 8, 29, 0, 28, 21, 0, time.UTC), NotAfter: time.Date(2120, 8, 5, 0, 28, 21, 0, time.UTC),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestDistinguishedName: subjects and issuers as AWS writes them, in the
// certificate's own order.
func TestDistinguishedName(t *testing.T) {
	n := pkix.Name{Country: []string{"US"}, Organization: []string{"A, B"}, CommonName: "x"}
	raw, err := asn1.Marshal(n.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	if got := distinguishedName(raw); got != `C=US,O=A\, B,CN=x` {
		t.Errorf("distinguishedName = %q", got)
	}
	if got := distinguishedName([]byte("junk")); got != "" {
		t.Errorf("junk = %q", got)
	}
}

// TestLambdaV1Fixture replays aws-lambda-go's payload 1.0 event
// (apigw-request.json) as a request to a REST API and compares the event
// the function receives with it field by field. The fixture's edge headers
// (CloudFront-*, Via, X-Amz-Cf-Id: an edge-optimized API's CloudFront hop)
// are sent by the client here; its identity (IAM and Cognito fields, client
// certificate) and authorizer stand for what an authorizer filled; header
// names are compared without case (net/http canonicalises them);
// requestContext.path and resourceId are apigw's (the fixture leaves the
// stage out of the path, which AWS puts in).
func TestLambdaV1Fixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtureDir(t), "apigw-request.json"))
	if err != nil {
		t.Skip(err)
	}
	var want map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	rc := want["requestContext"].(map[string]any)
	id := rc["identity"].(map[string]any)
	var got json.RawMessage
	fn := func(ctx context.Context, ev json.RawMessage) (map[string]any, error) {
		got = ev
		return map[string]any{"statusCode": 200}, nil
	}
	vars := map[string]string{}
	for k, v := range asMap(want["stageVariables"]) {
		vars[k] = v.(string)
	}
	auth := authFunc(func(r *http.Request, c *apigw.Context, _ []string) error {
		c.Authorizer.PrincipalID = "admin"
		c.Authorizer.Context = map[string]any{"clientId": json.Number("1"), "clientName": "Exata"}
		str := func(k string) string { s, _ := id[k].(string); return s }
		c.Identity.CognitoIdentityPoolID, c.Identity.AccountID = str("cognitoIdentityPoolId"), str("accountId")
		c.Identity.CognitoIdentityID, c.Identity.Caller = str("cognitoIdentityId"), str("caller")
		c.Identity.APIKey, c.Identity.APIKeyID, c.Identity.AccessKey = str("apiKey"), str("apiKeyId"), str("accessKey")
		c.Identity.CognitoAuthenticationType = str("cognitoAuthenticationType")
		c.Identity.CognitoAuthenticationProvider = str("cognitoAuthenticationProvider")
		c.Identity.UserARN, c.Identity.User = str("userArn"), str("user")
		return nil
	})
	gw := mustNew(t, WithAPIID(rc["apiId"].(string)), WithAccountID(rc["accountId"].(string)),
		WithStage(stage.Stage{Name: rc["stage"].(string), Variables: vars}), WithAuthorizer("fixture", auth),
		Route(want["httpMethod"].(string)+" "+want["resource"].(string), Method{Integration: Lambda(fn), Authorizer: "fixture"}))
	req := httptest.NewRequest(want["httpMethod"].(string), want["path"].(string)+"?name=me", strings.NewReader(want["body"].(string)))
	req.Host = asMap(want["headers"])["Host"].(string)
	req.RemoteAddr = id["sourceIp"].(string) + ":1234"
	for k, v := range asMap(want["headers"]) {
		switch k {
		case "Host", "X-Forwarded-Port", "X-Forwarded-Proto":
		case "X-Forwarded-For":
			req.Header.Set(k, "54.240.196.186") // the gateway appends the client's address
		default:
			req.Header.Set(k, v.(string))
		}
	}
	req.Header.Set("X-Forwarded-Proto", "https") // what the edge told the gateway
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	if rec.Code != 200 || got == nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var ev map[string]any
	if err := json.Unmarshal(got, &ev); err != nil {
		t.Fatal(err)
	}
	// What a replay cannot give: the edge's own addresses and port, ids,
	// times, a client certificate, the fixture's stage-less path.
	for _, k := range []string{"X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"} {
		delete(asMap(want["headers"]), k)
		delete(asMap(want["multiValueHeaders"]), k)
	}
	delete(id, "clientCert")
	for _, k := range []string{"requestId", "extendedRequestId", "requestTime", "requestTimeEpoch", "path", "resourceId", "domainPrefix", "domainName"} {
		delete(rc, k)
	}
	compareEvent(t, "", want, ev)
	if h := asMap(ev["headers"]); h["X-Forwarded-For"] != "54.240.196.186, 192.168.196.186" || h["X-Forwarded-Proto"] == nil {
		t.Errorf("X-Forwarded-* = %v %v", h["X-Forwarded-For"], h["X-Forwarded-Proto"])
	}
}

// authFunc is an Authorizer of one function.
type authFunc func(r *http.Request, c *apigw.Context, scopes []string) error

func (f authFunc) Authorize(r *http.Request, c *apigw.Context, scopes []string) error {
	return f(r, c, scopes)
}
func (authFunc) Close() error { return nil }
