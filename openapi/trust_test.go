package openapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
	"github.com/aws/aws-lambda-go/events"
)

// Definitions whose security an attacker would like to see disappear on
// load: each is served as protected as AWS serves it, or refused with a
// problem at the construct's pointer. A TOKEN authorizer "tok" lets in
// Authorization: allow; a Lambda proxy function answers "ok".

const (
	tokURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
	fnURI  = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:fn/invocations"
	tok    = `{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
  "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "` + tokURI + `", "authorizerResultTtlInSeconds": 0}}`
	proxy = `"responses": {}, "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "` + fnURI + `"}`
)

// v2doc and v3doc write a document with the token authorizer (and
// the schemes in more) among its security schemes, extra at its root
// and paths as given.
func v2doc(extra, more, paths string) string {
	return `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, ` + extra +
		`"securityDefinitions": {"tok": ` + tok + more + `}, "paths": {` + paths + `}}`
}

func v3doc(extra, more, paths string) string {
	return `{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, ` + extra +
		`"components": {"securitySchemes": {"tok": ` + tok + more + `}}, "paths": {` + paths + `}}`
}

func trustBindings() openapi.Bindings {
	return openapi.Bindings{Functions: map[string]any{
		"auth": func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			if req.AuthorizationToken != "allow" {
				return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
			}
			resp := allow("caller", nil)
			resp.UsageIdentifierKey = "trust-key-from-authorizer-01"
			return resp, nil
		},
		"fn": func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok"}, nil
		},
	}}
}

