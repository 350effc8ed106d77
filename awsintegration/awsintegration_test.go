package awsintegration_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/awsintegration"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/awsfake"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestS3DocumentedSignature sends AWS's own example of a signed S3 request
// ("Example: GET Object" of the S3 API reference's SigV4 pages: bucket
// examplebucket, GET /test.txt with Range: bytes=0-9 on 24 May 2013, the
// documentation's example keys) and expects AWS's signature.
func TestS3DocumentedSignature(t *testing.T) {
	var got *http.Request
	in, err := awsintegration.New(awsintegration.Config{
		URI:         "arn:aws:apigateway:us-east-1:examplebucket.s3:path/test.txt",
		HTTPMethod:  "GET",
		Endpoint:    "https://s3.amazonaws.com",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		Now:         func() time.Time { return time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC) },
		Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = r
			return &http.Response{StatusCode: 206, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("0123456789"))}, nil
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/anything", nil)
	r.Header.Set("Range", "bytes=0-9")
	w := httptest.NewRecorder()
	in.ServeHTTP(w, r)
	if w.Code != 206 || w.Body.String() != "0123456789" {
		t.Fatalf("answer %d %q", w.Code, w.Body)
	}
	const want = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	if got.URL.String() != "https://examplebucket.s3.amazonaws.com/test.txt" || got.Header.Get("Authorization") != want {
		t.Fatalf("sent %s with\n%s\nwant\n%s", got.URL, got.Header.Get("Authorization"), want)
	}
}

// TestTemporaryCredentials signs with a session token: the service sees it
// as X-Amz-Security-Token, signed.
func TestTemporaryCredentials(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "ASIATEMP000000000001", SecretAccessKey: "temp/secret", SessionToken: "FwoGZXIvYXdzEXAMPLETOKEN"}
	f := newFakeAWS(t, creds)
	in, err := awsintegration.New(awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:events:action/PutEvents", Endpoint: f.srv.URL,
		Credentials: credentials.StaticCredentialsProvider{Value: creds}})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	in.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader(`{"Entries":[{"Source":"a"}]}`)))
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if !strings.Contains(f.seen("events").Header.Get("Authorization"), "x-amz-security-token") {
		t.Errorf("session token not signed: %s", f.seen("events").Header.Get("Authorization"))
	}
}

