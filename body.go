package apigw

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/apigw/apigw/internal/jsontape"
)

// MaxBodyBytes is AWS's payload limit: 10 MB.
const MaxBodyBytes = 10 << 20

// ErrBodyTooLarge is returned by [Context.Body] for a body over the limit.
var ErrBodyTooLarge = errors.New("apigw: request body exceeds 10485760 bytes")

// body is the request body read once and shared by the phases that need it
// (validation, mapping templates, Lambda-style events): the bytes and their
// JSON parse, one parse whatever reads it.
type body struct {
	read    bool
	err     error
	tape    jsontape.Body // the bytes, their parse, and r.Body's reader
	decoded *decoded      // JSON's answer, made on first use
}

// decoded is what [Context.JSON] answers.
type decoded struct {
	v   any
	err error
}

// Body returns r's body, read once (at most [MaxBodyBytes]) and kept in c;
// r.Body is replaced by a reader over the same bytes so that the backend
// still sees the whole body. A body over the limit gives [ErrBodyTooLarge].
// The bytes are shared with the phases: read them, never write them.
func (c *Context) Body(r *http.Request) ([]byte, error) {
	if c.body.read {
		return c.body.tape.Bytes(), c.body.err
	}
	c.body.read = true
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	data, err := readBody(r)
	r.Body.Close()
	switch {
	case err != nil:
		c.body.err = fmt.Errorf("apigw: reading request body: %w", err)
	case len(data) > MaxBodyBytes:
		c.body.err = ErrBodyTooLarge
	}
	c.body.tape.Reset(data)
	r.Body = &c.body.tape
	return data, c.body.err
}

// SetBody replaces the body the phases see, as a request mapping template
// does; r.Body is replaced too and the parsed JSON forgotten.
func (c *Context) SetBody(r *http.Request, data []byte) {
	c.body = body{read: true}
	c.body.tape.Reset(data)
	r.Body = &c.body.tape
	r.ContentLength = int64(len(data))
}

// JSON returns r's body parsed as JSON, parsed once and shared with the
// phases that read it (the request validator, mapping templates). Numbers
// are [encoding/json.Number] so that large integers keep their precision.
// An empty body is nil without error.
func (c *Context) JSON(r *http.Request) (any, error) {
	if d := c.body.decoded; d != nil {
		return d.v, d.err
	}
	d := new(decoded)
	if _, err := c.Body(r); err != nil {
		d.err = err
	} else if doc, err := c.body.tape.Doc(); err != nil {
		d.err = fmt.Errorf("apigw: request body is not JSON: %w", err)
	} else {
		d.v = doc.Native(0)
	}
	c.body.decoded = d
	return d.v, d.err
}

// readBody reads at most MaxBodyBytes+1 bytes of r's body: into a buffer of
// exactly the announced Content-Length when there is one, so that a small
// body costs one small allocation (and no io.LimitedReader: one
// allocation fewer per request, BenchmarkLadder/5-model).
func readBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= MaxBodyBytes {
		data := make([]byte, n, n+1)
		if _, err := io.ReadFull(r.Body, data); err != nil {
			return data, err
		}
		// A body longer than announced (possible outside net/http's
		// server) is read on, up to the limit.
		if m, _ := r.Body.Read(data[n : n+1]); m == 0 {
			return data, nil
		}
		rest, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes-n))
		return append(data[:n+1], rest...), err
	}
	return io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
}
