package awsintegration_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/apigw/apigw/awsintegration"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// atkCapture is a stand-in S3 endpoint that records the request-target
// it receives, exactly as it arrived on the wire.
type atkCapture struct {
	mu   sync.Mutex
	uris []string
}

func (c *atkCapture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.uris = append(c.uris, r.RequestURI)
	c.mu.Unlock()
	w.WriteHeader(200)
}

func (c *atkCapture) last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.uris) == 0 {
		return ""
	}
	return c.uris[len(c.uris)-1]
}

func atkGateway(t *testing.T, routes map[string]string) (http.Handler, *atkCapture) {
	t.Helper()
	capt := &atkCapture{}
	srv := httptest.NewServer(capt)
	t.Cleanup(srv.Close)
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return gatewayCreds, nil })
	var opts []gateway.Option
	for route, uri := range routes {
		in, err := awsintegration.New(awsintegration.Config{URI: uri, HTTPMethod: "GET", Endpoint: srv.URL, Credentials: creds})
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, gateway.Route(route, gateway.Method{Integration: gateway.Handler(in)}))
	}
	gw, err := gateway.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	return gw, capt
}

// TestAtkMonS3PathParamDotSegments: the definition fixes the bucket
// ("files") and lets the client choose a key through {name}. A client
// path segment "..%2Fsecret%2Fpasswd" decodes to the path parameter
// "../secret/passwd"; the integration keeps its slashes and dots, so the
// request sent is GET /files/../secret/passwd. Any RFC 3986 normaliser on
// the way (a reverse proxy, nginx, Go's ServeMux, MinIO/S3-compatible
// servers behind Config.Endpoint, URL libraries) resolves that to bucket
// "secret", a bucket the definition never names. AWS API Gateway escapes
// a path parameter it substitutes into the integration URI, so the
// parameter stays inside one path segment of bucket "files".
func TestAtkMonS3PathParamDotSegments(t *testing.T) {
	gw, capt := atkGateway(t, map[string]string{"GET /files/{name}": "arn:aws:apigateway:us-east-1:s3:path/files/{name}"})
	for _, target := range []string{"/files/..%2Fsecret%2Fpasswd", "/files/..%2F..%2Fsecret%2Fpasswd", "/files/%2E%2E%2Fsecret%2Fpasswd"} {
		rec := httptest.NewRecorder()
		gw.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		got := capt.last()
		if got == "" {
			t.Logf("%s: not sent (status %d)", target, rec.Code)
			continue
		}
		p, _ := url.PathUnescape(strings.SplitN(got, "?", 2)[0])
		if cleaned := path.Clean(p); !strings.HasPrefix(cleaned, "/files/") {
			t.Errorf("client path %s: service request-target %q resolves to %q, outside bucket files", target, got, cleaned)
		}
	}
}

// TestAtkMonS3PathParamQueryFragment: ? and # in a parameter stay in the
// path (escaped), never a query or fragment that changes the S3 action
// (?acl, ?policy, ?delete ...).
func TestAtkMonS3PathParamQueryFragment(t *testing.T) {
	gw, capt := atkGateway(t, map[string]string{"GET /files/{name}": "arn:aws:apigateway:us-east-1:s3:path/files/{name}"})
	for _, target := range []string{"/files/a%3Facl", "/files/a%23frag", "/files/a%3Fpolicy%26x%3D1", "/files/a%252Fb"} {
		rec := httptest.NewRecorder()
		gw.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		got := capt.last()
		if got == "" {
			t.Fatalf("%s: not sent (status %d)", target, rec.Code)
		}
		if strings.ContainsAny(got, "?#") {
			t.Errorf("client path %s: service request-target %q carries a query or fragment", target, got)
		}
		if target == "/files/a%252Fb" && got != "/files/a%252Fb" {
			t.Errorf("double-encoded slash: %q, want /files/a%%252Fb", got)
		}
	}
}

