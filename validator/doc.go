// Package validator is API Gateway's request validation: a method's required
// path, query-string and header parameters, and its body checked against a
// model, a JSON Schema (draft 4 as AWS's models are, later drafts when the
// schema's $schema names one), compiled once.
//
// A refused request gets AWS's 400 — "Missing required request parameters:
// [a, b]" or "Invalid request body" — through [apigw.WriteError], with the
// detailed reason in $context.error.validationErrorString. Malformed JSON is
// a 400, never a 500. The body is read and parsed once per request and
// shared with the other phases ([apigw.Context.JSON]).
//
// It works inside package gateway (a Method's RequestParameters,
// RequestModels and RequestValidator) or alone:
//
//	v, err := validator.New(validator.Config{Parameters: map[string]bool{"method.request.querystring.q": true}})
//	http.Handle("/search", v.Handler(search))
package validator
