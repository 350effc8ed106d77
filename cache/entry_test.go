package cache

import (
	"bytes"
	"net/http"
	"reflect"
	"testing"
)

func TestEntryEncoding(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		body   []byte
	}{
		{"empty", 204, nil, nil},
		{"json", 200, http.Header{"Content-Type": {"application/json"}, "Content-Length": {"2"}}, []byte("{}")},
		{"multi-valued and empty values", 203, http.Header{"Vary": {"Accept", "Origin"}, "X-Empty": {""}}, []byte("x")},
		{"binary body", 200, http.Header{"Content-Type": {"application/octet-stream"}}, []byte{0, 1, 2, 0xff, '1'}},
		{"non-canonical names merge", 200, http.Header{"x-a": {"1"}, "X-A": {"2"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEntry(tt.status, tt.header, tt.body)
			data, err := e.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var got Entry
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if got.Status() != tt.status || !bytes.Equal(got.Body(), tt.body) {
				t.Errorf("got %d %q, want %d %q", got.Status(), got.Body(), tt.status, tt.body)
			}
			if !reflect.DeepEqual(got.Header(), e.Header()) || got.Size() != e.Size() {
				t.Errorf("header %v size %d, want %v size %d", got.Header(), got.Size(), e.Header(), e.Size())
			}
			again, _ := got.MarshalBinary()
			if !bytes.Equal(again, data) {
				t.Errorf("encoding is not canonical")
			}
			data[len(data)-1] ^= 0xff // the decoded entry owns its bytes
			if len(tt.body) > 0 && !bytes.Equal(got.Body(), tt.body) {
				t.Errorf("decoded body shares the input")
			}
		})
	}
	var e Entry
	for _, bad := range [][]byte{nil, {}, {'2'}, {'1'}, {'1', 200}, {'1', 0xc8, 0x01, 5}} {
		if err := e.UnmarshalBinary(bad); err == nil {
			t.Errorf("UnmarshalBinary(%v) = nil, want an error", bad)
		}
	}
}

func TestEntryHeaderIsACopy(t *testing.T) {
	e := NewEntry(200, http.Header{"X-A": {"1"}}, nil)
	e.Header()["X-A"][0] = "changed"
	if got := e.Header().Get("X-A"); got != "1" {
		t.Errorf("entry changed through Header(): %q", got)
	}
}