// TestSecurityServed: what AWS protects, apigw protects.
func TestSecurityServed(t *testing.T) {
	token := map[string]string{"Authorization": "allow"}
	key := map[string]string{"x-api-key": "trust-key-in-header-0001"}
	both := map[string]string{"Authorization": "allow", "x-api-key": "trust-key-in-header-0001"}
	for _, tc := range []struct {
		name  string
		doc   string
		calls []exchange
	}{
		{"Swagger 2.0 operation", v2doc("", "", `"/pets": {"get": {"security": [{"tok": []}], `+proxy+`}}`), []exchange{
			{name: "no token", method: "GET", path: "/pets", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
			{name: "token", method: "GET", path: "/pets", header: token, wantStatus: 200, wantBody: "ok"},
		}},
		{"OpenAPI 3.0 operation", v3doc("", "", `"/pets": {"get": {"security": [{"tok": []}], `+proxy+`}}`), []exchange{
			{name: "no token", method: "GET", path: "/pets", wantStatus: 401},
			{name: "token", method: "GET", path: "/pets", header: token, wantStatus: 200},
		}},
		{"Swagger 2.0 any method, path-level parameters", v2doc("", "",
			`"/pets": {"parameters": [{"name": "q", "in": "query", "type": "string"}], "x-amazon-apigateway-any-method": {"security": [{"tok": []}], `+proxy+`}}`), []exchange{
			{name: "GET", method: "GET", path: "/pets", wantStatus: 401},
			{name: "DELETE", method: "DELETE", path: "/pets?q=1", wantStatus: 401},
			{name: "token", method: "PUT", path: "/pets", header: token, wantStatus: 200},
		}},
		{"OpenAPI 3.0 any method", v3doc("", "", `"/pets": {"x-amazon-apigateway-any-method": {"security": [{"tok": []}], `+proxy+`}}`), []exchange{
			{name: "POST", method: "POST", path: "/pets", wantStatus: 401},
			{name: "token", method: "POST", path: "/pets", header: token, wantStatus: 200},
		}},
		{"an open operation under root-level security", v3doc(`"security": [{"tok": []}], `, "",
			`"/pets": {"get": {"security": [], `+proxy+`}}`), []exchange{
			{name: "open as written", method: "GET", path: "/pets", wantStatus: 200},
		}},
		{"SAM's authorizer and API key, two requirement objects", v2doc("", "",
			`"/pets": {"get": {"security": [{"tok": []}, {"api_key": []}], `+proxy+`}}`), []exchange{
			{name: "nothing", method: "GET", path: "/pets", wantStatus: 401},
			{name: "token, no key", method: "GET", path: "/pets", header: token, wantStatus: 403, wantBody: `{"message":"Forbidden"}`},
			{name: "key, no token", method: "GET", path: "/pets", header: key, wantStatus: 401},
			{name: "both", method: "GET", path: "/pets", header: both, wantStatus: 200},
		}},
		{"SAM's NONE and api_key_false markers", v2doc("", "",
			`"/pets": {"get": {"security": [{"NONE": []}, {"api_key_false": []}], `+proxy+`}}`), []exchange{
			{name: "open", method: "GET", path: "/pets", wantStatus: 200},
		}},
		{"API key from the authorizer", v2doc(`"x-amazon-apigateway-api-key-source": "AUTHORIZER", `, "",
			`"/pets": {"get": {"security": [{"tok": [], "api_key": []}], `+proxy+`}}, "/open": {"get": {"security": [{"api_key": []}], `+proxy+`}}`), []exchange{
			{name: "the authorizer's key", method: "GET", path: "/pets", header: token, wantStatus: 200},
			{name: "a header key is not read", method: "GET", path: "/open", header: key, wantStatus: 403},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, err := openapi.Load([]byte(tc.doc), trustBindings())
			if err != nil {
				t.Fatal(err)
			}
			if api.UsagePlans != nil {
				if err := api.UsagePlans.AddPlan(usageplan.Plan{ID: "p", Stages: []usageplan.APIStage{{APIID: "apigw", Stage: "prod"}}}); err != nil {
					t.Fatal(err)
				}
				for i, v := range []string{"trust-key-in-header-0001", "trust-key-from-authorizer-01"} {
					if _, err := api.UsagePlans.AddKey(usageplan.APIKey{ID: fmt.Sprint(i), Value: v}, "p"); err != nil {
						t.Fatal(err)
					}
				}
			}
			gw, err := gateway.New(append(api.Options(), gateway.WithStage(stage.Stage{Name: "prod"}))...)
			if err != nil {
				t.Fatal(err)
			}
			defer gw.Close()
			runExchanges(t, gw, tc.calls)
		})
	}
}

// TestSecurityProblems: a construct whose security API Gateway would not
// apply as its author meant, or that apigw cannot apply as AWS does, is a
// problem at its pointer, never served less protected.
func TestSecurityProblems(t *testing.T) {
	op := func(s string) string { return `"/pets": {"get": {` + s + proxy + `}}` }
	for _, tc := range []struct {
		name, doc, pointer, message string
	}{
		// AWS: "API Gateway doesn't use root level security defined in
		// the OpenAPI specification" (Amazon API Gateway important notes
		// for REST APIs): the method would be open on AWS.
		{"root-level security, Swagger 2.0", v2doc(`"security": [{"tok": []}], `, "", op("")),
			"/paths/~1pets/get", "ignores the security at the root"},
		{"root-level security, OpenAPI 3.0", v3doc(`"security": [{"tok": []}], `, "", op("")),
			"/paths/~1pets/get", "ignores the security at the root"},
		{"security misspelt", v2doc("", "", op(`"securty": [{"tok": []}], `)),
			"/paths/~1pets/get/securty", "not a field of a Swagger 2.0 operation"},
		{"security capitalised", v3doc("", "", op(`"Security": [{"tok": []}], `)),
			"/paths/~1pets/get/Security", "not a field of an OpenAPI 3.0 operation"},
		{"security on the path item", v3doc("", "", `"/pets": {"security": [{"tok": []}], "get": {`+proxy+`}}`),
			"/paths/~1pets/security", "security is written on each operation"},
		{"security on the path item, Swagger 2.0", v2doc("", "", `"/pets": {"security": [{"tok": []}], "get": {`+proxy+`}}`),
			"/paths/~1pets/security", "security is written on each operation"},
		{"a method in capitals", v3doc("", "", `"/pets": {"GET": {"security": [{"tok": []}], `+proxy+`}}`),
			"/paths/~1pets/GET", "fields are lower case: get"},
		{"a method in capitals, Swagger 2.0", v2doc("", "", `"/pets": {"GET": {"security": [{"tok": []}], `+proxy+`}}`),
			"/paths/~1pets/GET", "fields are lower case: get"},
		{"a misspelt scheme name", v2doc("", "", op(`"security": [{"Tok": []}], `)),
			"/paths/~1pets/get/security/0/Tok", `no security scheme "Tok"`},
		{"Swagger's securityDefinitions in OpenAPI 3.0", `{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "securityDefinitions": {"tok": ` + tok + `}, "paths": {` + op(`"security": [{"tok": []}], `) + `}}`,
			"/securityDefinitions", "not a field of an OpenAPI 3.0 document"},
		{"OpenAPI's components in Swagger 2.0", `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "components": {"securitySchemes": {"tok": ` + tok + `}}, "paths": {` + op(`"security": [{"tok": []}], `) + `}}`,
			"/components", "not a field of a Swagger 2.0 document"},
		{"an authorizer in the components", `{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "components": {"x-amazon-apigateway-authorizer": {"type": "token"}}, "paths": {` + op("") + `}}`,
			"/components/x-amazon-apigateway-authorizer", "does not know this API Gateway extension"},
		{"an authorizer on the operation", v2doc("", "", op(`"x-amazon-apigateway-authorizer": {"type": "token"}, `)),
			"/paths/~1pets/get/x-amazon-apigateway-authorizer", "does not know this API Gateway extension"},
		{"an authorizer of an unknown type", strings.Replace(v2doc("", "", op(`"security": [{"tok": []}], `)), `"type": "token"`, `"type": "lambda"`, 1),
			"/securityDefinitions/tok/x-amazon-apigateway-authorizer/type", "not an authorizer type"},
		{"an authorizer extension misspelt", strings.Replace(v2doc("", "", op(`"security": [{"tok": []}], `)), `"x-amazon-apigateway-authorizer"`, `"x-amazon-apigateway-authoriser"`, 1),
			"/securityDefinitions/tok/x-amazon-apigateway-authoriser", "does not know this API Gateway extension"},
		{"an API key read from the query string", v2doc("", `, "api_key": {"type": "apiKey", "name": "x-api-key", "in": "query"}`, op(`"security": [{"api_key": []}], `)),
			"/securityDefinitions/api_key", "the x-api-key header's API key"},
		{"x-amazon-apigateway-auth NONE beside an authorizer", v2doc("", "", op(`"x-amazon-apigateway-auth": {"type": "NONE"}, "security": [{"tok": []}], `)),
			"/paths/~1pets/get/security/0/tok", "x-amazon-apigateway-auth NONE already sets"},
		{"x-amazon-apigateway-auth AWS_IAM beside an authorizer", v2doc("", "", op(`"x-amazon-apigateway-auth": {"type": "AWS_IAM"}, "security": [{"tok": []}], `)),
			"/paths/~1pets/get/security/0/tok", "x-amazon-apigateway-auth AWS_IAM already sets"},
		{"a Lambda authorizer named AWS_IAM", strings.Replace(v2doc("", "", op(`"x-amazon-apigateway-auth": {"type": "AWS_IAM"}, `)), `"tok"`, `"AWS_IAM"`, 1),
			"/securityDefinitions/AWS_IAM", "the name of API Gateway's IAM authorization"},
		{"two authorizers", v2doc("", `, "tok2": `+tok, op(`"security": [{"tok": []}, {"tok2": []}], `)),
			"/paths/~1pets/get/security/1/tok2", `a method has one authorizer: /paths/~1pets/get/security/0/tok already names "tok"`},
		{"a TOKEN authorizer on an HTTP API", v3doc(`"x-amazon-apigateway-importexport-version": "1.0", `, "", op(`"security": [{"tok": []}], `)),
			"/components/securitySchemes/tok/x-amazon-apigateway-authorizer/type", "HTTP APIs have Lambda (request) and JWT authorizers"},
		{"a JWT authorizer on a REST API", strings.Replace(v2doc("", "", op(`"security": [{"tok": []}], `)), `"type": "token"`, `"type": "jwt", "jwtConfiguration": {"issuer": "https://issuer.example"}`, 1),
			"/securityDefinitions/tok/x-amazon-apigateway-authorizer/type", "REST APIs have token, request and cognito_user_pools authorizers"},
		{"two requirements of an HTTP API", v3doc(`"x-amazon-apigateway-importexport-version": "1.0", `, "", op(`"security": [{"tok": []}, {"NONE": []}], `)),
			"/paths/~1pets/get/security", "takes one security requirement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openapi.Load([]byte(tc.doc), trustBindings())
			for _, p := range openapi.Problems(err) {
				if p.Pointer == tc.pointer && strings.Contains(p.Message, tc.message) {
					return
				}
			}
			t.Fatalf("no problem at %s holding %q; got %v", tc.pointer, tc.message, err)
		})
	}
}

