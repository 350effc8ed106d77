package mapping

import (
	"strconv"

	"github.com/apigw/apigw/internal/jsontape"
	"github.com/apigw/apigw/internal/vtl"
)

// The JSON of a VTL template: views over a JSON tape, read as the
// Java objects API Gateway's JSONPath (Jayway, over json-smart) gives a
// template. An object is a LinkedHashMap, written {key=value, ...}; an
// array a JSONArray, written as compact JSON; integers are Integers or
// Longs, other numbers Doubles. Nothing is decoded until it is read.
//
// This file is the seam between package vtl and the JSON reader,
// internal/jsontape.

// vtlDoc is a tape read by a VTL template.
type vtlDoc struct {
	*jsontape.Doc
	// objects and arrays are room for views, reused with a response
	// template's activation (BenchmarkGenresVTL/vtl allocates none);
	// used only up to their capacity, so that a view never moves. A
	// request template's views are allocated: its
	// $context.responseOverride may hold one past the activation.
	objects []vtlObject
	arrays  []vtlArray
}

// value returns node i as a VTL value.
func (d *vtlDoc) value(i int32) any {
	switch d.Kind(i) {
	case jsontape.Null:
		return nil
	case jsontape.False:
		return false
	case jsontape.True:
		return true
	case jsontape.Number:
		return vtlNumber(d.Raw(i))
	case jsontape.String:
		return d.Str(i)
	case jsontape.Array:
		if len(d.arrays) < cap(d.arrays) {
			d.arrays = append(d.arrays, vtlArray{d: d, i: i})
			return &d.arrays[len(d.arrays)-1]
		}
		return &vtlArray{d: d, i: i}
	}
	if len(d.objects) < cap(d.objects) {
		d.objects = append(d.objects, vtlObject{d, i})
		return &d.objects[len(d.objects)-1]
	}
	return &vtlObject{d, i}
}

// vtlNumber is a JSON number as json-smart reads it: an integer that fits
// in 64 bits as int64, anything else as a double.
func vtlNumber(s string) any {
	n, f, isInt := parseNumber(s)
	if isInt {
		return n
	}
	return f
}

// parseNumber reads a JSON number as vtlNumber does: n when isInt, else f.
func parseNumber(s string) (n int64, f float64, isInt bool) {
	integral := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == 'e' || c == 'E' {
			integral = false
			break
		}
	}
	if integral {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, 0, true
		}
	}
	f, _ = strconv.ParseFloat(s, 64)
	return 0, f, false
}

// appendJSON writes node i as vtl.AppendJSON writes the value it reads as
// (d.value), straight from the tape: no value is made.
func (d *vtlDoc) appendJSON(b []byte, i int32, web bool) []byte {
	switch d.Kind(i) {
	case jsontape.Null:
		return append(b, "null"...)
	case jsontape.False:
		return append(b, "false"...)
	case jsontape.True:
		return append(b, "true"...)
	case jsontape.Number:
		n, f, isInt := parseNumber(d.Raw(i))
		if isInt {
			return strconv.AppendInt(b, n, 10)
		}
		return vtl.AppendJSONDouble(b, f)
	case jsontape.String:
		return vtl.AppendJSONString(b, d.Str(i), web)
	case jsontape.Array:
		b = append(b, '[')
		for c := i + 1; c < d.Next(i); c = d.Next(c) {
			if c > i+1 {
				b = append(b, ',')
			}
			b = d.appendJSON(b, c, web)
		}
		return append(b, ']')
	}
	// An object: its members in document order, a repeated key once, with
	// its last value (vtlObject.Range).
	b = append(b, '{')
	first := true
	for c := i + 1; c < d.Next(i); c = d.Next(c + 1) {
		if !d.Effective(i, c) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = vtl.AppendJSONString(b, d.Str(c), web)
		b = append(b, ':')
		b = d.appendJSON(b, c+1, web)
	}
	return append(b, '}')
}

// vtlObject is a JSON object of a template: a vtl.MapValue.
type vtlObject struct {
	d *vtlDoc
	i int32
}

var (
	_ vtl.MapValue     = (*vtlObject)(nil)
	_ vtl.JSONAppender = (*vtlObject)(nil)
	_ vtl.StringList   = (*vtlArray)(nil)
	_ vtl.JSONAppender = (*vtlArray)(nil)
)

// Len implements vtl.MapValue: the number of distinct keys.
func (o *vtlObject) Len() int { return o.d.Distinct(o.i) }

// Get implements vtl.MapValue.
func (o *vtlObject) Get(key string) (any, bool) {
	v, ok := o.d.Find(o.i, key)
	if !ok {
		return nil, false
	}
	return o.d.value(v), true
}

// Range implements vtl.MapValue: members in document order; a key
// repeated is seen once, with its last value.
func (o *vtlObject) Range(f func(key string, v any) bool) {
	d := o.d
	for c := o.i + 1; c < d.Next(o.i); c = d.Next(c + 1) {
		if !d.Effective(o.i, c) {
			continue
		}
		if !f(d.Str(c), d.value(c+1)) {
			return
		}
	}
}

// String writes the object as Java's AbstractMap.toString does.
func (o *vtlObject) String() string { return string(o.appendJava(nil)) }

func (o *vtlObject) appendJava(b []byte) []byte {
	b = append(b, '{')
	first := true
	o.Range(func(k string, v any) bool {
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = append(b, k...)
		b = append(b, '=')
		switch v := v.(type) {
		case *vtlObject:
			b = v.appendJava(b)
		default:
			b = vtl.AppendText(b, v)
		}
		return true
	})
	return append(b, '}')
}

// AppendJSON implements vtl.JSONAppender.
func (o *vtlObject) AppendJSON(b []byte, web bool) []byte { return o.d.appendJSON(b, o.i, web) }

// vtlArray is a JSON array of a template: a vtl.ListValue.
type vtlArray struct {
	d *vtlDoc
	i int32
	// at is the element last read, node its node (0: none), so that
	// reading the next one, as #foreach does, takes one step.
	at   int
	node int32
}

// elem is the node of element k.
func (a *vtlArray) elem(k int) int32 {
	if a.node != 0 && k == a.at+1 {
		a.at, a.node = k, a.d.Next(a.node)
	} else {
		a.at, a.node = k, a.d.Elem(a.i, k)
	}
	return a.node
}

// Len implements vtl.ListValue.
func (a *vtlArray) Len() int { return a.d.Len(a.i) }

// Index implements vtl.ListValue.
func (a *vtlArray) Index(k int) any {
	return a.d.value(a.elem(k))
}

// StringAt implements vtl.StringList: a string element, as the tape holds
// it (a slice of the body's copy, unless it has escapes).
func (a *vtlArray) StringAt(k int) (string, bool) {
	c := a.elem(k)
	if a.d.Kind(c) != jsontape.String {
		return "", false
	}
	return a.d.Str(c), true
}

// String writes the array as compact JSON, as json-smart's JSONArray does.
func (a *vtlArray) String() string { return string(a.AppendJSON(nil, true)) }

// AppendJSON implements vtl.JSONAppender.
func (a *vtlArray) AppendJSON(b []byte, web bool) []byte { return a.d.appendJSON(b, a.i, web) }
