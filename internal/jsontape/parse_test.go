package jsontape

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/jsontape/tapetest"
)

func TestParseAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range tapetest.Seeds {
		checkParse(t, []byte(s))
	}
	checkParse(t, []byte(strings.Repeat("[", MaxDepth)+strings.Repeat("]", MaxDepth)))
	checkParse(t, []byte(strings.Repeat("[", MaxDepth+1)+strings.Repeat("]", MaxDepth+1)))
}

func checkParse(t *testing.T, data []byte) {
	t.Helper()
	var d Doc
	err := d.Parse(string(data))
	want, wantErr := tapetest.Decode(data)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/json %v", data, err, wantErr)
	}
	if err != nil {
		return
	}
	if got := d.Native(0); !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: got %#v, encoding/json %#v", data, got, want)
	}
	checkReaders(t, &d, 0, want)
}

// checkReaders walks node i with the tape's readers and checks them
// against v, its value as encoding/json decodes it.
func checkReaders(t *testing.T, d *Doc, i int32, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		if d.Kind(i) != Object || d.Distinct(i) != len(v) {
			t.Fatalf("%q: node %d: kind %d, %d distinct keys, want an object of %d", d.Text(), i, d.Kind(i), d.Distinct(i), len(v))
		}
		seen := 0
		for k := i + 1; k < d.Next(i); k = d.Next(k + 1) {
			if d.Effective(i, k) {
				seen++
				if at, ok := d.Find(i, d.Str(k)); !ok || at != k+1 {
					t.Fatalf("%q: Find(%q) = %d, %v; want %d", d.Text(), d.Str(k), at, ok, k+1)
				}
				checkReaders(t, d, k+1, v[d.Str(k)])
			}
		}
		if seen != len(v) {
			t.Fatalf("%q: %d effective keys, want %d", d.Text(), seen, len(v))
		}
	case []any:
		if d.Kind(i) != Array || d.Len(i) != len(v) {
			t.Fatalf("%q: node %d is not an array of %d", d.Text(), i, len(v))
		}
		for k := range v {
			checkReaders(t, d, d.Elem(i, k), v[k])
		}
	case string:
		if d.Kind(i) != String || d.Str(i) != v || !d.StrEquals(i, v) || d.RuneCount(i) != len([]rune(v)) {
			t.Fatalf("%q: node %d: %q, want %q", d.Text(), i, d.Str(i), v)
		}
	}
}

// FuzzParse checks the tape against encoding/json on any input.
func FuzzParse(f *testing.F) {
	for _, s := range tapetest.Seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data)
	})
}

func TestBody(t *testing.T) {
	var b Body
	b.Reset([]byte(`{"a":[1,2]}`))
	out, err := io.ReadAll(&b)
	if err != nil || string(out) != `{"a":[1,2]}` {
		t.Fatalf("read %q, %v", out, err)
	}
	d, err := b.Doc()
	if err != nil || d.Kind(0) != Object {
		t.Fatalf("Doc: %v", err)
	}
	again, _ := b.Doc()
	if again != d {
		t.Error("the body was parsed twice")
	}
	b.Reset([]byte(`{`))
	if _, err := b.Doc(); err == nil {
		t.Error("a body reset to {} kept its old parse")
	}
	var w strings.Builder
	b.Reset([]byte("xyz"))
	if n, err := io.Copy(&w, &b); n != 3 || err != nil || w.String() != "xyz" {
		t.Errorf("io.Copy: %d %v %q", n, err, w.String())
	}
}

func BenchmarkParse(b *testing.B) {
	const artist = `{"artist":"Queen","genres":["rock","glam rock","hard rock"],"popularity":90,"formed":1970,"active":true,"members":[{"name":"Freddie Mercury","role":"vocals"},{"name":"Brian May","role":"guitar"}]}`
	b.Run("tape", func(b *testing.B) {
		b.ReportAllocs()
		var d Doc
		for b.Loop() {
			if err := d.Parse(artist); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tape_native", func(b *testing.B) {
		b.ReportAllocs()
		var d Doc
		for b.Loop() {
			if err := d.Parse(artist); err != nil {
				b.Fatal(err)
			}
			_ = d.Native(0)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tapetest.Decode([]byte(artist)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
