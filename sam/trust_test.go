package sam_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/apigw/apigw/authorizer/iam"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
	"github.com/apigw/apigw/usageplan"
	"github.com/aws/aws-lambda-go/events"
)

// eventsTemplate has an Api whose definition SAM writes from its events;
// its Auth defaults reach every method, the CORS preflights SAM writes
// included (set_path_default_authorizer, set_path_default_apikey_required
// in SAM's translator).
const eventsTemplate = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Cors: "'*'"
      Auth:
        DefaultAuthorizer: Tok
        ApiKeyRequired: true
        AddApiKeyRequiredToCorsPreflight: false
        Authorizers:
          Tok:
            FunctionArn: !GetAtt AuthFn.Arn
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Default:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /fn, Method: get}
        NoAuthorizer:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /open, Method: get, Auth: {Authorizer: NONE}}
        NoKey:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /nokey, Method: post, Auth: {ApiKeyRequired: false}}
  AuthFn:
    Type: AWS::Serverless::Function
`

// bodyTemplate has an Api with a DefinitionBody: SAM lays the Auth
// defaults over its methods too (they were served open), adds no method
// of the events (they only permit API Gateway to invoke the function), and
// applies an event's Auth only with OverrideApiAuth.
const bodyTemplate = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: Tok
        ApiKeyRequired: true
        Authorizers:
          Tok:
            FunctionArn: !GetAtt AuthFn.Arn
      DefinitionBody:
        swagger: "2.0"
        info: {title: body, version: "1"}
        paths:
          /mock:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: 200}}
          /body-open:
            get:
              security: [{NONE: []}]
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: 200}}
          /fn:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Listed:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /fn, Method: get, Auth: {Authorizer: NONE, ApiKeyRequired: false, OverrideApiAuth: true}}
        NotInTheBody:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /elsewhere, Method: get}
  AuthFn:
    Type: AWS::Serverless::Function
`

func addKey(t *testing.T, api *sam.API, value string) {
	t.Helper()
	_ = api.UsagePlans.AddPlan(usageplan.Plan{ID: "p", Stages: []usageplan.APIStage{{APIID: api.Name, Stage: api.Stage.Name}}})
	if _, err := api.UsagePlans.AddKey(usageplan.APIKey{ID: "k", Value: value}, "p"); err != nil {
		t.Fatal(err)
	}
}

