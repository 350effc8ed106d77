package awsintegration_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/apigw/apigw/awsintegration"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/awsfake"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// An S3 bucket behind the gateway: PUT and GET /files/{name} store and read
// objects of the bucket "files", the requests signed with the gateway's own
// credentials. Endpoint points at an S3-compatible server (here an
// in-memory one); without it the requests go to AWS.
func Example() {
	s3 := httptest.NewServer(awsfake.NewS3(gatewayCreds, "us-east-1", "files"))
	defer s3.Close()
	creds := credentials.NewStaticCredentialsProvider(gatewayCreds.AccessKeyID, gatewayCreds.SecretAccessKey, "")
	object := func(method string) gateway.Integration {
		in, err := awsintegration.New(awsintegration.Config{
			URI:         "arn:aws:apigateway:us-east-1:s3:path/files/{name}",
			HTTPMethod:  method,
			Credentials: creds,
			Endpoint:    s3.URL,
		})
		if err != nil {
			panic(err)
		}
		return gateway.Handler(in)
	}
	gw, err := gateway.New(
		gateway.Route("PUT /files/{name}", gateway.Method{Integration: object("PUT"),
			Request: mapping.RequestConfig{Parameters: map[string]string{
				"integration.request.path.name":           "method.request.path.name",
				"integration.request.header.Content-Type": "method.request.header.Content-Type",
			}},
			Response: mapping.Expr(`{"stored": input.params.path.name}`),
		}),
		gateway.Route("GET /files/{name}", gateway.Method{Integration: object("GET"),
			Request: mapping.RequestConfig{Parameters: map[string]string{"integration.request.path.name": "method.request.path.name"}},
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{
				{Parameters: map[string]string{"method.response.header.Content-Type": "integration.response.header.Content-Type"}},
				{SelectionPattern: "404", StatusCode: 404, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"message": "no such file"}`)}},
			}},
		}),
	)
	if err != nil {
		panic(err)
	}
	for _, r := range []struct{ method, path, body string }{
		{"PUT", "/files/hello.txt", "Hello, S3"},
		{"GET", "/files/hello.txt", ""},
		{"GET", "/files/nothing.txt", ""},
	} {
		req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", "text/plain")
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, req)
		fmt.Println(r.method, r.path, w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	// Output:
	// PUT /files/hello.txt 200 application/json {"stored":"hello.txt"}
	// GET /files/hello.txt 200 text/plain Hello, S3
	// GET /files/nothing.txt 404 application/json {"message":"no such file"}
}
