// Package apigw holds what every phase of the apigw request pipeline shares:
// the Go form of Amazon API Gateway's $context variables ([Context]), the
// refusals a phase can answer with ([Error] and its [ResponseType]), and the
// one renderer that turns a refusal into the response a client sees
// ([WriteError]), customised by the API's [GatewayResponses] or AWS's default
// {"message": "..."} body with its x-amzn-ErrorType header.
//
// The pipeline itself is assembled by package gateway; each phase (cors,
// authorizer, usageplan, validator, cache, mapping) also works alone as
// net/http middleware, reading and filling the same [Context].
//
// A [Context] is created once per request by the gateway (or by
// [EnsureContext] for a phase used alone) and is then filled in by the phases
// in order. Phases run one after another on the request's goroutine, so the
// Context needs no lock; a handler that hands it to another goroutine must
// stop using it when the request ends.
package apigw
