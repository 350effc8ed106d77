package awsintegration_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/awsintegration"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// BenchmarkServeHTTP measures the gateway's side of a service call: the
// request built, hashed and signed, the answer copied; the service answers
// at once, in-process.
func BenchmarkServeHTTP(b *testing.B) {
	answer := []byte(`{}`)
	transport := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}}, Body: io.NopCloser(bytes.NewReader(answer))}, nil
	})
	creds := credentials.NewStaticCredentialsProvider(gatewayCreds.AccessKeyID, gatewayCreds.SecretAccessKey, "")
	for _, bc := range []struct {
		name, uri, method string
		body              string
	}{
		{"DynamoDB.PutItem", "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", "POST", `{"TableName":"items","Item":{"id":{"S":"42"},"name":{"S":"Ada Lovelace"}}}`},
		{"SQS.SendMessage", "arn:aws:apigateway:us-east-1:sqs:action/SendMessage", "POST", ""},
		{"S3.PutObject-64KB", "arn:aws:apigateway:us-east-1:s3:path/files/{name}", "PUT", strings.Repeat("x", 64<<10)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			in, err := awsintegration.New(awsintegration.Config{URI: bc.uri, HTTPMethod: bc.method, Credentials: creds, Transport: transport})
			if err != nil {
				b.Fatal(err)
			}
			body := []byte(bc.body)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(bc.method, "/?QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F123456789012%2Forders&MessageBody=hello", bytes.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				r.SetPathValue("name", "a.txt")
				w := httptest.NewRecorder()
				in.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatal(w.Code, w.Body)
				}
			}
		})
	}
}