// TestAuthDefaults: the events' methods and the preflights are protected
// as SAM protects them on AWS (the preflights were answered without the
// default authorizer).
func TestAuthDefaults(t *testing.T) {
	api, err := sam.Load([]byte(eventsTemplate), sam.Bindings{Bindings: openapi.Bindings{
		Functions: map[string]any{"Fn": hello, "AuthFn": tokenAuthorizer}}})
	if err != nil {
		t.Fatal(err)
	}
	addKey(t, api, "defaults-key-00000000001")
	gw, err := newGateway(api)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	token := map[string]string{"Authorization": "allow"}
	key := map[string]string{"x-api-key": "defaults-key-00000000001"}
	both := map[string]string{"Authorization": "allow", "x-api-key": "defaults-key-00000000001"}
	preflight := map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
	tokenPreflight := map[string]string{"Authorization": "allow", "Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
	serve(t, gw, []call{
		{name: "event, nothing", method: "GET", path: "/fn", wantStatus: 401},
		{name: "event, key only", method: "GET", path: "/fn", header: key, wantStatus: 401},
		{name: "event, token only", method: "GET", path: "/fn", header: token, wantStatus: 403},
		{name: "event, token and key", method: "GET", path: "/fn", header: both, wantStatus: 200, wantBody: "Hello"},
		{name: "event NONE, key", method: "GET", path: "/open", header: key, wantStatus: 200},
		{name: "event NONE, nothing", method: "GET", path: "/open", wantStatus: 403},
		{name: "event without key, token", method: "POST", path: "/nokey", header: token, wantStatus: 200},
		{name: "preflight without a token", method: "OPTIONS", path: "/fn", header: preflight, wantStatus: 401},
		{name: "preflight with a token, no key needed", method: "OPTIONS", path: "/fn", header: tokenPreflight, wantStatus: 200,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET,OPTIONS"}},
		{name: "no CORS headers on the function's answer", method: "GET", path: "/fn", header: both, wantStatus: 200,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": ""}},
	})
}

// TestAuthDefaultsOnBody: a DefinitionBody's methods take the API's Auth
// defaults; an event adds no method and its Auth applies only with
// OverrideApiAuth.
func TestAuthDefaultsOnBody(t *testing.T) {
	api, err := sam.Load([]byte(bodyTemplate), sam.Bindings{Bindings: openapi.Bindings{
		Functions: map[string]any{"Fn": hello, "AuthFn": tokenAuthorizer}}})
	if err != nil {
		t.Fatal(err)
	}
	addKey(t, api, "body-key-000000000000001")
	gw, err := newGateway(api)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	token := map[string]string{"Authorization": "allow"}
	key := map[string]string{"x-api-key": "body-key-000000000000001"}
	both := map[string]string{"Authorization": "allow", "x-api-key": "body-key-000000000000001"}
	serve(t, gw, []call{
		{name: "definition body, nothing", method: "GET", path: "/mock", wantStatus: 401},
		{name: "definition body, token", method: "GET", path: "/mock", header: token, wantStatus: 403},
		{name: "definition body, token and key", method: "GET", path: "/mock", header: both, wantStatus: 200},
		{name: "definition body NONE, key", method: "GET", path: "/body-open", header: key, wantStatus: 200},
		{name: "definition body NONE, nothing", method: "GET", path: "/body-open", wantStatus: 403},
		{name: "OverrideApiAuth: open", method: "GET", path: "/fn", wantStatus: 200, wantBody: "Hello"},
		{name: "an event adds no method", method: "GET", path: "/elsewhere", header: both, wantStatus: 403, wantBody: "Missing Authentication Token"},
	})

	// Without OverrideApiAuth, SAM would ignore the event's Auth: the
	// method would stay protected on AWS though the template says NONE.
	ignored := strings.Replace(bodyTemplate, ", OverrideApiAuth: true", "", 1)
	var got []string
	for _, p := range sam.Check([]byte(ignored), nil) {
		got = append(got, p.String())
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "/Resources/Fn/Properties/Events/Listed/Properties/Auth: SAM ignores an event's Auth") {
		t.Errorf("problems %q", got)
	}
	// OverrideApiAuth alone overrides nothing: SAM refuses it.
	alone := strings.Replace(bodyTemplate, "Authorizer: NONE, ApiKeyRequired: false, OverrideApiAuth: true", "OverrideApiAuth: true", 1)
	if ps := sam.Check([]byte(alone), nil); len(ps) != 1 || ps[0].Pointer != "/Resources/Fn/Properties/Events/Listed/Properties/Auth/OverrideApiAuth" {
		t.Errorf("problems %v", ps)
	}
}

// TestCORSPreflightOpen: with AddDefaultAuthorizerToCorsPreflight false,
// SAM leaves the preflights open; AllowMethods, MaxAge and
// AllowCredentials are sent as written.
func TestCORSPreflightOpen(t *testing.T) {
	tmpl := strings.NewReplacer(
		`Cors: "'*'"`, "Cors:\n        AllowOrigin: \"'https://app.example'\"\n        AllowMethods: \"'GET,POST'\"\n        MaxAge: \"'600'\"\n        AllowCredentials: true",
		"ApiKeyRequired: true\n", "AddDefaultAuthorizerToCorsPreflight: false\n",
		"        AddApiKeyRequiredToCorsPreflight: false\n", "",
	).Replace(eventsTemplate)
	gw, err := sam.New([]byte(tmpl), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"Fn": hello, "AuthFn": tokenAuthorizer}}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{
		{name: "preflight", method: "OPTIONS", path: "/fn", wantStatus: 200, wantHeader: map[string]string{
			"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Methods": "GET,POST",
			"Access-Control-Max-Age": "600", "Access-Control-Allow-Credentials": "true"}},
		{name: "the method still needs its token", method: "GET", path: "/fn", wantStatus: 401},
	})
}

// TestAuthorizerScopes: a Cognito authorizer's AuthorizationScopes are
// required on the methods it protects by default, and an event's own
// scopes replace them (they were dropped).
func TestAuthorizerScopes(t *testing.T) {
	tmpl := `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: Pool
        Authorizers:
          Pool:
            UserPoolArn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool
            AuthorizationScopes: [pets/read]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Read:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /pets, Method: get}
        Write:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /pets, Method: post, Auth: {Authorizer: Pool, AuthorizationScopes: [pets/write]}}
`
	gw, err := sam.New([]byte(tmpl), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"Fn": hello}}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	want := map[string]string{"GET /pets": "pets/read", "POST /pets": "pets/write"}
	for _, r := range gw.Definition().Routes {
		if got := strings.Join(r.Method.AuthorizationScopes, " "); r.Method.Authorizer != "Pool" || got != want[r.Pattern] {
			t.Errorf("%s: authorizer %q, scopes %q; want Pool, %q", r.Pattern, r.Method.Authorizer, got, want[r.Pattern])
		}
	}
}

