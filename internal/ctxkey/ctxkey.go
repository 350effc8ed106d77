// Package ctxkey holds the context key under which a request's
// *apigw.Context travels, so that the packages that carry a Context inside a
// context.Context of their own (the gateway's request context, a WebSocket
// call's context) answer apigw.FromContext without wrapping one more
// context.WithValue around theirs.
package ctxkey

type key struct{ name string }

// Context is the key of a request's *apigw.Context.
var Context any = &key{"apigw.Context"}
