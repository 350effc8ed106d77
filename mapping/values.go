package mapping

import (
	"net/textproto"
	"reflect"
	"slices"
	"strings"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// valuesMap is a map(string, string) view of query string values or
// headers without copying them: a name maps to its first value, as
// $input.params() gives one value per name. Header names are looked up
// case-insensitively.
type valuesMap struct {
	m      map[string][]string
	header bool
}

var _ traits.Mapper = (*valuesMap)(nil)

func (v *valuesMap) lookup(key string) (string, bool) {
	vs, ok := v.m[key]
	if !ok && v.header {
		vs, ok = v.m[textproto.CanonicalMIMEHeaderKey(key)]
		if !ok {
			for k, x := range v.m {
				if strings.EqualFold(k, key) {
					vs, ok = x, true
					break
				}
			}
		}
	}
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// Find implements traits.Mapper.
func (v *valuesMap) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		if types.IsUnknownOrError(key) {
			return key, false
		}
		return nil, false
	}
	s, found := v.lookup(string(k))
	if !found {
		return nil, false
	}
	return types.String(s), true
}

// Get implements traits.Indexer.
func (v *valuesMap) Get(key ref.Val) ref.Val {
	if val, found := v.Find(key); found {
		return val
	} else if val != nil {
		return val
	}
	return types.NewErr("no such key: %v", key)
}

// Contains implements traits.Container.
func (v *valuesMap) Contains(key ref.Val) ref.Val {
	_, found := v.Find(key)
	return types.Bool(found)
}

// Size implements traits.Sizer.
func (v *valuesMap) Size() ref.Val {
	n := 0
	for _, vs := range v.m {
		if len(vs) > 0 {
			n++
		}
	}
	return types.Int(n)
}

// flat returns the map as map[string]string (first values).
func (v *valuesMap) flat() map[string]string {
	out := make(map[string]string, len(v.m))
	for k, vs := range v.m {
		if len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	return out
}

func (v *valuesMap) keys() []string {
	keys := make([]string, 0, len(v.m))
	for k, vs := range v.m {
		if len(vs) > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// Iterator implements traits.Iterable, in sorted key order.
func (v *valuesMap) Iterator() traits.Iterator {
	return types.NewStringList(adapter{}, v.keys()).Iterator()
}

// ConvertToNative implements ref.Val.
func (v *valuesMap) ConvertToNative(t reflect.Type) (any, error) {
	return types.NewStringStringMap(adapter{}, v.flat()).ConvertToNative(t)
}

// ConvertToType implements ref.Val.
func (v *valuesMap) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.MapType:
		return v
	case types.TypeType:
		return types.MapType
	}
	return types.NewErr("type conversion error from map to '%s'", t)
}

// Equal implements ref.Val.
func (v *valuesMap) Equal(other ref.Val) ref.Val {
	return types.NewStringStringMap(adapter{}, v.flat()).Equal(other)
}

// Type implements ref.Val.
func (v *valuesMap) Type() ref.Type { return types.MapType }

// Value implements ref.Val.
func (v *valuesMap) Value() any { return v.flat() }

// appendJSON writes the map as a JSON object, keys sorted.
func (v *valuesMap) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, k := range v.keys() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, v.m[k][0])
	}
	return append(b, '}')
}
