package cache

import (
	"encoding/binary"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Entry is one cached response: its status, the headers the integration
// set and its body. A cache hit writes exactly these.
//
// An Entry is immutable once made: [Store] implementations keep and return
// the same *Entry, and several requests may write it to their clients at
// the same time. It is therefore safe for simultaneous use by multiple
// goroutines. The zero value is an empty 0-status entry, useful only as the
// target of [Entry.UnmarshalBinary].
type Entry struct {
	status  int
	fields  []field // sorted by name; every values slice is clipped
	nvalues int     // total number of header values
	body    []byte
}

// field is one response header: a canonical name and its values.
type field struct {
	name   string
	values []string
}

// Per-entry bookkeeping the byte accounting adds to what an entry holds, an
// estimate of the Go structures around the data (64-bit).
const (
	entryStructBytes = 88 // Entry and its fields slice header
	fieldBytes       = 40 // one field: name string and values slice headers
	valueBytes       = 16 // one value's string header
)

// NewEntry returns an Entry holding status, a copy of header and a copy of
// body. Header names are canonicalised; names with no values are dropped.
func NewEntry(status int, header http.Header, body []byte) *Entry {
	e := &Entry{status: status, body: slices.Clone(body)}
	if e.body == nil {
		e.body = []byte{}
	}
	n := 0
	for _, vs := range header {
		n += len(vs)
	}
	values := make([]string, 0, n)
	for name, vs := range header {
		if len(vs) == 0 {
			continue
		}
		start := len(values)
		values = append(values, vs...)
		e.fields = append(e.fields, field{name: http.CanonicalHeaderKey(name), values: values[start:len(values):len(values)]})
	}
	e.sortFields()
	return e
}

// sortFields puts the fields in name order, merges fields of the same name
// (from a header map holding both "x-a" and "X-A") and counts the values.
func (e *Entry) sortFields() {
	slices.SortStableFunc(e.fields, func(a, b field) int { return strings.Compare(a.name, b.name) })
	out := e.fields[:0]
	for _, f := range e.fields {
		if n := len(out); n > 0 && out[n-1].name == f.name {
			vs := append(slices.Clip(out[n-1].values), f.values...)
			out[n-1].values = vs[:len(vs):len(vs)]
			continue
		}
		out = append(out, f)
	}
	clear(e.fields[len(out):])
	e.fields = out
	e.nvalues = 0
	for _, f := range e.fields {
		e.nvalues += len(f.values)
	}
}

// Status is the response's status code.
func (e *Entry) Status() int { return e.status }

// Header returns a copy of the response's headers.
func (e *Entry) Header() http.Header {
	h := make(http.Header, len(e.fields))
	for _, f := range e.fields {
		h[f.name] = slices.Clone(f.values)
	}
	return h
}

// Body returns the response body. The slice is shared: do not modify it.
func (e *Entry) Body() []byte { return e.body }

// Size is the number of bytes the entry holds: its body, header names and
// values, and an estimate of the Go structures around them. A
// [MemoryStore] accounts each entry as the length of its key plus Size.
func (e *Entry) Size() int64 {
	n := entryStructBytes + len(e.body)
	for _, f := range e.fields {
		n += fieldBytes + len(f.name)
		for _, v := range f.values {
			n += valueBytes + len(v)
		}
	}
	return int64(n)
}

// writeTo writes the entry as the response to w: headers (replacing any of
// the same name already set), status and, unless the request was a HEAD,
// body. extra, when set, is added as one more header with one value. The
// values are copied into one new slice, so that nothing downstream can
// modify the stored entry through w.Header().
func (e *Entry) writeTo(w http.ResponseWriter, head bool, extraName, extraValue string) {
	h := w.Header()
	n := e.nvalues
	if extraName != "" {
		n++
	}
	if n > 0 {
		values := make([]string, n)
		for _, f := range e.fields {
			k := copy(values, f.values)
			h[f.name] = values[:k:k]
			values = values[k:]
		}
		if extraName != "" {
			values[0] = extraValue
			h[extraName] = values[:1:1]
		}
	}
	w.WriteHeader(e.status)
	if !head && len(e.body) > 0 {
		_, _ = w.Write(e.body)
	}
}

// Binary encoding (version 1): lengths and bytes, no keys or quoting:
//
//	'1' status:uvarint nfields:uvarint
//	  { len:uvarint name nvalues:uvarint { len:uvarint value } }
//	body (the rest)
const encodingV1 = '1'

// errCorrupt is returned by [Entry.UnmarshalBinary] for data it did not write.
var errCorrupt = errors.New("cache: corrupt entry encoding")

// AppendBinary appends the entry's compact binary encoding to b, for stores
// that keep bytes ([encoding.BinaryAppender]).
func (e *Entry) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, encodingV1)
	b = binary.AppendUvarint(b, uint64(e.status))
	b = binary.AppendUvarint(b, uint64(len(e.fields)))
	for _, f := range e.fields {
		b = binary.AppendUvarint(b, uint64(len(f.name)))
		b = append(b, f.name...)
		b = binary.AppendUvarint(b, uint64(len(f.values)))
		for _, v := range f.values {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return append(b, e.body...), nil
}

// MarshalBinary returns the entry's compact binary encoding.
func (e *Entry) MarshalBinary() ([]byte, error) {
	n := 16 + len(e.body)
	for _, f := range e.fields {
		n += 2*binary.MaxVarintLen32 + len(f.name)
		for _, v := range f.values {
			n += binary.MaxVarintLen32 + len(v)
		}
	}
	return e.AppendBinary(make([]byte, 0, n))
}

// UnmarshalBinary decodes what [Entry.MarshalBinary] encoded into e. It
// copies what it keeps from data, and rejects data it did not write
// without panicking or allocating more than len(data) allows.
func (e *Entry) UnmarshalBinary(data []byte) error {
	d := decoder{data: data}
	if len(data) == 0 || data[0] != encodingV1 {
		return errCorrupt
	}
	d.off = 1
	status := d.uvarint()
	nfields := d.uvarint()
	if d.err || status < 100 || status > 999 || nfields > uint64(len(data)) {
		return errCorrupt
	}
	// First pass: validate and count, so that the strings come from one
	// allocation and the values from another.
	hstart := d.off
	nvalues := uint64(0)
	for range nfields {
		d.skip(d.uvarint())
		nv := d.uvarint()
		if d.err || nv > uint64(len(data)) {
			return errCorrupt
		}
		nvalues += nv
		for range nv {
			d.skip(d.uvarint())
		}
		if d.err || nvalues > uint64(len(data)) {
			return errCorrupt
		}
	}
	hend := d.off
	strs := string(data[hstart:hend])
	fields := make([]field, nfields)
	values := make([]string, nvalues)
	d = decoder{data: data[hstart:hend]}
	for i := range fields {
		n := int(d.uvarint())
		name := strs[d.off : d.off+n]
		d.off += n
		nv := int(d.uvarint())
		vs := values[:nv:nv]
		values = values[nv:]
		for j := range vs {
			n := int(d.uvarint())
			vs[j] = strs[d.off : d.off+n]
			d.off += n
		}
		if name == "" || i > 0 && fields[i-1].name >= name {
			return errCorrupt // not sorted or duplicated: not ours
		}
		fields[i] = field{name: name, values: vs}
	}
	*e = Entry{status: int(status), fields: fields, body: slices.Clone(data[hend:])}
	if e.body == nil {
		e.body = []byte{}
	}
	e.sortFields()
	return nil
}

// decoder reads uvarints and skips bytes, recording the first error.
type decoder struct {
	data []byte
	off  int
	err  bool
}

func (d *decoder) uvarint() uint64 {
	if d.err {
		return 0
	}
	v, n := binary.Uvarint(d.data[d.off:])
	if n <= 0 {
		d.err = true
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) skip(n uint64) {
	if d.err || n > uint64(len(d.data)-d.off) {
		d.err = true
		return
	}
	d.off += int(n)
}