// TestResourcePolicy: x-amazon-apigateway-policy is the API's resource
// policy: AWS's "Deny API traffic based on source IP address or range"
// example refuses 192.0.2.1 (httptest's client); a private API's "deny
// unless through my VPC endpoint" refuses a caller that came through none.
func TestResourcePolicy(t *testing.T) {
	ipDeny := `{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"]},
		{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"],
		 "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}}]}`
	vpce := `{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
		{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
		 "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}}]}`
	open := `{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
		{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
		 "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}`
	for _, tc := range []struct {
		name, policy string
		want         int
	}{
		{"AWS's source IP example", ipDeny, 403},
		{"through no VPC endpoint", vpce, 403},
		{"another network denied", open, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := v2doc(`"x-amazon-apigateway-policy": `+tc.policy+`, `, "", `"/pets": {"get": {`+proxy+`}}`)
			gw, err := openapi.New([]byte(doc), trustBindings(), gateway.WithStage(stage.Stage{Name: "prod"}))
			if err != nil {
				t.Fatal(err)
			}
			defer gw.Close()
			want := exchange{name: "GET", method: "GET", path: "/pets", wantStatus: tc.want}
			if tc.want == 403 {
				want.wantBody = "is not authorized to perform: execute-api:Invoke"
			}
			runExchanges(t, gw, []exchange{want})
		})
	}
}

