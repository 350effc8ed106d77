package mapping

import (
	"encoding/json"
	"reflect"
	"strconv"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// adapter turns the Go values a template reads (parsed JSON and XML,
// header maps) into CEL values lazily: a map or list is wrapped, not
// copied, and its elements are converted when they are read. It differs
// from cel-go's default adapter in one way: a [json.Number] becomes a CEL
// int when its text is an integer that fits in 64 bits, else a double.
type adapter struct{}

// NativeToValue implements types.Adapter.
func (adapter) NativeToValue(native any) ref.Val {
	switch v := native.(type) {
	case ref.Val:
		return v
	case string:
		return types.String(v)
	case json.Number:
		return numberValue(string(v))
	case map[string]any:
		return types.NewStringInterfaceMap(adapter{}, v)
	case []any:
		return &jsonList{v: v, boxed: native}
	case bool:
		return types.Bool(v)
	case nil:
		return types.NullValue
	}
	return types.DefaultTypeAdapter.NativeToValue(native)
}

// numberValue converts JSON number text: an int when it is written as an
// integer and fits in int64, else a double.
func numberValue(s string) ref.Val {
	integral := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == 'e' || c == 'E' {
			integral = false
			break
		}
	}
	if integral {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return types.Int(n)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && f == 0 {
		return types.NewErr("mapping: bad JSON number %q", s)
	}
	// Out of range numbers parse to ±Inf with an error: keep the infinity,
	// as a JSON reader in another language would.
	return types.Double(f)
}

// jsonList is a CEL list over a []any read from JSON or XML. It reads
// elements in place (one allocation where cel-go's reflective list takes
// four); the rarer operations go through cel-go's own list.
type jsonList struct {
	v     []any
	boxed any // v as an any, so that Value does not allocate
}

var _ traits.Lister = (*jsonList)(nil)

func (l *jsonList) slow() traits.Lister { return types.NewDynamicList(adapter{}, l.v) }

// Get implements traits.Indexer.
func (l *jsonList) Get(index ref.Val) ref.Val {
	i, ok := index.(types.Int)
	if !ok {
		return l.slow().Get(index)
	}
	if i < 0 || int64(i) >= int64(len(l.v)) {
		return types.NewErr("index '%d' out of range in list size '%d'", i, len(l.v))
	}
	return adapter{}.NativeToValue(l.v[i])
}

// Size implements traits.Sizer.
func (l *jsonList) Size() ref.Val { return types.Int(len(l.v)) }

// Add implements traits.Adder.
func (l *jsonList) Add(other ref.Val) ref.Val { return l.slow().Add(other) }

// Contains implements traits.Container.
func (l *jsonList) Contains(v ref.Val) ref.Val { return l.slow().Contains(v) }

// Iterator implements traits.Iterable.
func (l *jsonList) Iterator() traits.Iterator { return l.slow().Iterator() }

// Fold implements traits.Foldable.
func (l *jsonList) Fold(f traits.Folder) {
	for i, e := range l.v {
		if !f.FoldEntry(i, e) {
			break
		}
	}
}

// ConvertToNative implements ref.Val.
func (l *jsonList) ConvertToNative(t reflect.Type) (any, error) { return l.slow().ConvertToNative(t) }

// ConvertToType implements ref.Val.
func (l *jsonList) ConvertToType(t ref.Type) ref.Val { return l.slow().ConvertToType(t) }

// Equal implements ref.Val.
func (l *jsonList) Equal(other ref.Val) ref.Val { return l.slow().Equal(other) }

// Type implements ref.Val.
func (l *jsonList) Type() ref.Type { return types.ListType }

// Value implements ref.Val.
func (l *jsonList) Value() any {
	if l.boxed == nil {
		return l.v
	}
	return l.boxed
}
