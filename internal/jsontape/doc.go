// Package jsontape is apigw's one JSON reader: a document parsed into a
// flat tape of nodes, one per value and per object key, in document order,
// with nothing decoded or allocated per value. The readers of a request's
// body share one parse: the request validator walks the tape against its
// compiled model, mapping templates (CEL and VTL) read it through views
// that decode a value only when a template asks for it, and
// apigw.Context.JSON decodes it into Go values for whoever wants them.
//
// A [Doc] reads what encoding/json reads into an any with UseNumber and
// rejects what it rejects (FuzzParse checks the two agree): objects keep
// their keys' last values, numbers keep their text, invalid UTF-8 and lone
// surrogates in strings decode to U+FFFD, nesting stops at 10000 levels.
//
// A [Body] is a request's body read once with its parse made on first use;
// it is also the reader that replaces the request's Body, so that the
// phases that hold the request find the parse ([Of]) without anything in
// the public API.
package jsontape
