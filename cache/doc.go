// Package cache is Amazon API Gateway's stage cache as net/http middleware:
// responses of cached methods are kept for a TTL under a key made of the
// stage, the HTTP method, the resource path template and the method's
// declared cache key parameters, and a client sending
// Cache-Control: max-age=0 gets a fresh answer, which replaces the entry, if
// it may invalidate the cache.
//
//	c, err := cache.New(cache.Config{TTL: 5 * time.Minute, Capacity: 64 << 20})
//	...
//	mw, err := c.Middleware(cache.MethodSettings{
//		KeyParameters: []string{"method.request.path.id", "method.request.querystring.lang"},
//	})
//	...
//	handler := mw(backend)
//
// # As in AWS
//
//   - One [Cache] per stage, with a capacity and a TTL (default 300 s, at most
//     3600 s; [Disabled] is AWS's TTL 0). Only GET is cached unless
//     Config.Methods or a method's [MethodSettings] say otherwise; methods
//     override the TTL and turn caching on or off.
//   - The key holds the stage, the method, the resource path template
//     (apigw.Context.ResourcePath, such as /artists/{id}) and the values of
//     the declared key parameters (method.request.path.id,
//     method.request.querystring.lang, method.request.header.Accept), in a
//     canonical order: ?a=1&b=2 and ?b=2&a=1 share an entry. Parameters
//     not declared never split an entry — nor, therefore, poison one. This
//     includes path parameters: GET /artists/{id} without
//     method.request.path.id declared serves every artist the first one
//     cached, exactly as AWS does.
//   - Cache-Control: max-age=0 skips the lookup, calls the integration and
//     stores its answer, when the caller may: anybody with
//     Config.AnyoneMayInvalidate (AWS's requireAuthorizationForCacheControl
//     off), else those Config.CanInvalidate allows (AWS's
//     execute-api:InvalidateCache permission; nil allows nobody). Other
//     callers get Config.UnauthorizedStrategy: [FailWith403] (a 403
//     ACCESS_DENIED gateway response), [SucceedWithResponseHeader] (the
//     default: served as if the header were absent, with a [WarningHeader])
//     or [SucceedWithoutResponseHeader].
//   - [Cache.Flush] empties a stage's cache (FlushStageCache);
//     [Cache.Invalidate] removes one entry, named by a [Key].
//   - A response is stored only if its body is at most 1 MB
//     ([MaxResponseBytes]) and its status 2xx (Config.Statuses).
//
// # Beyond AWS
//
//   - Concurrent misses on one key make one call to the integration; the
//     other requests wait for it and are served its response (if it may be
//     stored; otherwise each calls the integration itself).
//   - Config.XCache adds X-Cache: Hit or Miss; [Cache.Stats] counts hits,
//     misses, coalesced misses, invalidations and store failures.
//   - A canary with useStageCache off gets entries of its own: set
//     Config.SeparateCanary, and requests whose apigw.Context says
//     IsCanaryRequest are kept apart (in the same store and capacity). For a
//     separate capacity too, build a second Cache and give the canary
//     deployment's methods its middleware.
//   - Entries live in a [Store]: the in-process [MemoryStore] (an LRU bounded
//     by the bytes entries hold: body, headers and key) or
//     cache/rediscache, which several replicas share. A store failure is a
//     miss, never an error for the client.
//
// # Differences from AWS
//
//   - A response that sets a cookie, announces trailers or says
//     Cache-Control: no-store or private is not stored, so one caller's
//     session never reaches another; nor is one whose
//     Access-Control-Allow-Origin grants one origin (anything but "*")
//     unless method.request.header.Origin is a key parameter, so one
//     caller's CORS grant never reaches another (behind a CORS policy,
//     the policy's headers are set on every answer, hits included, and an
//     integration has no need to set its own). Hop-by-hop headers and Date are not
//     stored; a hit carries the body's Content-Length.
//   - Only the headers the integration set are stored: headers earlier
//     phases set on the response (CORS, x-amzn-RequestId) are theirs to set
//     again on a hit.
//   - Vary is ignored, as AWS ignores it: declare the headers a response
//     depends on (method.request.header.Accept-Encoding for a compressing
//     integration, method.request.header.Authorization for per-user data)
//     as key parameters.
//   - Query strings are read as Go's net/url reads them (pairs split on '&',
//     '+' is a space). A request whose query net/url does not read whole (a
//     pair with ';' or a bad escape, over 10,000 parameters) is never
//     cached: a backend behind an HTTP integration may read what net/url
//     skips, and its answer would be stored under another request's key.
//   - Without package gateway (no router, so no resource template), the
//     request's escaped URL path stands for the resource: entries are then
//     split by path, and by nothing else unless declared.
//   - Expiry follows the injected clock (Config.Now) in memory and Redis's
//     own clock in Redis.
//
// # In the gateway
//
// The gateway builds one Cache per stage with [New] and, for each cached
// method, calls [Cache.Middleware] with the method's settings once at build
// time, with every path parameter of the route among the key parameters,
// declared or not: unlike AWS, whose key leaves an undeclared path
// parameter out (so that GET /pets/{id} cached without
// method.request.path.id serves the first pet asked for to every id), the
// gateway never serves one resource for another. The cache phase runs
// after request validation and wraps the integration request, the
// integration and the integration response, so a hit skips all three and
// what is stored is the method response.
package cache
