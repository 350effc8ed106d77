package openapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/openapi"
	"github.com/aws/aws-lambda-go/events"
)

// A definition with a Lambda proxy integration, its function bound to a Go
// function by the name in its ARN.
func ExampleLoad() {
	doc := []byte(`
openapi: 3.0.1
info: {title: hello, version: "1"}
paths:
  /hello/{name}:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Hello/invocations
`)
	hello := func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "hello, " + req.PathParameters["name"]}, nil
	}
	api, err := openapi.Load(doc, openapi.Bindings{Functions: map[string]any{"Hello": hello}})
	if err != nil {
		fmt.Println(err)
		return
	}
	gw, err := gateway.New(api.Options()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, httptest.NewRequest("GET", "/hello/ann", nil))
	fmt.Println(w.Code, w.Body)
	// Output: 200 hello, ann
}

// Check names every construct apigw does not honour by its JSON pointer.
func ExampleCheck() {
	doc := []byte(`{"swagger": "2.0", "info": {"title": "t", "version": "1"},
		"x-amazon-apigateway-frobnicate": true,
		"paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "http", "uri": "http://a.example", "httpMethod": "POST"}}}}}`)
	for _, p := range openapi.Check(doc) {
		fmt.Println(p)
	}
	// Output:
	// /paths/~1a/get/x-amazon-apigateway-integration/httpMethod: POST for a GET method: apigw's HTTP integrations send the client's method
	// /x-amazon-apigateway-frobnicate: apigw does not know this API Gateway extension
}

// Export writes a gateway built in Go as OpenAPI, and Load reads it back.
func ExampleExport() {
	gw, err := gateway.New(gateway.Route("GET /ping", gateway.Method{Integration: gateway.Mock(200, `{"pong": true}`)}))
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, bindings, err := openapi.Export(gw, openapi.ExportOptions{Title: "ping"})
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := openapi.New(doc, bindings)
	if err != nil {
		fmt.Println(err)
		return
	}
	w := httptest.NewRecorder()
	again.ServeHTTP(w, httptest.NewRequest("GET", "/ping", nil))
	fmt.Println(w.Code, w.Body)
	// Output: 200 {"pong": true}
}
