package sam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
	"github.com/aws/aws-lambda-go/events"
)

// TestTemplatesOfTheWild: constructs of real templates (SAM's translator
// tests, aws-samples/serverless-patterns) that apigw refused, or read
// otherwise than SAM and CloudFormation do.
func TestTemplatesOfTheWild(t *testing.T) {
	for _, tc := range []struct {
		name, template string
		calls          []call
	}{
		// CloudFormation keeps the last of a key written twice
		// (serverless-patterns sam-webapp-cognito); YAML decoders refuse
		// the file.
		{"a key written twice", `
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: first
      Handler: second
      Events:
        Get:
          Type: Api
          Properties: {Path: /first, Method: get}
        Get:
          Type: Api
          Properties: {Path: /second, Method: get}
`, []call{
			{name: "the last", method: "GET", path: "/second", wantStatus: 200},
			{name: "not the first", method: "GET", path: "/first", wantStatus: 403},
		}},
		// An Api's Policy is its resource policy
		// (api_custom_domain_private_endpoint_*); it was refused.
		{"Policy", `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Policy:
        Version: '2012-10-17'
        Statement:
        - {Effect: Allow, Principal: '*', Action: execute-api:Invoke, Resource: execute-api:/*}
        - Effect: Deny
          Principal: '*'
          Action: execute-api:Invoke
          Resource: execute-api:/*/GET/private
          Condition: {IpAddress: {aws:SourceIp: 192.0.2.0/24}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Public:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /public, Method: get}
        Private:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /private, Method: get}
`, []call{
			{name: "allowed", method: "GET", path: "/public", wantStatus: 200},
			{name: "denied from 192.0.2.1", method: "GET", path: "/private", wantStatus: 403, wantBody: "is not authorized to perform: execute-api:Invoke"},
		}},
		// A REQUEST authorizer that caches nothing needs no identity
		// source (api_with_auth_all_minimum); it was refused.
		{"REQUEST authorizer without identity sources", `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: Req
        Authorizers:
          Req:
            FunctionPayloadType: REQUEST
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {ReauthorizeEvery: 0}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /, Method: get}
  AuthFn:
    Type: AWS::Serverless::Function
`, []call{
			{name: "refused", method: "GET", path: "/", wantStatus: 403},
			{name: "allowed", method: "GET", path: "/?let=me", wantStatus: 200},
		}},
		// A method the DefinitionBody writes without a value is SAM's to
		// fill with the event's (http_api_with_null_path); it was "defined
		// twice".
		{"an HTTP API's null method", `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          /my/route:
            post:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Post:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /my/route, Method: POST, PayloadFormatVersion: "1.0"}
`, []call{{name: "the event's", method: "POST", path: "/my/route", wantStatus: 200}}},
		// Globals' lists are concatenated, an intrinsic function replaced
		// (SAM's globals plugin); Cors without AllowOrigin is "'*'".
		{"Globals merged as SAM merges them", `
Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Cors: {Fn::Join: [',', [www.amazon.com, www.google.com]]}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Cors: {AllowHeaders: "'X-Trace'", MaxAge: 600}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /, Method: get}
`, []call{
			{name: "preflight", method: "OPTIONS", path: "/", wantStatus: 200, wantHeader: map[string]string{
				"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "X-Trace", "Access-Control-Max-Age": "600"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := openapi.Bindings{Functions: map[string]any{"Fn": hello, "AuthFn": func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
				if req.QueryStringParameters["let"] == "me" {
					return policy("Allow", "me"), nil
				}
				return policy("Deny", "me"), nil
			}}}
			gw, err := sam.New([]byte(tc.template), sam.Bindings{Bindings: b})
			if err != nil {
				t.Fatal(err)
			}
			defer gw.Close()
			serve(t, gw, tc.calls)
		})
	}
}

// TestProblemPointers: a property an implicit API takes from the Globals
// is reported there (it was reported under the first event).
func TestProblemPointers(t *testing.T) {
	tmpl := `
Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Cors: '*'
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get:
          Type: Api
          Properties: {Path: /, Method: get}
`
	ps := sam.Check([]byte(tmpl), nil)
	if len(ps) == 0 || ps[0].Pointer != "/Globals/Api/Cors" || !strings.Contains(ps[0].Message, `quoted value: "'*'"`) {
		t.Fatalf("problems %v", ps)
	}
}

