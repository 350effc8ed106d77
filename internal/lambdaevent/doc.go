// Package lambdaevent holds what every Lambda-style piece of apigw shares:
// invoking a Go function of any signature lambda.Start accepts with a JSON
// payload ([NewInvoker]), and the parts of API Gateway's events that are
// built the same way for integrations and authorizers: headers, query
// strings and cookies in payload format 1.0 and 2.0, and the 2.0 request
// context.
package lambdaevent
