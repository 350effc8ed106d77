package vtl

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// JSONAppender is a host value that writes itself as JSON (a JSON
// document's object or array, written as it was sent).
type JSONAppender interface {
	AppendJSON(b []byte, web bool) []byte
}

// AppendJSON appends v as compact JSON, as json-smart (the JSON library
// of API Gateway's JSONPath) writes it: maps as objects in their order,
// lists as arrays, numbers in Java's form, NaN and infinities as null.
// web escapes / as \/, as json-smart's default style does when a JSON
// array is written by its toString.
func AppendJSON(b []byte, v any, web bool) []byte { return appendJSON(b, v, web, 0) }

func appendJSON(b []byte, v any, web bool, depth int) []byte {
	if depth > maxPrintDepth {
		return append(b, "null"...)
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return AppendJSONString(b, v, web)
	case bool:
		return strconv.AppendBool(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return AppendJSONDouble(b, v)
	case JSONAppender:
		return v.AppendJSON(b, web)
	case ListValue:
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, v.Index(i), web, depth+1)
		}
		return append(b, ']')
	case *Map:
		return appendJSONMap(b, v, web, depth)
	case MapValue:
		return appendJSONMapValue(b, v, web, depth)
	}
	return AppendJSONString(b, toString(v), web)
}

// appendJSONMap and appendJSONMapValue are functions of their own: the
// closures they pass capture b, which moves b to the heap for the whole
// function that declares them.
func appendJSONMap(b []byte, m *Map, web bool, depth int) []byte {
	b = append(b, '{')
	first := true
	m.Entries(func(k, x any) bool {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendJSONString(b, toString(k), web)
		b = append(b, ':')
		b = appendJSON(b, x, web, depth+1)
		return true
	})
	return append(b, '}')
}

func appendJSONMapValue(b []byte, m MapValue, web bool, depth int) []byte {
	b = append(b, '{')
	first := true
	m.Range(func(k string, x any) bool {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendJSONString(b, k, web)
		b = append(b, ':')
		b = appendJSON(b, x, web, depth+1)
		return true
	})
	return append(b, '}')
}

// AppendJSONDouble appends f as json-smart writes a Double: Java's form,
// NaN and infinities as null.
func AppendJSONDouble(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return appendDouble(b, f)
}

// AppendJSONString appends s quoted as json-smart quotes strings: ", \,
// \b \f \n \r \t escaped, control characters, U+007F–U+009F and
// U+2000–U+20FF as \uXXXX, and with web / as \/.
func AppendJSONString(b []byte, s string, web bool) []byte {
	const hex = "0123456789ABCDEF"
	b = append(b, '"')
	for _, r := range s {
		switch r {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '/':
			if web {
				b = append(b, '\\', '/')
			} else {
				b = append(b, '/')
			}
		default:
			if r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x2000 && r <= 0x20ff {
				b = append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
	}
	return append(b, '"')
}
