package vtl

import (
	"math"
	"strconv"
	"strings"
)

// Values. A template computes with Go values standing for the Java objects
// Velocity computes with:
//
//	nil                 null
//	string              String
//	bool                Boolean
//	int64               Integer, Long
//	float64             Double
//	*List               ArrayList (list literals, ranges, split)
//	*Map                LinkedHashMap (map literals)
//	MapValue, ListValue a host's maps and lists (JSON objects and arrays)
//	Object              a host's object with properties and methods
//
// A host value may implement fmt.Stringer to say how it is written.

// MapValue is a host's map that a template reads as a Java Map: its
// properties are its keys ($m.key), and it has get, containsKey, keySet,
// entrySet, size, isEmpty and values.
type MapValue interface {
	Len() int
	Get(key string) (any, bool)
	// Range calls f for each entry in order until f returns false.
	Range(f func(key string, v any) bool)
}

// ListValue is a host's list that a template reads as a Java List.
type ListValue interface {
	Len() int
	Index(i int) any
}

// FixedVars is a Vars some of whose variables keep their value through
// an evaluation ($input, $util): LookupFixed looks name up as Lookup does
// and reports whether it is one of those, which an evaluation then looks
// up once and keeps. Methods of such a variable's value are found once
// too (StringFuncs).
type FixedVars interface {
	Vars
	LookupFixed(name string) (v any, ok, fixed bool)
}

// StringList is a ListValue that gives its string elements as they are:
// #foreach binds them without boxing each in an any. StringAt(i) is
// Index(i) when that is a string; ok is false otherwise. Its length does
// not change while a template reads it, and #foreach reads its elements
// in order.
type StringList interface {
	ListValue
	StringAt(i int) (s string, ok bool)
}

// StringFuncs is an Object with methods of one string argument that give
// a string ($util.escapeJavaScript): StringFunc returns the method name
// stands for, or nil. For a string s, f(s) gives what Call(name,
// []any{s}) gives, and the same error; a template calls it on a string
// that #foreach bound, without boxing the string or the result.
type StringFuncs interface {
	Object
	StringFunc(name string) func(s string) (string, error)
}

// Appender is an Object whose methods can write their results where a
// template writes them ($input.json), without making them values:
// AppendCall appends to b what writing Call(name, args)'s result would
// append, or gives ok false, having appended nothing, for a call it does
// not write so; its error is the one Call would give. It must not keep b
// or args.
type Appender interface {
	Object
	AppendCall(b []byte, name string, args []any) (out []byte, ok bool, err error)
}

// Object is a host's object: $input, $util, $context. Get returns a
// property ($x.name); Call calls a method ($x.name(args)) and returns
// [ErrNoMethod] when there is no such method.
type Object interface {
	Get(name string) (any, bool)
	Call(name string, args []any) (any, error)
}

// List is a mutable list, as Java's ArrayList. A JSON list (what an
// indefinite JSONPath gives, as json-smart's JSONArray) is written as
// compact JSON instead of [a, b].
type List struct {
	Elems []any
	JSON  bool
	mod   int // structural changes made through methods, for #foreach
}

// Len implements ListValue.
func (l *List) Len() int { return len(l.Elems) }

// Index implements ListValue.
func (l *List) Index(i int) any { return l.Elems[i] }

// Map is a mutable map that keeps its keys in insertion order, as Java's
// LinkedHashMap. Keys are strings, int64, float64 or bool. The zero value
// is an empty map.
type Map struct {
	keys []any
	vals []any
	idx  map[any]int
	mod  int // structural changes, for #foreach
}

// NewMap returns an empty map with room for n entries.
func NewMap(n int) *Map { return &Map{keys: make([]any, 0, n), vals: make([]any, 0, n)} }

// Len implements MapValue.
func (m *Map) Len() int { return len(m.keys) }

