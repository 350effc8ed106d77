// Package sam loads the APIs of an AWS SAM template — AWS::Serverless::Api,
// AWS::Serverless::HttpApi and the Api and HttpApi events of
// AWS::Serverless::Function, implicit APIs included — into the options of
// package gateway, with the template's functions bound by logical id.
//
//	api, err := sam.Load(template, sam.Bindings{Bindings: openapi.Bindings{
//		Functions: map[string]any{"HelloWorldFunction": hello}, // an AWS Lambda handler, unchanged
//	}})
//	if err != nil { ... } // every construct not honoured, each at its JSON pointer into the template
//	gw, err := gateway.New(api.Options()...)
//
// The template is parsed by github.com/awslabs/goformation (YAML or JSON,
// CloudFormation's short-form functions), with !Condition and mapping keys
// that are not strings (responses: 200:) fixed first. Its intrinsic
// functions are evaluated as a deployment would: Ref (parameters from
// Bindings.Parameters or their defaults, pseudo parameters, resources),
// Fn::Sub with pseudo parameters and ${Resource.Attribute}, Fn::GetAtt,
// Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::FindInMap, Fn::Base64,
// Fn::GetAZs and the condition functions; a resource whose Condition is
// false does not exist. A resource is named by its logical id: a function's
// ARN is arn:aws:lambda:REGION:ACCOUNT:function:LogicalId (whatever its
// FunctionName), a Cognito user pool's id is REGION_LogicalId, an API's
// id its logical id. Fn::ImportValue, Fn::Transform (AWS::Include), Fn::Cidr
// and SSM parameters cannot be evaluated outside CloudFormation: problems.
//
// Each API becomes an OpenAPI document — its DefinitionBody, the file its
// DefinitionUri names (Bindings.Files), or the one SAM writes for an API
// with neither — to which Cors, Auth, Models, GatewayResponses,
// BinaryMediaTypes and an HTTP API's CorsConfiguration are added as SAM's
// translator adds them. The events add their methods as SAM adds them: to
// the definition SAM writes; to an HTTP API's DefinitionBody, where a
// method the body integrates keeps its integration; to a REST API's
// DefinitionBody only with MergeDefinitions (the event's keys over the
// body's method) — without, an event's Auth applies to the body's method
// only with OverrideApiAuth, and what SAM would ignore of an event is a
// problem. A DefinitionUri's file is deployed as it is: events add nothing
// to it, and Auth, Cors, Models and GatewayResponses beside it are
// problems, as SAM refuses them. Package
// openapi loads it, and its problems are reported at their pointers into
// the template. Beside the definition an API gives:
//
//   - its stage: StageName (Prod for the implicit REST API, $default for an
//     HTTP API), Variables/StageVariables (Globals' merged), MethodSettings
//     (caching and throttling per method, RequireAuthorizationForCacheControl
//     and UnauthorizedCacheControlHeaderStrategy), DefaultRouteSettings and
//     RouteSettings (throttling), CanarySetting (PercentTraffic,
//     StageVariableOverrides, UseStageCache);
//   - its cache: CacheClusterEnabled (Bindings.Cache configures the store);
//   - its Cors (REST): an OPTIONS mock integration on every path without
//     an OPTIONS method, answering 200 with the Access-Control-* headers
//     as header mapping values (quoted, as SAM takes them) — the methods
//     SAM computes for AllowMethods when it is absent; the other methods'
//     answers carry only what their integrations send, as on AWS;
//   - its usage plans: Auth.UsagePlan (PER_API, SHARED) and the template's
//     AWS::ApiGateway::UsagePlan, ApiKey and UsagePlanKey resources that
//     cover its stage; keys whose value AWS would generate are not known:
//     add them to API.UsagePlans;
//   - its Auth: Cognito (UserPoolArn, Identity.Header) and Lambda TOKEN and
//     REQUEST authorizers (Identity's headers, query strings, stage
//     variables, context, ValidationExpression, ReauthorizeEvery), HTTP APIs'
//     JWT and Lambda authorizers (payload 1.0, or 2.0 with simple
//     responses), AuthorizationScopes, AWS_IAM, ResourcePolicy given as
//     CustomStatements; DefaultAuthorizer and ApiKeyRequired on every method
//     of the definition, the DefinitionBody's as the events', the CORS
//     preflights too unless AddDefaultAuthorizerToCorsPreflight or
//     AddApiKeyRequiredToCorsPreflight is false (an HTTP API's default
//     authorizer on each method without security but OPTIONS); an event's
//     Auth (Authorizer, NONE, AuthorizationScopes, ApiKeyRequired)
//     overrides the API's;
//   - an Api event's RequestParameters (Required, Caching as cache key) and
//     RequestModel (Model, Required, ValidateBody, ValidateParameters);
//   - the stage's AccessLogSetting (AccessLogSettings) Format, checked as AWS
//     checks it, and MetricsEnabled (DetailedMetricsEnabled) in method and
//     route settings: what an observer such as package monitor writes and
//     measures (the DestinationArn is CloudWatch's).
//
// Documented no-ops: a function's properties (code, runtime, memory: the
// function is the bound one), events of other types (S3, SQS, Schedule, ...:
// not APIs), an API's Name, Description, Tags, PropagateTags,
// EndpointConfiguration, Domain, TracingEnabled (the tracer provider's
// sampler decides), MinimumCompressionSize, OpenApiVersion, AlwaysDeploy,
// DisableExecuteApiEndpoint, Mode, FailOnWarnings, SecurityPolicy and
// EndpointAccessMode (TLS and who reaches AWS's endpoint), CacheClusterSize
// (the cache's memory is Bindings.Cache's), method settings' execution
// logging and encryption, invoke roles and function permissions. Everything
// else is a problem: an unknown property, a canary of another deployment,
// per-event RouteSettings, AWS::ApiGateway::RestApi and other CloudFormation
// APIs (apigw serves SAM's).
package sam
