// Package cors implements cross-origin resource sharing for apigw, as
// Amazon API Gateway's CORS support does: the CORS configuration of an HTTP
// API (allowOrigins, allowMethods, allowHeaders, exposeHeaders, maxAge,
// allowCredentials) and the per-method "Enable CORS" of a REST API.
// Behaviour follows the Fetch standard's CORS protocol.
//
// A policy is built once from [Config] by [New], which refuses any
// configuration a browser would reject or that is unsafe, and is then used
// as net/http middleware, with or without package gateway:
//
//	c, err := cors.New(cors.Config{
//		AllowOrigins:  []string{"https://pet.com", "https://*.pet.com"},
//		AllowMethods:  []string{"GET", "POST"},
//		AllowHeaders:  []string{"Content-Type", "X-Api-Key"},
//		ExposeHeaders: []string{"X-Amzn-RequestId"},
//		MaxAge:        10 * time.Minute,
//	})
//	if err != nil {
//		log.Fatal(err) // cors: AllowOrigins[1] "...": ...
//	}
//	http.ListenAndServe(addr, c.Handler(api))
//
// The middleware answers every preflight itself (204 No Content, the next
// handler is never called), with allow headers only when the origin, the
// requested method and every requested header are allowed. For any other
// request from an allowed origin it sets the CORS headers on the response
// before the next handler runs, so that every response carries them,
// gateway errors included (401, 403, 429, 5xx written by apigw.WriteError,
// which keeps headers already set): without them a browser hides the real
// error from the page, and set again when the answer starts, over whatever
// the phases behind the policy set. Vary names the request headers each
// answer depends on, so that HTTP caches keep answers apart.
//
// Inside a gateway the policy sits right after routing and before the
// authorizer, API keys and throttling: the API-wide policy applies to every
// route, and a route's own Config replaces it ([CORS.ForRoute]). For a path
// without an OPTIONS route the gateway answers preflights with [IsPreflight]
// and [CORS.ServePreflight], as HTTP APIs do.
//
// How it differs from AWS:
//
//   - AWS REST APIs add CORS headers only where the API's author maps them:
//     the console's "Enable CORS" adds an OPTIONS mock method and static
//     header mappings on the method's responses and, optionally, on the
//     DEFAULT_4XX and DEFAULT_5XX gateway responses. Here every response to
//     an allowed origin carries them, gateway errors included, with nothing
//     to map.
//   - A static mapping sends one Access-Control-Allow-Origin value to every
//     caller. Here it is the caller's origin when allowed (or "*"), nothing
//     when not, with Vary: Origin; a preflight that asks for a method or a
//     header not allowed gets no allow headers at all.
//   - As AWS HTTP APIs ignore the CORS headers a backend returns, the
//     CORS headers set behind the policy (by an in-process handler, a Lambda
//     function, a proxied backend or a cached answer) are replaced by the
//     policy's when the answer starts: the policy's word is final.
//   - Subdomain wildcards (https://*.pet.com), AllowOriginFunc and Private
//     Network Access have no AWS counterpart; HTTP APIs' "https://*" is
//     supported.
package cors