// TestRoleARN assumes the integration's role through STS (a fake at the
// same endpoint, as LocalStack serves it) and signs with the role's
// temporary credentials.
func TestRoleARN(t *testing.T) {
	role := aws.Credentials{AccessKeyID: "ASIAROLE000000000001", SecretAccessKey: "role/secret", SessionToken: "role-session-token"}
	f := newFakeAWS(t, role)
	assumed := 0
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if scopeService(r.Header.Get("Authorization")) != "sts" {
			f.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := awsfake.Verify(r, body, gatewayCreds, region, "sts"); err != nil {
			t.Errorf("sts: %v", err)
		}
		if !strings.Contains(string(body), "Action=AssumeRole") || !strings.Contains(string(body), "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fapigw-s3") {
			t.Errorf("sts: %s", body)
		}
		assumed++
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:apigw</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/apigw-s3/apigw</Arn></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
			role.AccessKeyID, role.SecretAccessKey, role.SessionToken, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	in, err := awsintegration.New(awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:s3:path/files/{name}", HTTPMethod: "PUT",
		Endpoint: srv.URL, RoleARN: "arn:aws:iam::123456789012:role/apigw-s3",
		Credentials: credentials.StaticCredentialsProvider{Value: gatewayCreds}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		r := httptest.NewRequest("PUT", "/", strings.NewReader("data"))
		r.SetPathValue("name", "a.txt")
		w := httptest.NewRecorder()
		in.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	if assumed != 1 {
		t.Errorf("AssumeRole called %d times, want once (cached)", assumed)
	}
}

// TestFailures: an unreachable service is AWS's 502 and a slow one 504 as
// for HTTP integrations; credentials that cannot be had a 500; a service's
// error is mapped by the integration responses like any status.
func TestFailures(t *testing.T) {
	f := newFakeAWS(t, gatewayCreds)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	defer close(release) // before slow.Close
	static := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return gatewayCreds, nil })
	broken := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no EC2 IMDS role found")
	})
	mk := func(endpoint, uri string, p aws.CredentialsProvider) gateway.Integration {
		method := "POST"
		if strings.Contains(uri, ":s3:") {
			method = "PUT"
		}
		in, err := awsintegration.New(awsintegration.Config{URI: uri, HTTPMethod: method, Endpoint: endpoint, Credentials: p})
		if err != nil {
			t.Fatal(err)
		}
		return gateway.Handler(in)
	}
	const put = "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"
	gw, err := gateway.New(
		gateway.Route("POST /unreachable", gateway.Method{Integration: mk(closed, put, static), Response: mapping.Expr(`{}`)}),
		gateway.Route("POST /slow", gateway.Method{Integration: mk(slow.URL, put, static), Timeout: 50 * time.Millisecond, Response: mapping.Expr(`{}`)}),
		gateway.Route("POST /nocreds", gateway.Method{Integration: mk(f.srv.URL, put, broken), Response: mapping.Expr(`{}`)}),
		gateway.Route("POST /notable", gateway.Method{
			Integration: mk(f.srv.URL, put, static),
			Request:     mapping.Expr(`{"TableName": "nope", "Item": {"id": {"S": "1"}}}`),
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{
				{},
				{SelectionPattern: `4\d\d`, StatusCode: 404, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"error": input.json.__type}`)}},
			}},
		}),
		// Proxy mode: the client's request as it is, but for its credentials.
		gateway.Route("PUT /raw/{name}", gateway.Method{Integration: mk(f.srv.URL, "arn:aws:apigateway:us-east-1:s3:path/files/{name}", static)}),
	)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, body string
		status     int
		want       string
	}{
		{"/unreachable", "{}", 502, `{"message":"Internal server error"}`},
		{"/slow", "{}", 504, `{"message":"Endpoint request timed out"}`},
		{"/nocreds", "{}", 500, `{"message":"Internal server error"}`},
		{"/notable", "{}", 404, `{"error":"ResourceNotFoundException"}`},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body)))
		if w.Code != tt.status || strings.TrimSpace(w.Body.String()) != tt.want {
			t.Errorf("%s: %d %s, want %d %s", tt.path, w.Code, w.Body, tt.status, tt.want)
		}
	}
	r := httptest.NewRequest("PUT", "/raw/x.bin", strings.NewReader("raw"))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIACLIENT/...")
	r.Header.Set("X-Amz-Security-Token", "client-token")
	r.Header.Set("Content-Type", "application/octet-stream")
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("proxy mode: %d %s", w.Code, w.Body)
	}
	got := f.seen("s3")
	if strings.Contains(got.Header.Get("Authorization"), "AKIACLIENT") || got.Header.Get("X-Amz-Security-Token") != "" ||
		got.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("proxy mode sent %v", got.Header)
	}
}

func TestNewErrors(t *testing.T) {
	static := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	tests := []struct {
		cfg  awsintegration.Config
		want string
	}{
		{awsintegration.Config{URI: "arn:aws:lambda:us-east-1:123:function:f"}, `URI "arn:aws:lambda`},
		{awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:sqs:SendMessage"}, "want action/ACTION or path/PATH"},
		{awsintegration.Config{URI: "arn:aws:apigateway:us east:sqs:action/SendMessage"}, "bad region"},
		{awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:s3:action/GetObject"}, "s3 has no actions"},
		{awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:s3:path/{bucket"}, "unclosed"},
		{awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:s3:path/{bu cket}"}, "bad parameter"},
		{awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:s3:path/b?x=1"}, "query"},
		{awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:sqs:action/Send/Message"}, "bad action"},
		{awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:sqs:action/SendMessage", HTTPMethod: "FETCH"}, "HTTPMethod"},
		{awsintegration.Config{URI: "arn:aws:apigateway:us-east-1:sqs:action/SendMessage", Endpoint: "localhost:4566"}, "Endpoint"},
	}
	for _, tt := range tests {
		tt.cfg.Credentials = static
		_, err := awsintegration.New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "awsintegration: ") {
			t.Errorf("%+v: %v, want %q", tt.cfg.URI, err, tt.want)
		}
	}
}