// TestIAMEvent: an event's AWS_IAM and an IAM DefaultAuthorizer are the
// AWS_IAM authorization SAM writes as a security requirement.
func TestIAMEvent(t *testing.T) {
	tmpl := `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: AWS_IAM
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        A:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /a, Method: get}
        B:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /b, Method: get, Auth: {Authorizer: NONE}}
`
	gw, err := sam.New([]byte(tmpl), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"Fn": hello},
		Credentials: iam.NewStatic()}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	got := map[string]string{}
	for _, r := range gw.Definition().Routes {
		got[r.Pattern] = r.Method.Authorizer
	}
	if got["GET /a"] != "AWS_IAM" || got["GET /b"] != "" {
		t.Errorf("authorizers %v", got)
	}
	serve(t, gw, []call{{name: "unsigned", method: "GET", path: "/a", wantStatus: 403, wantBody: "Missing Authentication Token"}})
}

// TestDefinitionUri: SAM adds nothing to a DefinitionUri's file (events
// make no routes there) and refuses Auth, Cors, Models and
// GatewayResponses beside it.
func TestDefinitionUri(t *testing.T) {
	tmpl := []byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      DefinitionUri: ./api.yaml
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Listed:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /ping, Method: get}
        NotInTheFile:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /secret, Method: get}
`)
	files := fstest.MapFS{"api.yaml": {Data: []byte(`
swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /ping:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Fn/invocations
`)}}
	gw, err := sam.New(tmpl, sam.Bindings{Files: files, Bindings: openapi.Bindings{Functions: map[string]any{"Fn": hello}}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{
		{name: "the file's route", method: "GET", path: "/ping", wantStatus: 200},
		{name: "no route of the event", method: "GET", path: "/secret", wantStatus: 403, wantBody: "Missing Authentication Token"},
	})

	withAuth := []byte(strings.Replace(string(tmpl), "DefinitionUri: ./api.yaml", "DefinitionUri: ./api.yaml\n      Cors: \"'*'\"\n      Auth:\n        ApiKeyRequired: true", 1))
	var got []string
	for _, p := range sam.Check(withAuth, files) {
		got = append(got, p.Pointer)
	}
	if strings.Join(got, " ") != "/Resources/Api/Properties/Auth /Resources/Api/Properties/Cors" {
		t.Errorf("problems at %v", got)
	}
}

// TestHTTPAPIDefaultOnBody: an HTTP API's DefaultAuthorizer reaches the
// DefinitionBody's methods too.
func TestHTTPAPIDefaultOnBody(t *testing.T) {
	tmpl := `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Req
        Authorizers:
          Req:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {Headers: [Authorization]}
            AuthorizerPayloadFormatVersion: 2.0
            EnableSimpleResponses: true
      DefinitionBody:
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          /body:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: "2.0"
                uri: !GetAtt Fn.Arn
  Fn:
    Type: AWS::Serverless::Function
  AuthFn:
    Type: AWS::Serverless::Function
`
	auth := func(_ context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: req.Headers["authorization"] == "secret"}, nil
	}
	fn := func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "body"}, nil
	}
	gw, err := sam.New([]byte(tmpl), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"Fn": fn, "AuthFn": auth}}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{
		{name: "no identity", method: "GET", path: "/body", wantStatus: 401},
		{name: "authorized", method: "GET", path: "/body", header: map[string]string{"Authorization": "secret"}, wantStatus: 200},
	})
}

// TestResourcePolicyStatements: Auth.ResourcePolicy's CustomStatements
// are the API's resource policy; the other forms of ResourcePolicy (IP
// ranges, accounts, VPCs as lists) are problems, never dropped.
func TestResourcePolicyStatements(t *testing.T) {
	tmpl := `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        ResourcePolicy:
          CustomStatements:
            - {Effect: Allow, Principal: '*', Action: execute-api:Invoke, Resource: execute-api:/*}
            - Effect: Deny
              Principal: '*'
              Action: execute-api:Invoke
              Resource: execute-api:/*
              Condition: {IpAddress: {aws:SourceIp: 192.0.2.0/24}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /, Method: get}
`
	gw, err := sam.New([]byte(tmpl), sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"Fn": hello}}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{{name: "denied", method: "GET", path: "/", wantStatus: 403, wantBody: "is not authorized"}})

	ranges := strings.Replace(tmpl, "CustomStatements:", "IpRangeBlacklist: [192.0.2.0/24]\n          CustomStatements:", 1)
	ps := sam.Check([]byte(ranges), nil)
	if len(ps) != 1 || ps[0].Pointer != "/Resources/Api/Properties/Auth/ResourcePolicy/IpRangeBlacklist" {
		t.Errorf("problems %v", ps)
	}
}
