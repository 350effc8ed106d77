// Package lambdainvoke calls Lambda functions through Lambda's Invoke API,
// for API definitions whose functions are not Go functions in the same
// process: functions in any language, run by AWS Lambda itself, by the
// Lambda Runtime Interface Emulator, by `sam local start-lambda` or by
// LocalStack. A Function is what package gateway's Lambda integrations and
// package openapi's Bindings accept: an Invoke(ctx, payload) method.
//
//	client, err := lambdainvoke.New(lambdainvoke.Config{Endpoint: "http://127.0.0.1:3001"}) // sam local start-lambda
//	...
//	gateway.Route("GET /hello", gateway.Method{Integration: gateway.Lambda(client.Function("HelloWorldFunction", ""))})
//
// Requests are made with aws-sdk-go-v2's Lambda client: signed with
// Signature Version 4 (local emulators accept any credentials), invoked
// synchronously (RequestResponse), never retried (an invocation is not
// idempotent). A function error (X-Amz-Function-Error) is returned as a
// *FunctionError whose message is the function's errorMessage, as API
// Gateway sees it: a Lambda authorizer's "Unauthorized" is a 401, a custom
// integration's selection patterns match it.
package lambdainvoke
