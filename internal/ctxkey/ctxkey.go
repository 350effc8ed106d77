// Package ctxkey holds the context keys under which a request's
// *apigw.Context and its request target as the client sent it travel, so that the packages that carry a Context inside a
// context.Context of their own (the gateway's request context, a WebSocket
// call's context) answer apigw.FromContext without wrapping one more
// context.WithValue around theirs.
package ctxkey

type key struct{ name string }

// Context is the key of a request's *apigw.Context.
var Context any = &key{"apigw.Context"}

// RequestTarget is the key of the request's target (path and query, or the
// absolute form) as the client sent it, a string: what a SigV4 signature
// covers, before the gateway put the path in its canonical form.
var RequestTarget any = &key{"request target"}

// MappedPathParams is the key of an integration request's mapped path
// parameters (integration.request.path.<name>), a map[string]string: they
// fill the integration URL's {name} in place of the method request's.
var MappedPathParams any = &key{"mapped path parameters"}
