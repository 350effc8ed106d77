package jsontape

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
)

// stdParse is what a Doc must agree with: encoding/json into an any with
// UseNumber, nothing but white space after the value, blank is nil.
func stdParse(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	return v, nil
}

// Seeds are JSON texts, valid and not, that the readers of the tape are
// tested on.
var seeds = []string{
	``, ` `, "\v", "\u00a0", `null`, `true`, `false`, `0`, `-0`, `1`, `-1.5e+10`, `1E-2`, `12345678901234567890123`,
	`""`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u20ac\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ude00"`, `"\ud83d\u0041"`,
	`"\ud83d\ud83d\ude00"`, "\"\xff\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", `[]`, `{}`, `[1,"a",null,true,{"b":[]}]`,
	`{"a":1,"a":2}`, ` {"a" : [ 1 , 2 ] } `, `{"a":1,"\u0061":2,"b":{"a":3}}`,
	`{"artist":"Queen","genres":["rock","glam rock"],"popularity":90,"formed":1970,"active":true}`,
	// invalid
	`{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{1:2}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `tru`, `nul`, `"abc`, `"\x"`,
	`"\u12"`, `"\u12zz"`, "\"a\nb\"", `1 2`, `[1] x`, `"\ud83d\uzzzz"`, `[`, `["a`, `{"a"`, `{"a":`, `NaN`, `Infinity`,
	"\xef\xbb\xbf{}", `{"a":1}}`, "\v1",
}

func TestParseAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		checkParse(t, []byte(s))
	}
	checkParse(t, []byte(strings.Repeat("[", MaxDepth)+strings.Repeat("]", MaxDepth)))
	checkParse(t, []byte(strings.Repeat("[", MaxDepth+1)+strings.Repeat("]", MaxDepth+1)))
}

func checkParse(t *testing.T, data []byte) {
	t.Helper()
	var d Doc
	err := d.Parse(string(data))
	want, wantErr := stdParse(data)
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
	for _, s := range seeds {
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
			if _, err := stdParse([]byte(artist)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
