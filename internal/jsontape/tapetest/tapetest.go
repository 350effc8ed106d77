// Package tapetest holds what the tests of the JSON tape's readers share:
// encoding/json's reading of a text, the truth a tape is compared with,
// and texts to compare on.
package tapetest

import (
	"bytes"
	"encoding/json"
	"io"
)

// Decode reads data as a tape must: encoding/json into an any with
// UseNumber, nothing but white space after the value, blank is nil.
func Decode(data []byte) (any, error) {
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

// Seeds are JSON texts, valid and not: escapes, surrogates, invalid
// UTF-8, repeated keys, numbers written every way.
var Seeds = []string{
	``, ` `, "\v", "\u00a0", `null`, `true`, `false`, `0`, `-0`, `1`, `-1.5e+10`, `1E-2`, `12345678901234567890123`,
	`""`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u20ac\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ude00"`, `"\ud83d\u0041"`,
	`"\ud83d\ud83d\ude00"`, "\"\xff\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", `[]`, `{}`, `[1,"a",null,true,{"b":[]}]`,
	`{"a":1,"a":2}`, ` {"a" : [ 1 , 2 ] } `, `{"a":1,"\u0061":2,"b":{"a":3}}`,
	`{"id":1234,"artist":"Queen","popularity":90,"genres":["Progressive rock","Pop rock","Glam rock"]}`,
	// invalid
	`{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{1:2}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `tru`, `nul`, `"abc`, `"\x"`,
	`"\u12"`, `"\u12zz"`, "\"a\nb\"", `1 2`, `[1] x`, `"\ud83d\uzzzz"`, `[`, `["a`, `{"a"`, `{"a":`, `NaN`, `Infinity`,
	"\xef\xbb\xbf{}", `{"a":1}}`, "\v1",
}