// TestRequestValidators: the root's x-amazon-apigateway-request-validator
// is every method's, an operation's replaces it, and a path item's
// parameters are its methods' (x-amazon-apigateway-any-method's too), as
// AWS's "request validation" sample writes them; a validator named but not
// defined is a problem, never validation silently off.
func TestRequestValidators(t *testing.T) {
	doc := `{"swagger": "2.0", "info": {"title": "t", "version": "1"},
 "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": true, "validateRequestParameters": true}, "none": {"validateRequestBody": false, "validateRequestParameters": false}},
 "x-amazon-apigateway-request-validator": "all",
 "paths": {"/pets": {"parameters": [{"name": "q", "in": "query", "required": true, "type": "string"}],
   "get": {` + proxy + `},
   "post": {"x-amazon-apigateway-request-validator": "none", ` + proxy + `},
   "x-amazon-apigateway-any-method": {` + proxy + `}}}}`
	gw, err := openapi.New([]byte(doc), trustBindings())
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	missing := `{"message":"Missing required request parameters: [q]"}`
	runExchanges(t, gw, []exchange{
		{name: "the root's validator", method: "GET", path: "/pets", wantStatus: 400, wantBody: missing},
		{name: "given", method: "GET", path: "/pets?q=cat", wantStatus: 200},
		{name: "the operation's validator", method: "POST", path: "/pets", wantStatus: 200},
		{name: "any method, the path's parameter", method: "PUT", path: "/pets", wantStatus: 400, wantBody: missing},
	})

	for _, bad := range []string{
		strings.Replace(doc, `"x-amazon-apigateway-request-validator": "none"`, `"x-amazon-apigateway-request-validator": "nune"`, 1),
		strings.Replace(doc, `"x-amazon-apigateway-request-validator": "all"`, `"x-amazon-apigateway-request-validator": "al"`, 1),
	} {
		if _, err := openapi.Load([]byte(bad), trustBindings()); err == nil || !strings.Contains(err.Error(), "is not defined in x-amazon-apigateway-request-validators") {
			t.Errorf("a validator not defined: %v", err)
		}
	}
}
