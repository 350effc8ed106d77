package mapping

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
)

// stdParse is what parseJSON must agree with: encoding/json into an any
// with UseNumber, nothing but white space after the value, blank is nil.
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

var jsonSeeds = []string{
	``, ` `, `null`, `true`, `false`, `0`, `-0`, `1`, `-1.5e+10`, `1E-2`, `12345678901234567890123`,
	`""`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u20ac\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ude00"`, `"\ud83d\u0041"`,
	`"\ud83d\ud83d\ude00"`, "\"\xff\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", `[]`, `{}`, `[1,"a",null,true,{"b":[]}]`,
	`{"a":1,"a":2}`, ` {"a" : [ 1 , 2 ] } `, artistBody,
	// invalid
	`{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{1:2}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `tru`, `nul`, `"abc`, `"\x"`,
	`"\u12"`, `"\u12zz"`, "\"a\nb\"", `1 2`, `[1] x`, `"\ud83d\uzzzz"`, `[`, `["a`, `{"a"`, `{"a":`, `NaN`, `Infinity`,
	"\xef\xbb\xbf{}", `{"a":1}}`,
}

func TestParseJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range jsonSeeds {
		checkParseJSON(t, []byte(s))
	}
	checkParseJSON(t, []byte(strings.Repeat("[", maxDepth)+strings.Repeat("]", maxDepth)))
	checkParseJSON(t, []byte(strings.Repeat("[", maxDepth+1)+strings.Repeat("]", maxDepth+1)))
}

func checkParseJSON(t *testing.T, data []byte) {
	t.Helper()
	got, err := parseJSON(data)
	want, wantErr := stdParse(data)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/json %v", data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: got %#v, encoding/json %#v", data, got, want)
	}
}

// FuzzParseJSON checks parseJSON against encoding/json on any input.
func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParseJSON(t, data)
	})
}

// TestWriteJSONRoundTrip: what appendJSON writes encoding/json reads back
// as the same value.
func TestWriteJSONRoundTrip(t *testing.T) {
	for _, s := range jsonSeeds {
		v, err := parseJSON([]byte(s))
		if err != nil || v == nil {
			continue
		}
		out, err := appendNative(nil, v, 0)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		back, err := stdParse(out)
		if err != nil {
			t.Fatalf("%q: wrote %q: %v", s, out, err)
		}
		if !reflect.DeepEqual(back, v) {
			t.Errorf("%q: wrote %q, read back %#v", s, out, back)
		}
	}
}
