package mapping

import (
	"strconv"

	"github.com/apigw/apigw/internal/vtl"
)

// The JSON of a VTL template: views over a jsonDoc's tape, read as the
// Java objects API Gateway's JSONPath (Jayway, over json-smart) gives a
// template. An object is a LinkedHashMap, written {key=value, ...}; an
// array a JSONArray, written as compact JSON; integers are Integers or
// Longs, other numbers Doubles. Nothing is decoded until it is read.
//
// This file is the seam between package vtl and the JSON reader: it uses
// only jsonDoc's nodes, str, find and index.

// vtlValue returns node i of d as a VTL value.
func vtlValue(d *jsonDoc, i int32) any {
	n := &d.nodes[i]
	switch n.kind {
	case jNull:
		return nil
	case jFalse:
		return false
	case jTrue:
		return true
	case jNumber:
		return vtlNumber(d.s[n.start:n.end])
	case jString:
		return d.str(i)
	case jArray:
		return &vtlArray{d, i}
	}
	return &vtlObject{d, i}
}

// vtlNumber is a JSON number as json-smart reads it: an integer that fits
// in 64 bits as int64, anything else as a double.
func vtlNumber(s string) any {
	integral := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == 'e' || c == 'E' {
			integral = false
			break
		}
	}
	if integral {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// vtlObject is a JSON object of a template: a vtl.MapValue.
type vtlObject struct {
	d *jsonDoc
	i int32
}

var (
	_ vtl.MapValue     = (*vtlObject)(nil)
	_ vtl.JSONAppender = (*vtlObject)(nil)
	_ vtl.ListValue    = (*vtlArray)(nil)
	_ vtl.JSONAppender = (*vtlArray)(nil)
)

// Len implements vtl.MapValue: the number of distinct keys.
func (o *vtlObject) Len() int {
	n := o.d.nodes[o.i].n
	if n <= 1 {
		return int(n)
	}
	return len((&jsonObject{o.d, o.i}).index())
}

// Get implements vtl.MapValue.
func (o *vtlObject) Get(key string) (any, bool) {
	v, ok := (&jsonObject{o.d, o.i}).find(key)
	if !ok {
		return nil, false
	}
	return vtlValue(o.d, v), true
}

// Range implements vtl.MapValue: members in document order; a key
// repeated is seen once, with its last value.
func (o *vtlObject) Range(f func(key string, v any) bool) {
	d := o.d
	n := &d.nodes[o.i]
	var idx map[string]int32
	if n.n > 1 {
		idx = (&jsonObject{d, o.i}).index()
	}
	for c := o.i + 1; c < n.next; c = d.nodes[c+1].next {
		k := d.str(c)
		if idx != nil && idx[k] != c+1 {
			continue
		}
		if !f(k, vtlValue(d, c+1)) {
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
func (o *vtlObject) AppendJSON(b []byte, web bool) []byte {
	b = append(b, '{')
	first := true
	o.Range(func(k string, v any) bool {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = vtl.AppendJSONString(b, k, web)
		b = append(b, ':')
		b = vtl.AppendJSON(b, v, web)
		return true
	})
	return append(b, '}')
}

// vtlArray is a JSON array of a template: a vtl.ListValue.
type vtlArray struct {
	d *jsonDoc
	i int32
}

// Len implements vtl.ListValue.
func (a *vtlArray) Len() int { return int(a.d.nodes[a.i].n) }

// Index implements vtl.ListValue.
func (a *vtlArray) Index(k int) any {
	return vtlValue(a.d, (&jsonArray{a.d, a.i}).elem(k))
}

// String writes the array as compact JSON, as json-smart's JSONArray does.
func (a *vtlArray) String() string { return string(a.AppendJSON(nil, true)) }

// AppendJSON implements vtl.JSONAppender.
func (a *vtlArray) AppendJSON(b []byte, web bool) []byte {
	d := a.d
	n := &d.nodes[a.i]
	b = append(b, '[')
	for c := a.i + 1; c < n.next; c = d.nodes[c].next {
		if c > a.i+1 {
			b = append(b, ',')
		}
		b = vtl.AppendJSON(b, vtlValue(d, c), web)
	}
	return append(b, ']')
}
