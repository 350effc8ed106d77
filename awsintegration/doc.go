// Package awsintegration implements API Gateway's AWS service integrations
// (integration type AWS): a method that calls an AWS service API, such as
// SQS SendMessage, DynamoDB PutItem, S3 GetObject or Step Functions
// StartExecution, signed with Signature Version 4 by the gateway's own
// credentials.
//
// An [Integration] is an http.Handler: package gateway runs it as it runs
// any in-process backend, and the method's mapping templates build the
// service request and map its answer, as in AWS:
//
//	sqs, err := awsintegration.New(awsintegration.Config{
//		URI: "arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders",
//	})
//	...
//	gateway.Route("POST /orders", gateway.Method{
//		Integration: gateway.Handler(sqs),
//		Request: mapping.RequestConfig{
//			Parameters: map[string]string{"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
//			Templates: map[string]*mapping.Template{"application/json": mapping.MustCompileText(
//				`Action=SendMessage&MessageBody={{ util.urlEncode(input.body) }}`)},
//		},
//		Response: mapping.Expr(`{"id": util.parseXml(input.body).SendMessageResponse.SendMessageResult.MessageId}`),
//	})
//
// The URI says what is called, in AWS's two styles. Action style
// (arn:aws:apigateway:REGION:SERVICE:action/ACTION) calls an action the way
// the service's protocol wants it: for the JSON protocols (DynamoDB,
// Kinesis, Firehose, Step Functions, EventBridge, CloudWatch Logs, SSM,
// Secrets Manager) a POST to / with X-Amz-Target and the
// application/x-amz-json-1.x Content-Type the service expects, the mapped
// body being the action's JSON input; for the query protocol (SQS, SNS, STS
// and any service not listed) Action and Version in the query string beside
// the mapped query parameters. Path style
// (arn:aws:apigateway:REGION:SERVICE:path/PATH, with {param} and
// ${stageVariables.name} holes; REGION:BUCKET.s3:path/KEY puts a
// subdomain before the host) sends the integration request to that path
// with Config.HTTPMethod, as S3's REST API wants it.
//
// The request sent carries the integration request's body, query string and
// headers: only the mapped ones, as in AWS, which has no proxy mode for
// service integrations. Package gateway gives a method without a request
// mapping the empty one ([Integration.AWSServiceIntegration]), so that a
// client's query (?acl, ?tagging) or x-amz-* header (X-Amz-Copy-Source)
// never turns the action into another; used as a bare http.Handler it
// forwards all but the client's credentials and hop-by-hop headers. A path
// parameter whose value has a "." or ".." segment is refused (400). It is
// signed by aws-sdk-go-v2's signer (aws/signer/v4) with credentials from
// Config.Credentials or the SDK's default chain, optionally through an
// assumed role (Config.RoleARN). S3 requests carry X-Amz-Content-Sha256 and
// are signed with the path escaped once, as S3 wants. The service's status,
// headers and body are the integration's answer, which the method's
// integration responses select by status and map.
//
// Config.Endpoint sends the requests elsewhere than AWS: LocalStack, MinIO,
// or any S3- or SQS-compatible server. aws-sdk-go-v2 is linked only by
// programs that import this package, not by package gateway.
//
// How it differs from AWS: the service's protocol is known for the
// services listed above only (another service's actions use the query
// protocol); the integration's own region is the URI's, fixed at build
// time.
package awsintegration
