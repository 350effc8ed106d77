package mapping

import (
	"bytes"
	"testing"

	"github.com/apigw/apigw/internal/jsontape"
	"github.com/apigw/apigw/internal/vtl"
)

// plainVTL copies a view into the template's own maps and lists, which
// vtl.AppendJSON writes value by value.
func plainVTL(v any) any {
	switch v := v.(type) {
	case *vtlObject:
		m := vtl.NewMap(0)
		v.Range(func(k string, x any) bool { m.Put(k, plainVTL(x)); return true })
		return m
	case *vtlArray:
		l := &vtl.List{}
		for i := 0; i < v.Len(); i++ {
			l.Elems = append(l.Elems, plainVTL(v.Index(i)))
		}
		return l
	}
	return v
}

// FuzzVTLViewJSON checks that a view writes its JSON straight from the
// tape as vtl.AppendJSON writes the values it reads as.
func FuzzVTLViewJSON(f *testing.F) {
	for _, s := range []string{
		artistBody, `[1,-0,1e2,1.5e300,1e400,-1e400,9223372036854775808,"a\/b\u2028\"",null,true,false,{}]`,
		`{"a":1,"a":{"b":[2,{"c":null}],"b":3},"d":"\u00e9\ud83d"}`, `"x"`, `12.50`, ``, "\"\xff\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var doc jsontape.Doc
		if doc.Parse(string(body)) != nil {
			return
		}
		d := &vtlDoc{Doc: &doc}
		for _, web := range []bool{false, true} {
			got := d.appendJSON(nil, 0, web)
			want := vtl.AppendJSON(nil, plainVTL(d.value(0)), web)
			if !bytes.Equal(got, want) {
				t.Fatalf("web %v: %s, want %s", web, got, want)
			}
		}
	})
}

// TestVTLArrayCursor reads an array's elements in and out of order, as
// #foreach and $a.get(i) do: each read gives the element at its index.
func TestVTLArrayCursor(t *testing.T) {
	var doc jsontape.Doc
	if err := doc.Parse(`[0,"1",[2],{"3":3},"4","5","6","7","8","9","10",11,"12"]`); err != nil {
		t.Fatal(err)
	}
	d := &vtlDoc{Doc: &doc}
	a := d.value(0).(*vtlArray)
	for _, k := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 11, 3, 4, 5, 0, 1, 9, 10, 2} {
		want := vtl.ToString(d.value(doc.Elem(0, k)))
		if got := vtl.ToString(a.Index(k)); got != want {
			t.Errorf("Index(%d) = %s, want %s", k, got, want)
		}
		s, ok := a.StringAt(k)
		if _, isString := d.value(doc.Elem(0, k)).(string); ok != isString || ok && s != want {
			t.Errorf("StringAt(%d) = %q, %v; want %s", k, s, ok, want)
		}
	}
}
