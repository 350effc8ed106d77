// Package websocket implements Amazon API Gateway's WebSocket APIs, in
// process, on github.com/coder/websocket: the $connect, $disconnect and
// $default routes and custom route keys chosen by a route selection
// expression, Lambda-style and http.Handler integrations, the
// @connections management API, AWS's limits, and — with a [Bus] such as
// package websocket/redisbus — many replicas serving one API.
//
//	api, err := websocket.New(
//		websocket.WithRouteSelection("$request.body.action"), // the default
//		websocket.WithAuthorizer("users", authz),              // an authorizer.Authorizer
//		websocket.Route("$connect", websocket.RouteSpec{Integration: websocket.Lambda(onConnect), Authorizer: "users"}),
//		websocket.Route("$disconnect", websocket.RouteSpec{Integration: websocket.Lambda(onDisconnect)}),
//		websocket.Route("sendmessage", websocket.RouteSpec{Integration: websocket.Lambda(onSend)}),
//		websocket.Route("$default", websocket.RouteSpec{Integration: websocket.Lambda(help), TwoWay: true}),
//	)
//	if err != nil { ... }                    // every mistake, each naming its option and field
//	defer api.Shutdown(ctx)                  // closes every connection, runs each $disconnect
//	http.Handle("/", api)                    // the wss:// endpoint
//	// The @connections API on a listener only your backend reaches: it
//	// checks no signature, and connection ids travel to clients.
//	go http.ListenAndServe("127.0.0.1:9001", api.ConnectionsHandler())
//
// # What a connection goes through
//
// $connect runs before the upgrade: the authorizer (any
// authorizer.Authorizer: a REQUEST Lambda authorizer reading headers or
// the query string, or a JWT authorizer), then the API key check of the
// usage plans ([WithUsagePlans], RouteSpec.APIKeyRequired), then the
// $connect integration. A refusal answers the upgrade request with AWS's
// 401 or 403 through apigw.WriteError, or with the integration's own
// status when it answers other than 2xx; no socket opens. Each message
// from the client then goes through the route selection expression: a
// message that is not JSON, or whose value matches no route, goes to
// $default; with no $default the client gets AWS's error frame
// {"message": "Forbidden", "connectionId":"...", "requestId":"..."}. A
// failing or panicking integration gets {"message": "Internal server
// error", ...}. A two-way route sends the integration's answer back.
//
// Integrations receive what a real AWS WebSocket Lambda receives, an
// events.APIGatewayWebsocketProxyRequest with requestContext.routeKey,
// eventType, connectionId, messageId, connectedAt, requestTimeEpoch,
// stage, domainName, apiId, identity, authorizer, and on $disconnect
// disconnectStatusCode and disconnectReason; headers and query string on
// $connect (and $disconnect). [FromContext] gives an integration the
// [Request] and through it the API, to post to other connections.
//
// The @connections API exists as methods ([API.PostToConnection],
// [API.GetConnection], [API.DeleteConnection]) and over HTTP
// ([API.ConnectionsHandler]): POST, GET and DELETE on
// /@connections/{connectionId}; a connection that is gone is 410
// GoneException.
//
// Limits are AWS's unless [WithLimits] says otherwise: messages up to
// 128 KiB (a larger one closes the connection with 1009), 10 minutes
// idle, 2 hours in all (both close with 1001 "Going away"). However a
// connection ends — the client closes or drops, a limit, a DELETE,
// [API.Shutdown] — $disconnect runs exactly once, after the socket is
// closed. Timers read the injected [Clock]. A binary frame from a client
// closes its connection with 1003, as on AWS, which takes text frames only.
// The handshake (method, Upgrade, Sec-WebSocket-Key and -Version, and the
// origin under [WithOriginCheck]) is checked before the authorizer and
// $connect run. Connection ids are 11 bytes from crypto/rand.
//
// # Many replicas
//
// With a [Bus] every replica records the connections it holds in a shared
// directory, and a @connections call for a connection another replica
// holds travels there. [API.Shutdown] first has the bus deliver what it
// already accepted for this replica, then closes the replica's
// connections after writing what was queued for them. When the bus's
// backend is unreachable, local delivery keeps working and calls for other
// replicas fail with the bus's error; package redisbus recovers by itself
// when Redis returns.
//
// # How it differs from AWS
//
//   - Integrations run in-process, one message at a time per connection
//     (AWS may invoke concurrently); a slow integration delays only its own
//     connection. Messages have no integration timeout.
//   - Frames are not limited to 32 KB; only messages are limited.
//   - The authorizer's method ARN is .../{stage}/$connect/ (with a trailing
//     slash, from apigw.Context.MethodARN); policies with wildcards match it.
//   - JWT authorizers are accepted on $connect (AWS WebSocket APIs take only
//     Lambda and IAM authorizers); their claims are in
//     requestContext.authorizer.claims.
//   - The @connections handler checks no signature: mount it where only
//     your backend reaches it. Data posted is sent as a text message when it
//     is valid UTF-8, else as binary.
//   - lastActiveAt counts messages from the client only; for a connection
//     on another replica it is as fresh as that replica's last report.
//   - Origins are not checked unless [WithOriginCheck] asks.
package websocket
