package mapping

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/jsontape"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// maxOutputBytes bounds what one evaluation may produce: a rendered
// template, a util.toJson result, a replace or join: AWS's payload limit.
const maxOutputBytes = apigw.MaxBodyBytes

// maxDepth bounds the nesting of values written as JSON, as encoding/json
// bounds what it reads.
const maxDepth = jsontape.MaxDepth

var (
	errTooLarge = fmt.Errorf("mapping: output exceeds %d bytes", maxOutputBytes)
	errTooDeep  = errors.New("mapping: value nested too deeply to write as JSON")
)

// appendJSON appends v as JSON to dst. Object keys are written in sorted
// order, as encoding/json writes Go maps, so that output is deterministic.
func appendJSON(dst []byte, v ref.Val) ([]byte, error) {
	return appendValue(dst, v, 0)
}

func appendValue(b []byte, v ref.Val, depth int) ([]byte, error) {
	if len(b) > maxOutputBytes {
		return b, errTooLarge
	}
	if depth > maxDepth {
		return b, errTooDeep
	}
	switch v := v.(type) {
	case types.String:
		return appendString(b, string(v)), nil
	case types.Int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case types.Uint:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case types.Double:
		return appendFloat(b, float64(v))
	case types.Bool:
		return strconv.AppendBool(b, bool(v)), nil
	case types.Null:
		return append(b, "null"...), nil
	case types.Bytes:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, []byte(v))
		return append(b, '"'), nil
	case types.Timestamp:
		return appendString(b, v.Time.UTC().Format(time.RFC3339Nano)), nil
	case types.Duration:
		return appendString(b, v.ConvertToType(types.StringType).(types.String).Value().(string)), nil
	case *types.Optional:
		if !v.HasValue() {
			return append(b, "null"...), nil
		}
		return appendValue(b, v.GetValue(), depth)
	case *types.Err:
		return b, v
	case *valuesMap:
		return v.appendJSON(b), nil
	case *jsonObject:
		return v.d.appendContainer(b, v.i, depth)
	case *jsonArray:
		return v.d.appendContainer(b, v.i, depth)
	case traits.Mapper:
		switch n := v.Value().(type) {
		case map[string]any:
			return appendNative(b, n, depth)
		case map[string]string:
			return appendNative(b, n, depth)
		case map[ref.Val]ref.Val: // a map literal
			return appendRefValMap(b, n, depth)
		}
		return appendMapper(b, v, depth)
	case traits.Lister:
		switch n := v.Value().(type) {
		case []any:
			return appendNative(b, n, depth)
		case []string:
			return appendNative(b, n, depth)
		}
		size, _ := v.Size().(types.Int)
		b = append(b, '[')
		for i := types.Int(0); i < size; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, v.Get(i), depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	return b, fmt.Errorf("mapping: a %s cannot be written as JSON", v.Type().TypeName())
}

func appendRefValMap(b []byte, m map[ref.Val]ref.Val, depth int) ([]byte, error) {
	var arr [16]mapEntry
	entries := arr[:0]
	for k, v := range m {
		name, err := keyName(k)
		if err != nil {
			return b, err
		}
		entries = append(entries, mapEntry{name, v})
	}
	return appendEntries(b, entries, depth)
}

func appendMapper(b []byte, m traits.Mapper, depth int) ([]byte, error) {
	var arr [16]mapEntry
	entries := arr[:0]
	for it := m.Iterator(); it.HasNext() == types.True; {
		k := it.Next()
		name, err := keyName(k)
		if err != nil {
			return b, err
		}
		entries = append(entries, mapEntry{name, m.Get(k)})
	}
	return appendEntries(b, entries, depth)
}

// mapEntry is one member of a map being written as a JSON object.
type mapEntry struct {
	name string
	val  ref.Val
}

// appendEntries writes a map's members as a JSON object, keys in sorted
// order.
func appendEntries(b []byte, entries []mapEntry, depth int) ([]byte, error) {
	if len(entries) > 1 {
		slices.SortFunc(entries, func(x, y mapEntry) int { return strings.Compare(x.name, y.name) })
	}
	b = append(b, '{')
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e.name)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, e.val, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// keyName is a map key as a JSON object key.
func keyName(k ref.Val) (string, error) {
	switch k := k.(type) {
	case types.String:
		return string(k), nil
	case types.Int:
		return strconv.FormatInt(int64(k), 10), nil
	case types.Uint:
		return strconv.FormatUint(uint64(k), 10), nil
	case types.Bool:
		return strconv.FormatBool(bool(k)), nil
	}
	return "", fmt.Errorf("mapping: a map key of type %s cannot be written as JSON", k.Type().TypeName())
}

// appendNative appends a Go value as read from JSON or XML (or a header
// map) without converting it to CEL values first.
func appendNative(b []byte, v any, depth int) ([]byte, error) {
	if len(b) > maxOutputBytes {
		return b, errTooLarge
	}
	if depth > maxDepth {
		return b, errTooDeep
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, v), nil
	case json.Number:
		return append(b, v...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		return appendFloat(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case map[string]any:
		var arr [16]string
		keys := arr[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendNative(b, v[k], depth+1); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case map[string]string:
		var arr [16]string
		keys := arr[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, v[k])
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendNative(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case []string:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']'), nil
	case ref.Val:
		return appendValue(b, v, depth)
	}
	return appendValue(b, adapter{}.NativeToValue(v), depth)
}

// appendFloat writes f as encoding/json does; NaN and infinities have no
// JSON form.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("mapping: %v cannot be written as JSON", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendString appends s as a quoted JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendEscaped appends s escaped for the inside of a JSON string: quotes,
// backslashes and control characters escaped, invalid UTF-8 replaced by
// U+FFFD, and U+2028/U+2029 escaped so that the output is also valid
// JavaScript. Unlike encoding/json, <, > and & are left alone.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// appendText appends the value of a {{ hole }} of a text template: strings
// and bytes as they are, numbers and bools in their JSON form, null and an
// empty optional as nothing, maps and lists as JSON.
func appendText(b []byte, v ref.Val) ([]byte, error) {
	switch v := v.(type) {
	case types.String:
		return append(b, v...), nil
	case types.Bytes:
		return append(b, v...), nil
	case types.Null:
		return b, nil
	case types.Timestamp:
		return v.Time.UTC().AppendFormat(b, time.RFC3339Nano), nil
	case types.Duration:
		return append(b, v.ConvertToType(types.StringType).(types.String)...), nil
	case *types.Optional:
		if !v.HasValue() {
			return b, nil
		}
		return appendText(b, v.GetValue())
	}
	return appendValue(b, v, 0)
}
