package jsontape

import (
	"io"
	"net/http"
)

// Body is a request body read once and its JSON parse, made on first use
// and kept. It is also an io.ReadCloser over the body's bytes: the Context
// that reads a request's body puts its Body in the request's place, so
// that the backend still reads the whole body and the phases holding the
// request find the parse with [Of]. The zero value is an empty body.
type Body struct {
	data []byte
	off  int
	doc  Doc
	err  error // the parse's; parsed once doc has nodes or err is set
}

var _ io.WriterTo = (*Body)(nil)

// Reset makes b hold data, unread and unparsed.
func (b *Body) Reset(data []byte) {
	nodes := b.doc.nodes[:0]
	*b = Body{data: data}
	b.doc.nodes = nodes
}

// Bytes returns the body.
func (b *Body) Bytes() []byte { return b.data }

// Doc returns the body parsed, parsing it on first use.
func (b *Body) Doc() (*Doc, error) {
	if len(b.doc.nodes) == 0 && b.err == nil {
		b.err = b.doc.Parse(string(b.data))
	}
	if b.err != nil {
		return nil, b.err
	}
	return &b.doc, nil
}

// Read implements io.Reader.
func (b *Body) Read(p []byte) (int, error) {
	if b.off >= len(b.data) {
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	b.off += n
	return n, nil
}

// WriteTo implements io.WriterTo.
func (b *Body) WriteTo(w io.Writer) (int64, error) {
	if b.off >= len(b.data) {
		return 0, nil
	}
	n, err := w.Write(b.data[b.off:])
	b.off += n
	return int64(n), err
}

// Close implements io.Closer; the body stays readable by the phases.
func (b *Body) Close() error { return nil }

// Of returns the parse of r's body, data, as read by the request's
// Context: the one kept by the Body in r's place when data is its bytes,
// else a parse of its own.
func Of(r *http.Request, data []byte) (*Doc, error) {
	if b, ok := r.Body.(*Body); ok && b.holds(data) {
		return b.Doc()
	}
	d := new(Doc)
	if err := d.Parse(string(data)); err != nil {
		return nil, err
	}
	return d, nil
}

// holds reports whether data is b's bytes (the same memory).
func (b *Body) holds(data []byte) bool {
	return len(data) == len(b.data) && (len(data) == 0 || &data[0] == &b.data[0])
}
