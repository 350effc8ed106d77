// Package validator is API Gateway's request validation: a method's required
// path, query-string and header parameters, and its body checked against a
// model, a JSON Schema (draft 4 as AWS's models are, later drafts when the
// schema's $schema names one), compiled once.
//
// A refused request gets AWS's 400 — "Missing required request parameters:
// [a, b]" or "Invalid request body" — through [apigw.WriteError], with the
// detailed reason in $context.error.validationErrorString. Malformed JSON is
// a 400, never a 500. The body is read and parsed once per request, the
// parse shared with the mapping templates and [apigw.Context.JSON].
//
// A model is compiled at build time to check a body on its parse, without
// decoding it and with numbers compared exactly from their text; what the
// compiled form does not check ($dynamicRef, unevaluated keywords, loops
// of references that do not read into the value), santhosh-tekuri/jsonschema
// checks, and it is the reference: a test runs both on random schemas and
// bodies, and jsonschema writes the validationErrorString of every refused
// body. A number jsonschema cannot read (an exponent beyond ±10⁶) under
// minimum, maximum or multipleOf, on which it would panic, is refused with
// "[number out of range]".
//
// It works inside package gateway (a Method's RequestParameters,
// RequestModels and RequestValidator) or alone:
//
//	v, err := validator.New(validator.Config{Parameters: map[string]bool{"method.request.querystring.q": true}})
//	http.Handle("/search", v.Handler(search))
package validator