// TestAtkMonS3GreedyDotSegments: a greedy {key+} under a fixed bucket.
func TestAtkMonS3GreedyDotSegments(t *testing.T) {
	gw, capt := atkGateway(t, map[string]string{"GET /files/{key+}": "arn:aws:apigateway:us-east-1:s3:path/files/{key}"})
	for _, target := range []string{"/files/a/../../secret/x", "/files/a/%2E%2E/%2E%2E/secret/x", "/files/..%2Fsecret/x"} {
		rec := httptest.NewRecorder()
		gw.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		got := capt.last()
		if got == "" {
			t.Logf("%s: not sent (status %d)", target, rec.Code)
			continue
		}
		p, _ := url.PathUnescape(strings.SplitN(got, "?", 2)[0])
		if cleaned := path.Clean(p); !strings.HasPrefix(cleaned, "/files/") {
			t.Errorf("client path %s: service request-target %q resolves to %q, outside bucket files", target, got, cleaned)
		}
	}
}

// TestAtkMonFindingS3MappedParamDotSegments: the integration request's path
// parameter comes from the client's query string or a header (request
// parameter mapping integration.request.path.key =
// method.request.querystring.file), which the gateway's path
// canonicalisation never sees. The value "../secret/passwd" is sent as
// GET /files/../secret/passwd: the fixed bucket "files" can be left by any
// dot-segment normaliser between the gateway and the object store.
func TestAtkMonFindingS3MappedParamDotSegments(t *testing.T) {
	capt := &atkCapture{}
	srv := httptest.NewServer(capt)
	t.Cleanup(srv.Close)
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return gatewayCreds, nil })
	in, err := awsintegration.New(awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:s3:path/files/{key}", HTTPMethod: "GET", Endpoint: srv.URL, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(
		gateway.Route("GET /download", gateway.Method{Integration: gateway.Handler(in),
			Request: mapping.RequestConfig{Parameters: map[string]string{"integration.request.path.key": "method.request.querystring.file"}}}),
		gateway.Route("GET /h", gateway.Method{Integration: gateway.Handler(in),
			Request: mapping.RequestConfig{Parameters: map[string]string{"integration.request.path.key": "method.request.header.X-File"}}}),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	cases := []struct{ target, header string }{
		{"/download?file=..%2Fsecret%2Fpasswd", ""},
		{"/download?file=a%2F..%2F..%2Fsecret%2Fpasswd", ""},
		{"/h", "../secret/passwd"},
	}
	for _, tc := range cases {
		req := httptest.NewRequest("GET", tc.target, nil)
		if tc.header != "" {
			req.Header.Set("X-File", tc.header)
		}
		rec := httptest.NewRecorder()
		gw.ServeHTTP(rec, req)
		got := capt.last()
		if got == "" {
			// Refused before the service: a value with a dot segment is
			// a 400, never sent.
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s: not sent, status %d %s, want 400", tc.target, rec.Code, rec.Body)
			}
			continue
		}
		p, _ := url.PathUnescape(strings.SplitN(got, "?", 2)[0])
		if cleaned := path.Clean(p); !strings.HasPrefix(cleaned, "/files/") {
			t.Errorf("%s %s: service request-target %q resolves to %q, outside bucket files", tc.target, tc.header, got, cleaned)
		}
	}
}

// atkHeaderCapture records the request-target and headers a service got.
type atkHeaderCapture struct {
	mu     sync.Mutex
	uri    string
	header http.Header
}

func (c *atkHeaderCapture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.uri, c.header = r.RequestURI, r.Header.Clone()
	c.mu.Unlock()
	w.WriteHeader(200)
}

