// Package mapping implements the integration request and integration
// response of Amazon API Gateway's non-proxy integrations: mapping
// templates, parameter mappings, selection patterns and method responses.
// AWS writes mapping templates in VTL; here they are CEL expressions
// (github.com/google/cel-go), compiled once at build time.
//
// # Templates
//
// [Compile] takes a CEL expression whose value is written out as JSON;
// [CompileText] takes text with {{ expression }} holes, for XML,
// form-encoded or any other text:
//
//	genres := mapping.MustCompile(`{"genre": input.json.genres}`)
//	soap := mapping.MustCompileText(`<m:GetPrice><m:Item>{{ util.escapeXml(input.json.item) }}</m:Item></m:GetPrice>`)
//
// A template sees what a VTL template sees, under CEL names:
//
//	VTL                          CEL
//	$input.body                  input.body                 the raw body, a string
//	$input.path('$.a.b')         input.json.a.b             the body parsed as JSON (dyn)
//	$input.json('$.a')           util.toJson(input.json.a)  serialised JSON
//	$input.params('x')           input.param("x")           path, then query string, then header; "" if none
//	$input.params().path         input.params.path          map(string, string); also .querystring, .header
//	$context.requestId           context.requestId          every $context variable, see apigw.Context.Var
//	$context.identity.sourceIp   context.identity.sourceIp
//	$context.authorizer.claims.x context.authorizer.claims.x
//	$context.authorizer.x        context.authorizer.x       a Lambda authorizer's context, as strings
//	$stageVariables.x            stageVariables.x
//	$util.escapeJavaScript(s)    util.escapeJavaScript(s)   also parseJson, urlEncode, urlDecode, base64Encode, base64Decode
//	                             util.toJson(v)             any value as JSON text
//	                             util.escapeJson(s)         s escaped for the inside of a JSON string
//	                             util.escapeXml(s)          s escaped for XML text and attributes
//	                             util.parseXml(s)           XML as maps and lists, see below
//
// JSON numbers are CEL ints when written as integers (and within 64 bits),
// else doubles; header names in input.params.header are matched
// case-insensitively; a header or query parameter sent twice shows its
// first value. context.status, integrationStatus, requestTimeEpoch,
// responseLength and the latencies are ints and isCanaryRequest a bool;
// the other context variables are strings. The CEL standard library,
// optional values (input.json.?nick.orValue("")), local bindings
// (cel.bind(r, input.json.result, r.a + r.b)) and cel-go's strings and
// math extensions (split, join, replace, lowerAscii, trim, format,
// math.greatest, ...) are available.
//
// util.parseXml(s) gives {rootName: value}, where an element's value is its
// text when it has neither attributes nor child elements, else a map of
// child elements by local name (a list when a name repeats), attributes
// as "@name" and non-blank text as "#text". Namespace prefixes are dropped:
// util.parseXml(input.body).Envelope.Body.GetPriceResponse.Price.
//
// # Differences from VTL
//
// A template is an expression, not a program: there is no #set, and no
// #foreach but map, filter, exists and all. Reading a key that is not there
// (input.json.nick when the body has no "nick") is an evaluation error, as
// in CEL, where VTL prints nothing: test with has(input.json.nick) or use
// input.json.?nick.orValue("").
//
// Maps a template builds are written with their keys in sorted order. An
// object or array of a body taken whole (input.json, input.json.genres) is
// written as it was sent (re-encoded, keys sorted, only when the body holds
// invalid UTF-8).
//
// A template reads its body lazily: it is checked and indexed once, and a
// value is decoded only when the template reads it, so a template that
// picks a few fields out of a large body costs little more than the fields
// it picks. A method request's body is parsed once whatever reads it: the
// request validator, request templates and the Context's JSON share one
// parse.
//
// # Safety
//
// Every evaluation runs under a CEL cost limit ([DefaultCostLimit], or
// [WithCostLimit]): a template that CEL's static cost estimate bounds
// within the limit whatever the request (no comprehension, no string
// function over the body) is checked once at compile time and runs
// untracked; the others run under cel.CostLimit. A comprehension ranges over at
// most [MaxIterations] elements, AWS's #foreach bound; an output, and every
// string replace, join and format build, is at most 10 MB. An evaluation that fails, or
// panics, answers the client 500 {"message": "Internal server error"}
// (API_CONFIGURATION_ERROR) with the reason in the [*apigw.Error]'s Err
// for the access log. A request template reading input.json of a body that
// is not JSON answers 400, as AWS does. Compile errors name the template
// and the line:column of each problem.
//
// # VTL
//
// [CompileVTL] (or [VTL] in a gateway.Method) takes a template in VTL, the
// language of AWS's own mapping templates, so that a template written for
// API Gateway runs unchanged, wherever a CEL template may stand:
//
//	genres := mapping.MustCompileVTL(`#set($inputRoot = $input.path('$'))
//	{"genre": $input.json('$.genres')}`)
//
// It is parsed once, at build time, and evaluated per request over the
// same body and Context as a CEL template. It behaves as API Gateway's
// templates do (Apache Velocity 1.7, see internal/vtl for the language):
//
//   - $input.body is the raw body ({} when it is empty); $input.path(p)
//     reads JSONPath p as objects (written {key=value}), arrays (written as
//     JSON), strings, numbers and booleans; $input.json(p) writes it as
//     compact JSON ("" when p names nothing); $input.params() is the map
//     of path, querystring and header, $input.params(x) the first of them
//     that has x, else "";
//   - $context.* are the variables of apigw.Context.Var as strings,
//     with $context.identity.*, $context.authorizer.* (principalId, claims
//     and a Lambda authorizer's keys) and $context.requestOverride and
//     $context.responseOverride, maps a template may set:
//     requestOverride.header.X, .querystring.X and .path.X replace what the
//     integration request carries (a list sets several values);
//     responseOverride.status and .header.X replace the answer's status and
//     headers, whether the request or the response template set them, and
//     the response template reads what the request template set;
//   - $stageVariables.x, $util.escapeJavaScript, parseJson, urlEncode,
//     urlDecode, base64Encode, base64Decode, and toJson (any value as JSON);
//   - a reference that is null is "" everywhere, as in API Gateway: it is
//     written as nothing and equals "";
//   - a #foreach runs at most [MaxIterations] (1,000) times; an evaluation
//     at most its cost limit in steps and 10 MB of output. A failure at
//     run time is AWS's 500 with the template's line in the access log;
//     a request template reading a body that is not JSON is a 400;
//     compile errors name the line, column and construct.
//
// Gateway responses are not VTL in AWS either: their templates get plain
// $context substitution (apigw.GatewayResponse). Header names in
// $input.params().header are Go's canonical forms (Content-Type), and a
// map's keys are listed in sorted order; AWS keeps the client's spelling.
//
// # Request and response mapping
//
// [RequestConfig] selects a request template by Content-Type (none sent
// counts as application/json), applies the passthrough behaviour
// (WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER: 415 Unsupported Media Type)
// and maps integration.request.(header|querystring|path).<name> from the
// method request, the context, stage variables or literals.
// [ResponseConfig] chooses an integration response by selection pattern
// over the integration's status code (or a Lambda-style function's error
// message), sets the method status, maps method.response.header.<name> and
// renders the response template; only mapped (and so declared) headers
// leave, as in AWS's non-proxy mode.
//
// # Binary payloads
//
// An API's [BinaryMediaTypes] and the [ContentHandling] of the integration
// request and of each integration response convert payloads between text
// and binary by AWS's tables ("Content type conversions in API Gateway"):
// CONVERT_TO_TEXT encodes a binary payload in base64, CONVERT_TO_BINARY
// decodes a text one; unset, a response converts when the integration's
// Content-Type and the client's first Accept type disagree on being binary.
// The conversion comes before the template, which reads a converted binary
// payload as base64 in input.body. Unlike AWS, a binary payload of an API
// without binary media types passes as it is rather than garbled as UTF-8.
//
// # Wiring
//
// A gateway.Method holds a [RequestSpec] and a [ResponseSpec]: a config, a
// compiled mapping, a [*Template], or the source of one ([Expr], [Text]),
// compiled when the route is built so that a mistake fails gateway.New.
// Package gateway calls [RequestSpec.RequestMapping] and
// [ResponseSpec.ResponseMapping] at build time, then per request
// [RequestMapping.Map] before a non-proxy integration and
// [ResponseMapping.Write] after it. [New] and [Mapping.Handler] do the same
// around any http.Handler, without package gateway.
package mapping
