package openapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
	"github.com/apigw/apigw/internal/awsfake"
	"github.com/apigw/apigw/openapi"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// TestS3ProxySample loads AWS's "OpenAPI definitions of the sample API as
// an Amazon S3 proxy": AWS service integrations of type aws to S3 (here an
// S3 served inside the test), behind AWS_IAM (awsSigv4).
func TestS3ProxySample(t *testing.T) {
	own := aws.Credentials{AccessKeyID: "AKIAGATEWAY000000001", SecretAccessKey: "gateway-secret-000000000000000000000000"}
	s3 := httptest.NewServer(awsfake.NewS3(own, "us-west-2", "photos"))
	defer s3.Close()
	caller := aws.Credentials{AccessKeyID: "AKIACALLER0000000001", SecretAccessKey: "caller-secret-0000000000000000000000000"}
	gw, err := openapi.New(readTestdata(t, "aws-s3-proxy.json"), openapi.Bindings{
		Region: "us-west-2",
		AWS:    openapi.AWSBindings{Credentials: credentials.StaticCredentialsProvider{Value: own}, Endpoint: s3.URL},
		Credentials: iam.NewStatic(iam.Credential{AccessKeyID: caller.AccessKeyID, SecretAccessKey: caller.SecretAccessKey,
			Identity: iam.Identity{AccountID: "123456789012", UserARN: "arn:aws:iam::123456789012:user/ann"},
			Policy:   authorizer.MustPolicy(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}`)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	srv := httptest.NewServer(gw)
	defer srv.Close()
	do := func(method, path, body, contentType string, sign bool) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if sign {
			sum := sha256.Sum256([]byte(body))
			if err := v4.NewSigner().SignHTTP(context.Background(), caller, req, hex.EncodeToString(sum[:]), "execute-api", "us-west-2", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if status, _, _ := do("PUT", "/photos/cat.txt", "meow", "text/plain", false); status != 403 {
		t.Errorf("unsigned PUT: %d, want 403", status)
	}
	if status, body, _ := do("PUT", "/photos/cat.txt", "meow", "text/plain", true); status != 200 {
		t.Fatalf("PUT: %d %s", status, body)
	}
	status, body, h := do("GET", "/photos/cat.txt", "", "", true)
	if status != 200 || body != "meow" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Errorf("GET: %d %q %q", status, body, h.Get("Content-Type"))
	}
	if status, body, _ := do("GET", "/photos/dog.txt", "", "", true); status != 400 {
		t.Errorf("GET of no such key: %d %s, want the 4\\d{2} response's 400", status, body)
	}
	if status, body, _ := do("DELETE", "/photos/cat.txt", "", "", true); status != 200 {
		t.Errorf("DELETE: %d %s", status, body)
	}
}
