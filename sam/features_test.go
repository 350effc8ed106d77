package sam_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
	"github.com/aws/aws-lambda-go/events"
)

func TestFeatures(t *testing.T) {
	var calls atomic.Int32
	pets := func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		calls.Add(1)
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: req.HTTPMethod + " " + req.Resource + " " + req.PathParameters["id"]}, nil
	}
	live := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "the live alias"}, nil
	}
	admin := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "admin"}, nil
	}
	fns := map[string]any{"PetsFunction": pets, "PetsFunction:live": live, "AdminFunction": admin}
	tmpl := readTemplate(t, "features.yaml")

	api, err := sam.Load(tmpl, sam.Bindings{Bindings: openapi.Bindings{Functions: fns}})
	if err != nil {
		t.Fatal(err)
	}
	if api.Stage.Name != "dev" || api.Stage.Variables["greeting"] != "hi" || api.Stage.Variables["alias"] != "live" {
		t.Errorf("stage %+v", api.Stage)
	}
	if s := api.Stage.Settings; s.ThrottlingRateLimit != 100 || s.ThrottlingBurstLimit != 50 {
		t.Errorf("stage settings %+v", s)
	}
	if ms := api.Stage.MethodSettings["/pets/{id}/GET"]; ms.CachingEnabled == nil || !*ms.CachingEnabled || ms.CacheTTL.Seconds() != 60 {
		t.Errorf("method settings %+v", api.Stage.MethodSettings)
	}
	if api.Cache == nil || api.UsagePlans == nil {
		t.Fatalf("cache %v, usage plans %v", api.Cache, api.UsagePlans)
	}
	if plan, ok := api.UsagePlans.Plan("PetsApiUsagePlan"); !ok || plan.Quota == nil || plan.Quota.Limit != 3 {
		t.Errorf("plan %+v", plan)
	}
	gw, err := newGateway(api)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	key := map[string]string{"x-api-key": "features-key-0000000001", "Content-Type": "application/json"}
	serve(t, gw, []call{
		{name: "mock with Globals' variable", method: "GET", path: "/health", wantStatus: 200, wantBody: `{"greeting": "hi", "env": "dev"}`},
		{name: "the alias a stage variable names", method: "GET", path: "/fn", wantStatus: 200, wantBody: "the live alias"},
		{name: "an event", method: "GET", path: "/pets/7", wantStatus: 200, wantBody: "GET /pets/{id} 7"},
		{name: "cached", method: "GET", path: "/pets/7", wantStatus: 200, wantBody: "GET /pets/{id} 7"},
		{name: "another id, another entry", method: "GET", path: "/pets/8", wantStatus: 200, wantBody: "8"},
		{name: "no key", method: "POST", path: "/pets", wantStatus: 403},
		{name: "key, no name", method: "POST", path: "/pets", header: key, wantStatus: 400, wantBody: "Invalid request body"},
		{name: "the condition made no admin", method: "GET", path: "/admin", wantStatus: 403, wantBody: "Missing Authentication Token"},
	})
	if n := calls.Load(); n != 2 {
		t.Errorf("the function was called %d times, want 2 (GET /pets/7 cached)", n)
	}

	// The quota: 3 a day, one spent above.
	for i, want := range []int{200, 200, 429} {
		r := httptest.NewRequest("POST", "/pets", strings.NewReader(`{"name": "Rex"}`))
		r.Header.Set("x-api-key", "features-key-0000000001")
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("POST %d: %d, want %d: %s", i, w.Code, want, w.Body)
		}
	}

	// Env=prod: the stage is prod and the admin function exists.
	prod, err := sam.New(tmpl, sam.Bindings{Bindings: openapi.Bindings{Functions: fns}, Parameters: map[string]string{"Env": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	serve(t, prod, []call{{name: "admin in prod", method: "GET", path: "/admin", wantStatus: 200, wantBody: "admin"}})
}

func TestDefinitionURI(t *testing.T) {
	tmpl := []byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      DefinitionUri: ./api.yaml
`)
	files := fstest.MapFS{"api.yaml": {Data: []byte(`
openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /ping:
    get:
      responses:
        200: {description: ok}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: 200
            responseTemplates: {application/json: '{"pong": true}'}
  /bad:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: arn:aws:apigateway:us-east-1:s3:path/bucket/key
`)}}
	ps := sam.Check(tmpl, files)
	if len(ps) != 1 || ps[0].Pointer != "api.yaml#/paths/~1bad/get/x-amazon-apigateway-integration/uri" {
		t.Fatalf("problems %v", ps)
	}
	files["api.yaml"] = &fstest.MapFile{Data: []byte(strings.Split(string(files["api.yaml"].Data), "  /bad:")[0])}
	gw, err := sam.New(tmpl, sam.Bindings{Files: files})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{{name: "ping", method: "GET", path: "/ping", wantStatus: 200, wantBody: `{"pong": true}`}})
}

// TestProblems lists what apigw reports in a template it cannot serve as
// written, each at its pointer.
func TestProblems(t *testing.T) {
	tmpl := []byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Domain:
        DomainName: api.example.com
      Frobnicate: true
      CanarySetting:
        DeploymentId: abc
      Auth:
        Authorizers:
          Mine:
            FunctionArn: !ImportValue shared-authorizer
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /x
            Method: get
            Auth:
              Authorizer: Missing
        Queue:
          Type: SQS
          Properties:
            Queue: arn:aws:sqs:us-east-1:123456789012:q
  Legacy:
    Type: AWS::ApiGateway::RestApi
    Properties: {}
  ExtraResponse:
    Type: AWS::ApiGateway::GatewayResponse
    Properties: {RestApiId: !Ref Api, ResponseType: DEFAULT_4XX}
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties: {DomainName: api.example.com}
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Events:
        Start:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /start, Method: post}
`)
	var got []string
	for _, p := range sam.Check(tmpl, nil) {
		got = append(got, p.String())
	}
	want := []string{
		"/Resources/Api/Properties/Auth/Authorizers/Mine/FunctionArn/Fn::ImportValue: Fn::ImportValue cannot be evaluated outside CloudFormation",
		"/Resources/Api/Properties/CanarySetting/DeploymentId: a canary of another deployment: a template makes one deployment (use Gateway.CreateDeployment and SetCanary)",
		"/Resources/Api/Properties/Frobnicate: apigw does not honour this property of AWS::Serverless::Api",
		"/Resources/ExtraResponse/Type: AWS::ApiGateway::GatewayResponse: apigw serves the APIs of SAM resources (AWS::Serverless::Api, AWS::Serverless::HttpApi) and function events, and applies no CloudFormation resource to them",
		"/Resources/Flow/Properties/Events/Start: a state machine's Api event (a Step Functions integration) is not supported",
		"/Resources/Fn/Properties/Events/Get/Properties/Auth/Authorizer: no authorizer \"Missing\" in the API's Auth.Authorizers",
		"/Resources/Legacy/Type: AWS::ApiGateway::RestApi: apigw serves the APIs of SAM resources (AWS::Serverless::Api, AWS::Serverless::HttpApi) and function events, and applies no CloudFormation resource to them",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestHTTPAPIDefault loads an implicit HTTP API: an HttpApi event without
// Path or Method is the $default route, served on the $default stage at
// the root, with CorsConfiguration.
func TestHTTPAPIDefault(t *testing.T) {
	tmpl := []byte(`
Transform: AWS::Serverless-2016-10-31
Globals:
  HttpApi:
    CorsConfiguration:
      AllowOrigins: [https://app.example]
      AllowMethods: [GET]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        All:
          Type: HttpApi
        Get:
          Type: HttpApi
          Properties:
            Path: /things/{id}
            Method: get
`)
	fn := func(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: ev.RouteKey + " " + ev.PathParameters["id"]}, nil
	}
	api, err := sam.Load(tmpl, sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"Fn": fn}}})
	if err != nil {
		t.Fatal(err)
	}
	if api.Name != "ServerlessHttpApi" || api.Stage.Name != "$default" {
		t.Errorf("%s, stage %q", api.Name, api.Stage.Name)
	}
	gw, err := newGateway(api)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	serve(t, gw, []call{
		{name: "route", method: "GET", path: "/things/9", wantStatus: 200, wantBody: "GET /things/{id} 9"},
		{name: "$default", method: "POST", path: "/else", wantStatus: 200, wantBody: "$default"},
		{name: "CORS", method: "GET", path: "/things/1", header: map[string]string{"Origin": "https://app.example"}, wantStatus: 200,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "https://app.example"}},
	})
}