func (m *Map) find(key any) int {
	if m.idx == nil && len(m.keys) > 8 {
		m.idx = make(map[any]int, len(m.keys))
		for i, k := range m.keys {
			m.idx[k] = i
		}
	}
	if m.idx != nil {
		if i, ok := m.idx[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range m.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// Get implements MapValue. A string is a key as it is (mapKey), looked
// up without being copied to the heap.
func (m *Map) Get(key string) (any, bool) {
	if i := m.find(key); i >= 0 {
		return m.vals[i], true
	}
	return nil, false
}

// GetKey returns the value of any key.
func (m *Map) GetKey(key any) (any, bool) {
	if i := m.find(mapKey(key)); i >= 0 {
		return m.vals[i], true
	}
	return nil, false
}

// Put sets key to v and returns the value it replaced.
func (m *Map) Put(key, v any) any {
	key = mapKey(key)
	if i := m.find(key); i >= 0 {
		old := m.vals[i]
		m.vals[i] = v
		return old
	}
	m.keys = append(m.keys, key)
	m.vals = append(m.vals, v)
	m.mod++
	if m.idx != nil {
		m.idx[key] = len(m.keys) - 1
	}
	return nil
}

// Remove deletes key and returns its value.
func (m *Map) Remove(key any) any {
	key = mapKey(key)
	i := m.find(key)
	if i < 0 {
		return nil
	}
	old := m.vals[i]
	m.mod++
	m.keys = append(m.keys[:i], m.keys[i+1:]...)
	m.vals = append(m.vals[:i], m.vals[i+1:]...)
	m.idx = nil
	return old
}

// Range implements MapValue.
func (m *Map) Range(f func(key string, v any) bool) {
	for i, k := range m.keys {
		if !f(toString(k), m.vals[i]) {
			return
		}
	}
}

// Entries calls f for each entry with its key as stored.
func (m *Map) Entries(f func(key, v any) bool) {
	for i, k := range m.keys {
		if !f(k, m.vals[i]) {
			return
		}
	}
}

// mapKey makes a key comparable: a key that is not a string, a number or a
// bool is stored as its text.
func mapKey(k any) any {
	switch k.(type) {
	case string, int64, float64, bool, nil:
		return k
	}
	return toString(k)
}

// entry is a Map.Entry of entrySet(): $e.key, $e.value.
type entry struct {
	key, val any
}

// toString is Java's String.valueOf for a template's values.
func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return "null"
	}
	return string(appendString(nil, v))
}

// appendString appends what Java's toString gives for v.
func appendString(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return append(b, v...)
	case bool:
		return strconv.AppendBool(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return appendDouble(b, v)
	case *List:
		if v.JSON {
			return AppendJSON(b, v, true)
		}
		return appendJavaList(b, v, 0)
	case *Map:
		return appendJavaMap(b, v, 0)
	case entry:
		b = appendString(b, v.key)
		b = append(b, '=')
		return appendString(b, v.val)
	case interface{ String() string }:
		return append(b, v.String()...)
	case ListValue:
		return appendJavaList(b, v, 0)
	case MapValue:
		return appendJavaMap(b, v, 0)
	case rune:
		return append(b, string(v)...)
	}
	return append(b, "?"...)
}

// maxPrintDepth bounds how deeply nested lists and maps are written, so
// that a list added to itself writes (this Collection) as Java does and
// deeper cycles end.
const maxPrintDepth = 1000

// AppendJavaList writes l as AbstractCollection.toString: [a, b].
func appendJavaList(b []byte, l ListValue, depth int) []byte {
	b = append(b, '[')
	n := l.Len()
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		e := l.Index(i)
		if e == any(l) {
			b = append(b, "(this Collection)"...)
			continue
		}
		b = appendNested(b, e, depth)
	}
	return append(b, ']')
}

// appendJavaMap writes m as AbstractMap.toString: {k=v, k2=v2}.
func appendJavaMap(b []byte, m MapValue, depth int) []byte {
	b = append(b, '{')
	first := true
	write := func(k, v any) bool {
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = appendNested(b, k, depth)
		b = append(b, '=')
		if v == any(m) {
			b = append(b, "(this Map)"...)
		} else {
			b = appendNested(b, v, depth)
		}
		return true
	}
	if mm, ok := m.(*Map); ok {
		mm.Entries(write)
	} else {
		m.Range(func(k string, v any) bool { return write(k, v) })
	}
	return append(b, '}')
}

func appendNested(b []byte, v any, depth int) []byte {
	if depth >= maxPrintDepth {
		return append(b, "..."...)
	}
	switch v := v.(type) {
	case *List:
		if v.JSON {
			return AppendJSON(b, v, true)
		}
		return appendJavaList(b, v, depth+1)
	case *Map:
		return appendJavaMap(b, v, depth+1)
	}
	return appendString(b, v)
}

// appendDouble writes f as Java's Double.toString: at least one digit
// after the point, the shortest digits that read back as f, and
// computerized scientific notation (1.0E10) outside [10^-3, 10^7).
func appendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	// digits and exponent of the shortest representation: d.ddd × 10^exp
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	mant, expPart, _ := strings.Cut(string(s), "e")
	exp, _ := strconv.Atoi(expPart)
	digits := strings.Replace(mant, ".", "", 1)
	if f >= 1e-3 && f < 1e7 {
		point := exp + 1 // digits before the point
		switch {
		case point <= 0:
			b = append(b, "0."...)
			for i := 0; i < -point; i++ {
				b = append(b, '0')
			}
			return append(b, digits...)
		case point >= len(digits):
			b = append(b, digits...)
			for i := len(digits); i < point; i++ {
				b = append(b, '0')
			}
			return append(b, ".0"...)
		default:
			b = append(b, digits[:point]...)
			b = append(b, '.')
			return append(b, digits[point:]...)
		}
	}
	b = append(b, digits[0], '.')
	if len(digits) > 1 {
		b = append(b, digits[1:]...)
	} else {
		b = append(b, '0')
	}
	b = append(b, 'E')
	return strconv.AppendInt(b, int64(exp), 10)
}

// truthy is how #if reads a value: null and false are false, anything
// else true.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	}
	return true
}

// AppendText appends v as a template writes it: Java's toString.
func AppendText(b []byte, v any) []byte { return appendString(b, v) }

// ToString is Java's String.valueOf for a template's value.
func ToString(v any) string { return toString(v) }