// TestAtkMonFindingS3ProxyModeChangesAction: a path-style S3 integration in
// apigw's "proxy mode" (no Method.Request: the request as the client sent
// it) forwards the client's query string and x-amz-* headers. The
// definition names PutObject (PUT files/{name}); the client makes it
//   - PutObjectAcl / PutObjectTagging / UploadPart (?acl, ?tagging,
//     ?partNumber=&uploadId=) by adding a sub-resource to the query, or
//   - CopyObject from ANY bucket the gateway's credentials can read
//     (x-amz-copy-source: other-bucket/secret), then reads the copy back,
//   - a public object (x-amz-acl: public-read), or SSE-C / storage class
//     changes, or, on GET, x-amz-request-payer / x-amz-expected-bucket-owner
//     games.
//
// AWS has no proxy mode for AWS service integrations (AWS_PROXY is Lambda
// only): the service request carries only the parameters the integration
// request maps, so the client cannot add a sub-resource or an x-amz-*
// header. Fix in awsintegration.newRequest / rawQuery: in proxy mode, drop
// the client's query string for path-style URIs (or at least S3
// sub-resources) and its x-amz-* headers (droppedHeaders lists only the
// credentials ones), or refuse proxy mode for service integrations.
func TestAtkMonFindingS3ProxyModeChangesAction(t *testing.T) {
	capt := &atkHeaderCapture{}
	srv := httptest.NewServer(capt)
	t.Cleanup(srv.Close)
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return gatewayCreds, nil })
	in, err := awsintegration.New(awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:s3:path/files/{name}", HTTPMethod: "PUT", Endpoint: srv.URL, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Route("PUT /raw/{name}", gateway.Method{Integration: gateway.Handler(in)}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })

	for _, q := range []string{"acl", "tagging", "partNumber=1&uploadId=abc", "policy"} {
		req := httptest.NewRequest("PUT", "/raw/report.txt?"+q, strings.NewReader("x"))
		gw.ServeHTTP(httptest.NewRecorder(), req)
		if strings.Contains(capt.uri, "?") {
			t.Errorf("client query %q reaches S3: %s (another S3 action than PutObject)", q, capt.uri)
		}
	}
	req := httptest.NewRequest("PUT", "/raw/stolen.txt", nil)
	req.Header.Set("X-Amz-Copy-Source", "/private-bucket/secret.txt")
	req.Header.Set("X-Amz-Acl", "public-read")
	req.Header.Set("X-Amz-Metadata-Directive", "REPLACE")
	gw.ServeHTTP(httptest.NewRecorder(), req)
	for _, h := range []string{"X-Amz-Copy-Source", "X-Amz-Acl", "X-Amz-Metadata-Directive"} {
		if v := capt.header.Get(h); v != "" {
			t.Errorf("client header %s: %s reaches S3 (signed: %v)", h, v, strings.Contains(strings.ToLower(capt.header.Get("Authorization")), strings.ToLower(h)))
		}
	}
}

// TestAtkMonS3MappedModeKeepsAction: with a Method.Request (AWS's
// non-proxy mode) the client's query and x-amz-* headers do not reach S3.
func TestAtkMonS3MappedModeKeepsAction(t *testing.T) {
	capt := &atkHeaderCapture{}
	srv := httptest.NewServer(capt)
	t.Cleanup(srv.Close)
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return gatewayCreds, nil })
	in, err := awsintegration.New(awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:s3:path/files/{name}", HTTPMethod: "PUT", Endpoint: srv.URL, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Route("PUT /raw/{name}", gateway.Method{Integration: gateway.Handler(in),
		Request: mapping.RequestConfig{Parameters: map[string]string{"integration.request.header.Content-Type": "method.request.header.Content-Type"}}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	req := httptest.NewRequest("PUT", "/raw/stolen.txt?acl", strings.NewReader("x"))
	req.Header.Set("X-Amz-Copy-Source", "/private-bucket/secret.txt")
	req.Header.Set("X-Amz-Acl", "public-read")
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	if capt.uri == "" {
		t.Fatalf("not sent: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(capt.uri, "?") || capt.header.Get("X-Amz-Copy-Source") != "" || capt.header.Get("X-Amz-Acl") != "" {
		t.Errorf("mapped mode: %s %v", capt.uri, capt.header)
	}
}