// TestAccessLogAndMetrics: a stage's access log format (the CLF example of
// AWS's access logging guide) and detailed metrics reach the stage; a
// format AWS would refuse is a problem at its pointer.
func TestAccessLogAndMetrics(t *testing.T) {
	const clf = `$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId`
	tmpl := []byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      AccessLogSetting:
        DestinationArn: arn:aws:logs:us-east-1:123456789012:log-group:api
        Format: '` + clf + `'
      MethodSettings:
        - ResourcePath: /*
          HttpMethod: '*'
          MetricsEnabled: true
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      AccessLogSettings:
        DestinationArn: arn:aws:logs:us-east-1:123456789012:log-group:http
        Format: '$context.status'
      DefaultRouteSettings:
        DetailedMetricsEnabled: true
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /x, Method: get}}
        Http: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /y, Method: get}}
`)
	var got []string
	for _, p := range sam.Check(tmpl, nil) {
		got = append(got, p.String())
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "/Resources/Http/Properties/AccessLogSettings/Format: ") || !strings.Contains(got[0], "requestId") {
		t.Errorf("problems: %q, want one: the HTTP API's format has no request id", got)
	}
	tmpl = []byte(strings.Replace(string(tmpl), "Format: '$context.status'", "Format: '$context.requestId $context.status'", 1))
	for _, name := range []string{"Api", "Http"} {
		api, err := sam.Load(tmpl, sam.Bindings{API: name, Bindings: openapi.Bindings{Functions: map[string]any{"Fn": func() error { return nil }}}})
		if err != nil {
			t.Fatal(err)
		}
		on := api.Stage.Settings.MetricsEnabled
		switch {
		case name == "Api" && (api.Stage.AccessLogFormat != clf || on == nil || !*on):
			t.Errorf("REST API stage %+v", api.Stage)
		case name == "Http" && (api.Stage.AccessLogFormat != "$context.requestId $context.status" || on == nil || !*on):
			t.Errorf("HTTP API stage %+v", api.Stage)
		}
	}
}
