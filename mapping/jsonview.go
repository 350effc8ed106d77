package mapping

import (
	"errors"
	"reflect"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// value returns node i as a CEL value: scalars converted (numbers as
// [numberValue] does), containers as views over the tape.
func (d *jsonDoc) value(i int32) ref.Val {
	n := &d.nodes[i]
	switch n.kind {
	case jNull:
		return types.NullValue
	case jFalse:
		return types.False
	case jTrue:
		return types.True
	case jNumber:
		return numberValue(d.s[n.start:n.end])
	case jString:
		return types.String(d.str(i))
	case jArray:
		if len(d.arrays) < cap(d.arrays) {
			d.arrays = append(d.arrays, jsonArray{d, i})
			return &d.arrays[len(d.arrays)-1]
		}
		return &jsonArray{d, i}
	}
	return &jsonObject{d, i}
}

// raw is the text of node i, for a container taken whole.
func (d *jsonDoc) raw(i int32) string {
	n := &d.nodes[i]
	return d.s[n.start:n.end]
}

// appendContainer writes a container: its text as sent when the document
// is valid UTF-8, else re-encoded.
func (d *jsonDoc) appendContainer(b []byte, i int32, depth int) ([]byte, error) {
	if !d.dirty {
		return append(b, d.raw(i)...), nil
	}
	return appendNative(b, d.native(i), depth)
}

// jsonObject is a CEL map over an object of a jsonDoc. Keys repeated in
// the text keep their last value, as encoding/json keeps it.
type jsonObject struct {
	d *jsonDoc
	i int32
}

var _ traits.Mapper = (*jsonObject)(nil)

// smallObject is the most members an object is searched in without an
// index.
const smallObject = 8

// find returns the node of the value of key.
func (o *jsonObject) find(key string) (int32, bool) {
	d := o.d
	n := &d.nodes[o.i]
	if n.n > smallObject {
		v, ok := o.index()[key]
		return v, ok
	}
	found, at := false, int32(0)
	for c := o.i + 1; c < n.next; c = d.nodes[c+1].next {
		k := &d.nodes[c]
		if !k.esc && d.s[k.start:k.end] == key || k.esc && d.str(c) == key {
			found, at = true, c+1
		}
	}
	return at, found
}

// index maps each key to its (last) value node.
func (o *jsonObject) index() map[string]int32 {
	d := o.d
	if m, ok := d.objIndex[o.i]; ok {
		return m
	}
	n := &d.nodes[o.i]
	m := make(map[string]int32, n.n)
	for c := o.i + 1; c < n.next; c = d.nodes[c+1].next {
		m[d.str(c)] = c + 1
	}
	if d.objIndex == nil {
		d.objIndex = map[int32]map[string]int32{}
	}
	d.objIndex[o.i] = m
	return m
}

// Find implements traits.Mapper.
func (o *jsonObject) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		if types.IsUnknownOrError(key) {
			return key, false
		}
		return nil, false
	}
	v, found := o.find(string(k))
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
func (o *jsonObject) Size() ref.Val {
	n := o.d.nodes[o.i].n
	if n <= 1 {
		return types.Int(n)
	}
	return types.Int(len(o.index()))
}

// Iterator implements traits.Iterable.
func (o *jsonObject) Iterator() traits.Iterator {
	d := o.d
	n := &d.nodes[o.i]
	keys := make([]string, 0, n.n)
	idx := o.index()
	for c := o.i + 1; c < n.next; c = d.nodes[c+1].next {
		if k := d.str(c); idx[k] == c+1 { // the last of a repeated key
			keys = append(keys, k)
		}
	}
	return types.NewStringList(adapter{}, keys).Iterator()
}

func (o *jsonObject) slow() traits.Mapper {
	return types.NewStringInterfaceMap(adapter{}, o.d.native(o.i).(map[string]any))
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
func (o *jsonObject) Value() any { return o.d.native(o.i) }

// jsonArray is a CEL list over an array of a jsonDoc.
type jsonArray struct {
	d *jsonDoc
	i int32
}

var _ traits.Lister = (*jsonArray)(nil)

// elem returns the node of element k (0 <= k < n).
func (a *jsonArray) elem(k int) int32 {
	d := a.d
	if k < smallObject {
		c := a.i + 1
		for ; k > 0; k-- {
			c = d.nodes[c].next
		}
		return c
	}
	idx, ok := d.arrIndex[a.i]
	if !ok {
		n := &d.nodes[a.i]
		idx = make([]int32, 0, n.n)
		for c := a.i + 1; c < n.next; c = d.nodes[c].next {
			idx = append(idx, c)
		}
		if d.arrIndex == nil {
			d.arrIndex = map[int32][]int32{}
		}
		d.arrIndex[a.i] = idx
	}
	return idx[k]
}

// Get implements traits.Indexer.
func (a *jsonArray) Get(index ref.Val) ref.Val {
	k, err := types.IndexOrError(index)
	if err != nil {
		return types.ValOrErr(index, "%v", err)
	}
	if n := int(a.d.nodes[a.i].n); k < 0 || k >= n {
		return types.NewErr("index '%d' out of range in list size '%d'", k, n)
	}
	return a.d.value(a.elem(k))
}

// Size implements traits.Sizer.
func (a *jsonArray) Size() ref.Val { return types.Int(a.d.nodes[a.i].n) }

// Iterator implements traits.Iterable, walking the tape in order.
func (a *jsonArray) Iterator() traits.Iterator {
	return &jsonArrayIterator{d: a.d, next: a.i + 1, end: a.d.nodes[a.i].next}
}

func (a *jsonArray) slow() traits.Lister { return &jsonList{v: a.d.native(a.i).([]any)} }

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
func (a *jsonArray) Value() any { return a.d.native(a.i) }

// jsonArrayIterator walks an array's elements.
type jsonArrayIterator struct {
	d         *jsonDoc
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
	it.next = it.d.nodes[c].next
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
