package openapi_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/authorizer/iam"
	"github.com/apigw/apigw/openapi"
	"github.com/aws/aws-lambda-go/events"
)

// TestSecurePetStore loads aws-samples/api-gateway-secure-pet-store's
// definition: its references are bare names ($ref: Pet, which API
// Gateway's import reads as #/definitions/Pet; it was refused as an
// external reference), its pet methods AWS_IAM. The registration answers
// through the custom integration's template; an unsigned request for the
// pets is AWS's 403.
func TestSecurePetStore(t *testing.T) {
	var got map[string]any
	fn := func(_ context.Context, in map[string]any) (map[string]any, error) {
		got = in
		return map[string]any{"identityId": "us-east-1:abc", "token": "t"}, nil
	}
	gw, err := openapi.New(readTestdata(t, "aws-secure-pet-store.yaml"), openapi.Bindings{
		Functions: map[string]any{"YOUR_FUNCTION_NAME": fn}, Credentials: iam.NewStatic()})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{
		{name: "register", method: "POST", path: "/users", header: map[string]string{"Content-Type": "application/json"},
			body: `{"username": "alice", "password": "secret"}`, wantStatus: 200, wantBody: `{"identityId": "us-east-1:abc", "token": "t"}`,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "*"}},
		{name: "unsigned", method: "POST", path: "/pets", body: `{}`, wantStatus: 403, wantBody: `{"message":"Missing Authentication Token"}`},
	})
	if got["action"] != "com.amazonaws.apigatewaydemo.action.RegisterDemoAction" {
		t.Errorf("the function got %v", got)
	}
}

// TestAWSVariables loads the example of "AWS variables for OpenAPI
// import" (Amazon API Gateway Developer Guide): API Gateway resolves
// ${AWS::Partition}, ${AWS::Region} and ${AWS::AccountId} on import, so the
// integration's function is LambdaFunctionName. It was refused as "not a
// Lambda function ARN".
func TestAWSVariables(t *testing.T) {
	list := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: `[{"id": 1, "name": "write the tests"}]`}, nil
	}
	gw, err := openapi.New(readTestdata(t, "aws-variables.yaml"), openapi.Bindings{Functions: map[string]any{"LambdaFunctionName": list}, Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{{name: "list", method: "GET", path: "/", wantStatus: 200, wantBody: `[{"id": 1, "name": "write the tests"}]`}})
}

// TestProxyResourceSamples loads the proxy resource examples of "Set up a
// proxy integration with a proxy resource" (Lambda and HTTP): their
// cacheKeyParameters, inert on a stage without a cache as on AWS, made
// gateway.New refuse them.
func TestProxyResourceSamples(t *testing.T) {
	var proxy string
	fn := func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		proxy = req.PathParameters["proxy"]
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: req.HTTPMethod + " " + req.Resource}, nil
	}
	gw, err := openapi.New(readTestdata(t, "aws-lambda-proxy-resource.json"), openapi.Bindings{Functions: map[string]any{"SimpleLambda4ProxyResource": fn}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{{name: "any method, any path", method: "DELETE", path: "/pets/7", wantStatus: 200, wantBody: "DELETE /{proxy+}"}})
	if proxy != "pets/7" {
		t.Errorf("proxy %q", proxy)
	}

	backend := &petstore{}
	srv := httptest.NewServer(backend)
	defer srv.Close()
	gw2, err := openapi.New(readTestdata(t, "aws-http-proxy-resource.json"), openapi.Bindings{Hosts: petstoreHosts(srv)})
	if err != nil {
		t.Fatal(err)
	}
	defer gw2.Close()
	runExchanges(t, gw2, []exchange{{name: "the pets", method: "GET", path: "/pets?type=cat", wantStatus: 200, wantBody: `[{"id":2,"type":"cat","price":124.99}]`}})
}

// TestDocumentsOfTheWild: constructs found in real definitions (SAM's
// translator tests, aws-samples/serverless-patterns) that panicked or were
// refused though API Gateway takes them.
func TestDocumentsOfTheWild(t *testing.T) {
	fn := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok"}, nil
	}
	b := openapi.Bindings{Functions: map[string]any{"fn": fn}}
	for _, tc := range []struct {
		name, doc, problem string
	}{
		// YAML reads swagger: 2.0 as a number; API Gateway takes it
		// (aws-samples/serverless-patterns apigw-private-lambda).
		{"swagger as a number", "swagger: 2.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      " + proxyYAML, ""},
		{"openapi as a number", "openapi: 3.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      " + proxyYAML, ""},
		// SAM's translator marks an HTTP API's $default route so, and
		// deploys it.
		{"isDefaultRoute", `{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "x-amazon-apigateway-importexport-version": "1.0",
			"paths": {"$default": {"x-amazon-apigateway-any-method": {"isDefaultRoute": true, ` + proxy + `}}}}`, ""},
		// A path item that a template's Fn::If made null panicked.
		{"a null path item", `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": null}}`, "/paths/~1a: a path item must be an object"},
		// API Gateway's resource for /a/ is /a's: gateway.New refused
		// the path; both written is one route written twice.
		{"a trailing slash", "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a/:\n    get:\n      " + proxyYAML, ""},
		{"a path with and without a trailing slash", "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a/:\n    get:\n      " + proxyYAML +
			"\n  /a:\n    get:\n      " + proxyYAML, "/paths/~1a~1/get: GET /a again, after /paths/~1a/get"},
		// API Gateway's exports write a body parameter per content type
		// of the request models (AWS's Kinesis proxy export has two of
		// one model); kin-openapi refused them.
		{"one body twice", `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "definitions": {"M": {"type": "object"}},
			"paths": {"/a": {"put": {"consumes": ["application/json", "application/x-amz-json-1.1"], "parameters": [
			{"in": "body", "name": "M", "required": true, "schema": {"$ref": "#/definitions/M"}},
			{"in": "body", "name": "M", "required": true, "schema": {"$ref": "#/definitions/M"}}], ` + proxy + `}}}}`, ""},
		// An HTTP API's extension: API Gateway's REST import ignores it.
		{"x-amazon-apigateway-cors on a REST API", `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "x-amazon-apigateway-cors": {"allowOrigins": ["*"]},
			"paths": {"/a": {"get": {` + proxy + `}}}}`, "/x-amazon-apigateway-cors: only HTTP APIs read"},
		{"no method", `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}`, "/paths: no method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw, err := openapi.New([]byte(tc.doc), b)
			if tc.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				gw.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("error %v, want %q", err, tc.problem)
			}
		})
	}
}

const proxyYAML = `x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "` + fnURI + `"}`
