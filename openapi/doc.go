// Package openapi loads the API definition a team deploys to Amazon API
// Gateway — an OpenAPI 3.0 or Swagger 2.0 document, JSON or YAML, with API
// Gateway's x-amazon-apigateway-* extensions, as API Gateway imports and
// exports it — into the options of package gateway, and exports a gateway
// as such a document. Documents are parsed by github.com/getkin/kin-openapi.
//
//	api, err := openapi.Load(doc, openapi.Bindings{
//		Functions: map[string]any{"GetPet": getPet}, // arn:...:function:GetPet → a Go Lambda handler
//		Hosts:     map[string]string{"https://petstore.example.com": testServer.URL},
//	})
//	if err != nil { ... } // every construct not honoured, each at its JSON pointer
//	gw, err := gateway.New(append(api.Options(), gateway.WithStage(stage.Stage{Name: "prod"}))...)
//
// A document can only name some things; Bindings say what they are: a
// Lambda function (by the name in its ARN, with an alias or version, or
// through ${stageVariables.x}) is a Go function in-process or a function
// behind Lambda's Invoke API (package lambdainvoke); an HTTP integration's
// host is another base URL or an in-process handler; a JWT issuer's keys,
// AWS_IAM callers' credentials and AWS service credentials are given.
//
// # What is honoured
//
//   - the AWS variables API Gateway resolves on import: ${AWS::Region}
//     (Bindings.Region, else us-east-1), ${AWS::AccountId} (123456789012),
//     ${AWS::Partition} (aws);
//   - paths and operations as routes (a path with a trailing slash is the
//     resource without it), x-amazon-apigateway-any-method as ANY,
//     {proxy+}; path, query string and header parameters (required ones
//     validated), request bodies' schemas as models (components.schemas or
//     definitions, self-contained with the schemas they reference);
//   - x-amazon-apigateway-integration: type aws_proxy (Lambda proxy,
//     payloadFormatVersion 1.0 or 2.0), aws (Lambda custom integration, or
//     an AWS service integration through package awsintegration), http_proxy,
//     http, mock; uri, httpMethod, requestParameters, requestTemplates (VTL),
//     passthroughBehavior, timeoutInMillis, cacheKeyParameters,
//     contentHandling, connectionType VPC_LINK with connectionId (the links
//     are gateway.WithVPCLink's), responses (selection patterns, statusCode,
//     responseParameters, responseTemplates, contentHandling); an HTTP API's
//     requestParameters and responseParameters as its parameter mapping, and
//     references to components.x-amazon-apigateway-integrations;
//   - security: x-amazon-apigateway-authorizer of type token, request
//     (payload 1.0, or 2.0 with enableSimpleResponses), cognito_user_pools
//     (one user pool) and jwt, with identitySource,
//     identityValidationExpression, authorizerResultTtlInSeconds and scopes;
//     x-amazon-apigateway-authtype awsSigv4 and x-amazon-apigateway-auth
//     AWS_IAM (package authorizer/iam); the x-api-key API key (api_key) and
//     x-amazon-apigateway-api-key-source; an operation's security
//     requirement objects all apply, as API Gateway applies SAM's
//     [{"MyAuthorizer": []}, {"api_key": []}], and SAM's markers NONE and
//     api_key_false add nothing;
//   - x-amazon-apigateway-request-validators and -request-validator,
//     x-amazon-apigateway-gateway-responses, -binary-media-types, -policy
//     (the resource policy) and, for HTTP APIs, -cors; an HTTP API (detected,
//     or Options.Kind) is served as one (gateway.WithHTTPAPI), $default route
//     included.
//
// # Documented no-ops
//
// What cannot matter to an API served in-process is accepted and ignored:
// info, servers, host, basePath and schemes (AWS ignores the base path on
// import by default), tags, descriptions, examples, response schemas and
// callbacks (documentation); x-amazon-apigateway-endpoint-configuration,
// -minimum-compression-size (responses are never compressed),
// -documentation, -importexport-version, -disable-execute-api-endpoint,
// -tag-value, -security-policy and -endpoint-access-mode (TLS); an integration's credentials (the role API Gateway assumes:
// AWS service integrations assume it only with AWSBindings.AssumeRoles),
// cacheNamespace, tlsConfig (the gateway's transport decides); an
// authorizer's authorizerCredentials; the responses and passthrough
// behaviour of proxy integrations (AWS ignores them too); request schemas of
// HTTP APIs (AWS's import ignores them). Extensions that are not API
// Gateway's (x-anything-else) are not looked at.
//
// Everything else written as an x-amazon-apigateway-* extension or
// property is a Problem: an unknown extension or property, an authorizer of
// several user pools, an authorizer named AWS_IAM (the name of IAM
// authorization here), x-amazon-apigateway-auth beside an authorizer's
// security requirement, two authorizers on one method, several security
// requirements on an HTTP API's method, a payload 2.0 authorizer answering with a policy,
// several security requirements on one method, an HTTP integration whose
// httpMethod differs from the method's (apigw sends the client's), an HTTP
// integration's path parameter filled from anything but a path parameter,
// parameter mappings on a REST proxy integration, HTTP APIs' integration
// subtypes.
//
// So is what API Gateway would silently ignore where its author meant
// protection: a field OpenAPI does not define on the document, its
// components, a path item, an operation or a security scheme (a misspelt
// or capitalised security, security written on a path item, a method in
// capitals), and a REST API's operation without security of its own in a
// document with root-level security — API Gateway does not apply the
// root's ("Amazon API Gateway important notes for REST APIs"), so AWS
// would serve the method open. (An HTTP API's operations inherit the
// root's security.)
//
// # Export
//
// Export writes a gateway's definition as an OpenAPI 3.0 document with the
// extensions above (valid by kin-openapi's validator) and returns the
// Bindings that load it back into a definition answering as the original:
// Go handlers are written as http_proxy integrations of a backend host, Go
// Lambda functions under names ExportOptions gives (or made of the route).
// CEL templates have no AWS form: they are written under x-apigw-cel, an
// extension API Gateway ignores (an import into AWS passes those bodies
// through untransformed), as are a REST API's CORS policy (x-apigw-cors) and
// a method's cache settings (x-apigw-cache); Load reads them back.
//
// # Differences from AWS
//
//   - A REST API's JWT authorizers can only be Cognito user pools, as in
//     AWS; apigw does no OpenID discovery: a non-Cognito issuer's keys are
//     given by Bindings.JWT.
//   - Integration responses are tried in the order of their selection
//     patterns, sorted, default last (a document's object has no order).
//   - A method response status an integration response uses but the
//     operation does not declare is declared for it, as API Gateway's import
//     does with its own samples.
package openapi