// TestCheckWithoutValues: apigw check gives a parameter without a default a
// stand-in (a URL's host name here); an HTTP API's RouteSettings may name
// the $default route; a usage plan's key whose value AWS generates is the
// user's to add (its plan key was "not found").
func TestCheckWithoutValues(t *testing.T) {
	tmpl := `
Transform: AWS::Serverless-2016-10-31
Parameters:
  BackendHost: {Type: String}
Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      RouteSettings:
        $default: {ThrottlingBurstLimit: 10}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        All: {Type: HttpApi, Properties: {ApiId: !Ref Http}}
  Rest:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      DefinitionBody:
        swagger: "2.0"
        info: {title: t, version: "1"}
        paths:
          /:
            get:
              security: [{api_key: []}]
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                uri: !Sub https://${BackendHost}/
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Enabled: true}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{ApiId: !Ref Rest, Stage: Prod}]
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
`
	if ps := sam.Check([]byte(tmpl), nil); len(ps) != 0 {
		t.Fatalf("problems %v", ps)
	}
	api, err := sam.Load([]byte(tmpl), sam.Bindings{API: "Http", Bindings: openapi.Bindings{Functions: map[string]any{"Fn": hello}}, Parameters: map[string]string{"BackendHost": "example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if ms := api.Stage.MethodSettings["$default"]; ms.ThrottlingBurstLimit != 10 {
		t.Errorf("the $default route's settings %+v", api.Stage.MethodSettings)
	}
}

// TestRefusedAsSAMRefuses: templates SAM's translator refuses
// (tests/translator/input/error_*) that apigw served, some more open than
// written: an event's Properties not an object made an HTTP API's $default
// route that catches every request.
func TestRefusedAsSAMRefuses(t *testing.T) {
	fn := "\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n"
	for _, tc := range []struct{ name, resources, pointer string }{
		{"event Properties a string", fn + "        Api: {Type: HttpApi, Properties: /basic}",
			"/Resources/Fn/Properties/Events/Api/Properties"},
		{"HttpApi Path without Method", fn + "        Api: {Type: HttpApi, Properties: {Path: /basic}}",
			"/Resources/Fn/Properties/Events/Api/Properties"},
		{"NONE without a DefaultAuthorizer", fn + "        Api: {Type: Api, Properties: {Path: /a, Method: get, Auth: {Authorizer: NONE}}}",
			"/Resources/Fn/Properties/Events/Api/Properties/Auth/Authorizer"},
		{"API Properties not an object", fn + "        Api: {Type: Api, Properties: {Path: /a, Method: get, RestApiId: !Ref Api}}\n  Api:\n    Type: AWS::Serverless::Api\n    Properties: 123",
			"/Resources/Api/Properties"},
		{"GatewayResponses' ResponseParameters a list", fn + "        Api: {Type: Api, Properties: {Path: /a, Method: get, RestApiId: !Ref Api}}\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n      GatewayResponses:\n        UNAUTHORIZED:\n          StatusCode: 401\n          ResponseParameters: [a list]",
			"/Resources/Api/Properties/GatewayResponses/UNAUTHORIZED/ResponseParameters"},
		{"a WebSocket API", fn + "        Api: {Type: Api, Properties: {Path: /a, Method: get}}\n  Ws:\n    Type: AWS::Serverless::WebSocketApi\n    Properties: {}",
			"/Resources/Ws/Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := sam.Check([]byte("Transform: AWS::Serverless-2016-10-31\nResources:"+tc.resources+"\n"), nil)
			for _, p := range ps {
				if p.Pointer == tc.pointer {
					return
				}
			}
			t.Fatalf("no problem at %s: %v", tc.pointer, ps)
		})
	}
}

// TestCheckNoAPI: apigw check of a template without a REST or HTTP API
// says so (it printed nothing and exited 0, as for one served as written).
func TestCheckNoAPI(t *testing.T) {
	ps := sam.Check([]byte("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        Q: {Type: SQS, Properties: {Queue: arn:aws:sqs:us-east-1:123456789012:q}}\n"), nil)
	if len(ps) != 1 || ps[0].Pointer != "/Resources" {
		t.Fatalf("problems %v", ps)
	}
}
