package openapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/openapi"
	"github.com/aws/aws-lambda-go/events"
)

// definition200 is a definition of 200 operations on 50 resources: Lambda
// proxy, HTTP with parameter mappings and a model, mock with VTL response
// templates, a Lambda custom integration with VTL templates.
func definition200() []byte {
	var b strings.Builder
	b.WriteString(`{"openapi": "3.0.1", "info": {"title": "big", "version": "1"},
	"x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": true, "validateRequestParameters": true}},
	"components": {"schemas": {"Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "tag": {"$ref": "#/components/schemas/Tag"}}},
		"Tag": {"type": "string", "maxLength": 32}}},
	"paths": {`)
	lambda := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:fn/invocations"
	for i := 0; i < 50; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"/r%d/{id}": {
		"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
			"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": %q}},
		"put": {"x-amazon-apigateway-request-validator": "all",
			"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "lang", "in": "query", "required": true, "schema": {"type": "string"}}],
			"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
			"responses": {"200": {"description": "ok", "headers": {"X-Id": {"schema": {"type": "string"}}}}},
			"x-amazon-apigateway-integration": {"type": "http", "httpMethod": "PUT", "uri": "http://backend.example/r%d/{id}",
				"requestParameters": {"integration.request.path.id": "method.request.path.id", "integration.request.querystring.lang": "method.request.querystring.lang"},
				"responses": {"default": {"statusCode": "200", "responseParameters": {"method.response.header.X-Id": "'%d'"}}}}},
		"post": {"x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 201}"},
			"responses": {"default": {"statusCode": "201", "responseTemplates": {"application/json": "{\"id\": \"$input.params('id')\", \"at\": \"$context.requestTime\"}"}}}}},
		"delete": {"x-amazon-apigateway-integration": {"type": "aws", "httpMethod": "POST", "uri": %q,
			"requestTemplates": {"application/json": "#set($id = $input.params('id'))\n{\"id\": \"$id\", \"by\": \"$context.identity.sourceIp\"}"},
			"responses": {"default": {"statusCode": "204"}, "Not found.*": {"statusCode": "404", "responseTemplates": {"application/json": "{\"message\": \"$input.path('$.errorMessage')\"}"}}}}}
		}`, i, lambda, i, i, lambda)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

func petFunction(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"id": "` + req.PathParameters["id"] + `"}`}, nil
}

// BenchmarkLoad200 loads a definition of 200 operations (parsing,
// extensions, models, 150 compiled VTL templates and mappings).
func BenchmarkLoad200(b *testing.B) {
	doc := definition200()
	bindings := openapi.Bindings{Functions: map[string]any{"fn": petFunction}}
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := openapi.Load(doc, bindings); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad200AndNew is BenchmarkLoad200 and gateway.New: the whole
// start of a gateway served from a definition.
func BenchmarkLoad200AndNew(b *testing.B) {
	doc := definition200()
	bindings := openapi.Bindings{Functions: map[string]any{"fn": petFunction}}
	b.ReportAllocs()
	for b.Loop() {
		gw, err := openapi.New(doc, bindings)
		if err != nil {
			b.Fatal(err)
		}
		_ = gw.Close()
	}
}

// BenchmarkRequest compares the request path of a gateway loaded from a
// definition with the same API written in Go: a Lambda proxy route and a
// mock route with a VTL response template.
func BenchmarkRequest(b *testing.B) {
	doc := []byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {
		"/pets/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
			"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
				"uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations"}}},
		"/mock/{id}": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
			"responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "{\"id\": \"$input.params('id')\"}"}}}}}}}}`)
	loaded, err := openapi.New(doc, openapi.Bindings{Functions: map[string]any{"pets": petFunction}})
	if err != nil {
		b.Fatal(err)
	}
	inGo, err := gateway.New(
		gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Lambda(petFunction),
			RequestParameters: map[string]bool{"method.request.path.id": true}, RequestValidator: 3}),
		gateway.Route("GET /mock/{id}", gateway.Method{Integration: gateway.Mock(200, ""),
			Request: mapping.RequestConfig{Templates: map[string]*mapping.Template{"application/json": mapping.MustCompileVTL(`{"statusCode": 200}`)}},
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{{StatusCode: 200,
				Templates: map[string]*mapping.Template{"application/json": mapping.MustCompileVTL(`{"id": "$input.params('id')"}`)}}}}}),
	)
	if err != nil {
		b.Fatal(err)
	}
	for _, gw := range []struct {
		name string
		gw   *gateway.Gateway
	}{{"loaded", loaded}, {"go", inGo}} {
		for _, path := range []string{"/pets/7", "/mock/7"} {
			b.Run(gw.name+path[:strings.LastIndexByte(path, '/')], func(b *testing.B) {
				req := httptest.NewRequest("GET", path, nil)
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					gw.gw.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Fatalf("%d %s", w.Code, w.Body)
					}
				}
			})
		}
	}
}
