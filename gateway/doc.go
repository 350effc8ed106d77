// Package gateway is the REST API of Amazon API Gateway, in-process: a
// builder for resources and methods ([Route], [Method]), their integrations
// (an in-process [Handler], an [HTTP] endpoint, a Lambda-style Go function
// with [Lambda] or [LambdaV2], a [Mock]), and the compiled deployment that
// serves them through API Gateway's request pipeline.
//
//	gw, err := gateway.New(
//		gateway.WithStage(stage.Stage{Name: "prod"}),
//		gateway.Route("GET /artists/{id}", gateway.Method{Integration: gateway.Handler(backend)}),
//	)
//	if err != nil { ... } // every mistake in the definition, each named
//	http.ListenAndServe(addr, gw)
//
// [New] checks the whole definition once and reports every mistake in one
// error; nothing is compiled per request. A [*Gateway] is an http.Handler;
// [Gateway.Deploy] swaps in a new definition atomically, so a redeploy under
// load drops no request.
//
// One request crosses these phases in order, each one built once per route
// when the gateway is built:
//
//  1. entry: request id, canonical path, stage and canary draw, the
//     [apigw.Context];
//  2. route: 403 Missing Authentication Token when nothing matches;
//  3. CORS (package cors): a preflight is answered here;
//  4. payload limit: 413 over 10 MB;
//  5. authorizer (package authorizer): 401, 403, 500;
//  6. API key, throttling and quota (package usageplan): 403, 429;
//  7. request validation (package validator): 400;
//  8. cache (package cache): a hit answers here;
//  9. request mapping (package mapping), for a non-proxy method;
//  10. integration, under its timeout (504);
//  11. response mapping (package mapping), for a non-proxy method;
//  12. access log, and the observer's metrics and traces ([WithObserver]).
//
// Every refusal is rendered by [apigw.WriteError], so the API's customised
// gateway responses apply.
//
// Each request has an [apigw.Context] of its own, never reused: a handler
// that keeps its context past the request keeps reading that request's
// Context. The request's context gets the method's integration timeout as
// its deadline when the integration starts, and ends when the client
// leaves or the request ends.
//
// The gateway serves, judges and logs one spelling of each path, its
// canonical form, so that a policy, a cache key, a throttle and the backend
// see the same resource: empty segments dropped (/pets//1/ is /pets/1, as
// AWS routes a trailing slash to the resource without it), needless
// %-escapes decoded (%73 is s), "." and ".." segments resolved, and a
// standard method in lower case upper-cased. A path with an escaped slash
// (%2F) or NUL gets 403 Missing Authentication Token: a slash inside a
// segment would name a resource that a method ARN cannot tell from the path
// with a real slash. Backends see the canonical path; paths stay
// case-sensitive, as AWS's are.
//
// A method other than the seven that ANY stands for (DELETE, GET, HEAD,
// OPTIONS, PATCH, POST, PUT) is served by no route: 403 Missing
// Authentication Token (an HTTP API's 404 Not Found), before any policy.
//
// In a REST API the path alone chooses the resource, the most specific one
// that matches (a literal segment before a {param}, a {param} before a
// {proxy+}), and the method is looked up on that resource only: a method
// it lacks gets 403 Missing Authentication Token, as on AWS, even when a
// less specific resource such as /{proxy+} has the method, so a public
// catch-all never serves what a guarded resource leaves undefined. An
// HTTP API's routes are a method and a path together: the most specific
// route with the request's method serves it, else $default.
//
// Differences from AWS: an in-process handler cannot be pre-empted, so at
// the integration timeout the gateway answers 504 and cancels the handler's
// context, but the handler's goroutine runs until it returns.
package gateway
