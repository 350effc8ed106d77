package mapping

import (
	"errors"
	"reflect"

	"github.com/apigw/apigw/internal/jsontape"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// celDoc is a JSON tape read by a CEL template: its containers are CEL
// views over the tape (jsonObject, jsonArray) that decode a value only
// when the template reads it, and a container taken whole is written out
// as the text it was sent as.
type celDoc struct {
	*jsontape.Doc
	// arrays is room for array views, reused with the activation so that
	// reading an array allocates nothing; used only up to its capacity,
	// so that a view never moves.
	arrays []jsonArray
}

// value returns node i as a CEL value: scalars converted (numbers as
// [numberValue] does), containers as views over the tape.
func (d *celDoc) value(i int32) ref.Val {
	switch d.Kind(i) {
	case jsontape.Null:
		return types.NullValue
	case jsontape.False:
		return types.False
	case jsontape.True:
		return types.True
	case jsontape.Number:
		return numberValue(d.Raw(i))
	case jsontape.String:
		return types.String(d.Str(i))
	case jsontape.Array:
		if len(d.arrays) < cap(d.arrays) {
			d.arrays = append(d.arrays, jsonArray{d, i})
			return &d.arrays[len(d.arrays)-1]
		}
		return &jsonArray{d, i}
	}
	return &jsonObject{d, i}
}

// appendContainer writes a container: its text as sent when the document
// is valid UTF-8, else re-encoded.
func (d *celDoc) appendContainer(b []byte, i int32, depth int) ([]byte, error) {
	if d.Clean() {
		return append(b, d.Raw(i)...), nil
	}
	return appendNative(b, d.Native(i), depth)
}

// jsonObject is a CEL map over an object of a tape. Keys repeated in the
// text keep their last value, as encoding/json keeps it.
type jsonObject struct {
	d *celDoc
	i int32
}

var _ traits.Mapper = (*jsonObject)(nil)

// Find implements traits.Mapper.
func (o *jsonObject) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		if types.IsUnknownOrError(key) {
			return key, false
		}
		return nil, false
	}
	v, found := o.d.Find(o.i, string(k))
	if !found {
		return nil, false
	}
	return o.d.value(v), true
}

// Get implements traits.Indexer.
func (o *jsonObject) Get(key ref.Val) ref.Val {
	if v, found := o.Find(key); found {
		return v
	} else if v != nil {
		return v
	}
	return types.NewErr("no such key: %v", key)
}

// Contains implements traits.Container.
func (o *jsonObject) Contains(key ref.Val) ref.Val {
	_, found := o.Find(key)
	return types.Bool(found)
}

// Size implements traits.Sizer: the number of distinct keys.
func (o *jsonObject) Size() ref.Val { return types.Int(o.d.Distinct(o.i)) }

// Iterator implements traits.Iterable.
func (o *jsonObject) Iterator() traits.Iterator {
	d := o.d
	keys := make([]string, 0, d.Len(o.i))
	for c := o.i + 1; c < d.Next(o.i); c = d.Next(c + 1) {
		if d.Effective(o.i, c) { // the last of a repeated key
			keys = append(keys, d.Str(c))
		}
	}
	return types.NewStringList(adapter{}, keys).Iterator()
}

func (o *jsonObject) slow() traits.Mapper {
	return types.NewStringInterfaceMap(adapter{}, o.d.Native(o.i).(map[string]any))
}

// ConvertToNative implements ref.Val.
func (o *jsonObject) ConvertToNative(t reflect.Type) (any, error) { return o.slow().ConvertToNative(t) }

// ConvertToType implements ref.Val.
func (o *jsonObject) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.MapType:
		return o
	case types.TypeType:
		return types.MapType
	}
	return types.NewErr("type conversion error from map to '%s'", t)
}

// Equal implements ref.Val.
func (o *jsonObject) Equal(other ref.Val) ref.Val { return o.slow().Equal(other) }

// Type implements ref.Val.
func (o *jsonObject) Type() ref.Type { return types.MapType }

// Value implements ref.Val: the object as map[string]any.
func (o *jsonObject) Value() any { return o.d.Native(o.i) }

// jsonArray is a CEL list over an array of a tape.
type jsonArray struct {
	d *celDoc
	i int32
}

var _ traits.Lister = (*jsonArray)(nil)

// Get implements traits.Indexer.
func (a *jsonArray) Get(index ref.Val) ref.Val {
	k, err := types.IndexOrError(index)
	if err != nil {
		return types.ValOrErr(index, "%v", err)
	}
	if n := a.d.Len(a.i); k < 0 || k >= n {
		return types.NewErr("index '%d' out of range in list size '%d'", k, n)
	}
	return a.d.value(a.d.Elem(a.i, k))
}

// Size implements traits.Sizer.
func (a *jsonArray) Size() ref.Val { return types.Int(a.d.Len(a.i)) }

// Iterator implements traits.Iterable, walking the tape in order.
func (a *jsonArray) Iterator() traits.Iterator {
	return &jsonArrayIterator{d: a.d, next: a.i + 1, end: a.d.Next(a.i)}
}

func (a *jsonArray) slow() traits.Lister { return &jsonList{v: a.d.Native(a.i).([]any)} }

// Add implements traits.Adder.
func (a *jsonArray) Add(other ref.Val) ref.Val { return a.slow().Add(other) }

// Contains implements traits.Container.
func (a *jsonArray) Contains(v ref.Val) ref.Val { return a.slow().Contains(v) }

// ConvertToNative implements ref.Val.
func (a *jsonArray) ConvertToNative(t reflect.Type) (any, error) { return a.slow().ConvertToNative(t) }

// ConvertToType implements ref.Val.
func (a *jsonArray) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.ListType:
		return a
	case types.TypeType:
		return types.ListType
	}
	return types.NewErr("type conversion error from list to '%s'", t)
}

// Equal implements ref.Val.
func (a *jsonArray) Equal(other ref.Val) ref.Val { return a.slow().Equal(other) }

// Type implements ref.Val.
func (a *jsonArray) Type() ref.Type { return types.ListType }

// Value implements ref.Val: the array as []any.
func (a *jsonArray) Value() any { return a.d.Native(a.i) }

// jsonArrayIterator walks an array's elements.
type jsonArrayIterator struct {
	d         *celDoc
	next, end int32
}

// HasNext implements traits.Iterator.
func (it *jsonArrayIterator) HasNext() ref.Val { return types.Bool(it.next < it.end) }

// Next implements traits.Iterator.
func (it *jsonArrayIterator) Next() ref.Val {
	if it.next >= it.end {
		return nil
	}
	c := it.next
	it.next = it.d.Next(c)
	return it.d.value(c)
}

// ConvertToNative implements ref.Val.
func (it *jsonArrayIterator) ConvertToNative(reflect.Type) (any, error) {
	return nil, errors.New("type conversion on iterators not supported")
}

// ConvertToType implements ref.Val.
func (it *jsonArrayIterator) ConvertToType(ref.Type) ref.Val {
	return types.NewErr("no such overload")
}

// Equal implements ref.Val.
func (it *jsonArrayIterator) Equal(ref.Val) ref.Val { return types.NewErr("no such overload") }

// Type implements ref.Val.
func (it *jsonArrayIterator) Type() ref.Type { return types.IteratorType }

// Value implements ref.Val.
func (it *jsonArrayIterator) Value() any { return nil }
