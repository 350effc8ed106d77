package cache

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apigw/apigw"
)

// parseKeyFields splits a key after its namespace into its fields, or
// reports that it is malformed.
func parseKeyFields(key, ns string) ([]string, bool) {
	rest, ok := strings.CutPrefix(key, ns)
	if !ok {
		return nil, false
	}
	var fields []string
	for rest != "" {
		n, after, ok := strings.Cut(rest, ":")
		l, err := strconv.Atoi(n)
		if !ok || err != nil || l < 0 || l > len(after) || strconv.Itoa(l) != n {
			return nil, false
		}
		fields = append(fields, after[:l])
		rest = after[l:]
	}
	return fields, true
}

// FuzzRequestKey builds keys from untrusted query strings, headers and path
// values and checks that the key is well formed, holds exactly what a Go
// backend would read for the declared parameters (no more, no less, in
// canonical order), and is the key a Key built in Go gives.
func FuzzRequestKey(f *testing.F) {
	f.Add("a=1&b=2", "text/html", "1234", "/artists/1234")
	f.Add("b=2&a=1&a=3", "", "", "/")
	f.Add("a=%zz&a=1;2&a=+%20&&=&a", "a\x00b", "x:y", "/a%2Fb")
	f.Add("l%61ng=en&a=5%3A1%3Aa", "1:x", "0:", "/%")
	c := mustNew(f, Config{})
	params, err := parseKeyParameters([]string{
		"method.request.querystring.b", "method.request.header.accept",
		"method.request.path.id", "method.request.querystring.a",
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, rawQuery, accept, id, path string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: path, RawQuery: rawQuery}, Header: http.Header{}}
		if accept != "" {
			r.Header["Accept"] = strings.Split(accept, "\n")
		}
		ac := &apigw.Context{Stage: "prod", ResourcePath: "/artists/{id}", PathParameters: map[string]string{"id": id, "other": accept}}
		key := string(c.appendRequestKey(nil, r, ac, "GET", params))

		fields, ok := parseKeyFields(key, c.ns)
		if !ok || len(fields) < 4 || len(fields)%2 != 0 {
			t.Fatalf("malformed key %q", key)
		}
		if fields[0] != "prod" || fields[1] != "" || fields[2] != "GET" || fields[3] != "/artists/{id}" {
			t.Fatalf("key head %q", fields[:4])
		}
		got := map[string][]string{}
		var labels []string
		for i := 4; i < len(fields); i += 2 {
			if len(labels) == 0 || labels[len(labels)-1] != fields[i] {
				labels = append(labels, fields[i])
			}
			got[fields[i]] = append(got[fields[i]], fields[i+1])
		}
		if !slices.IsSorted(labels) || len(labels) != len(got) {
			t.Fatalf("parameters not in canonical order: %q", labels)
		}
		q := r.URL.Query() // what a Go backend reads
		want := map[string][]string{}
		for name, vs := range map[string][]string{
			"method.request.querystring.a": q["a"],
			"method.request.querystring.b": q["b"],
			"method.request.header.Accept": r.Header["Accept"],
			"method.request.path.id":       {id},
		} {
			if len(vs) > 0 {
				want[name] = vs
			}
		}
		if !mapsEqual(got, want) {
			t.Fatalf("key holds %q, backend reads %q", got, want)
		}
		built, err := c.Key(Key{Stage: "prod", Method: "GET", Resource: "/artists/{id}", Params: want})
		if err != nil || built != key {
			t.Fatalf("Key() = %q, %v; request key %q", built, err, key)
		}
	})
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		if vb, ok := b[k]; !ok || !slices.Equal(va, vb) {
			return false
		}
	}
	return true
}

// FuzzWantsRefresh parses untrusted Cache-Control headers.
func FuzzWantsRefresh(f *testing.F) {
	for _, s := range []string{"max-age=0", `no-cache, MAX-AGE="0"`, "max-age=", "max-age=0x0", ",,=,", "max-age=00,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := wantsRefresh(http.Header{"Cache-Control": {v}})
		// Reference: some comma-separated directive is max-age with a value
		// of one or more zeros, optionally quoted.
		want := false
		for _, d := range strings.Split(v, ",") {
			name, val, ok := strings.Cut(d, "=")
			val = strings.TrimSpace(val)
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if ok && strings.EqualFold(strings.TrimSpace(name), "max-age") && val != "" && strings.Trim(val, "0") == "" {
				want = true
			}
		}
		if got != want {
			t.Fatalf("wantsRefresh(%q) = %v, want %v", v, got, want)
		}
		forbidsStoring(http.Header{"Cache-Control": {v}})
	})
}

// FuzzEntryUnmarshal decodes untrusted bytes (what a shared store returns):
// never a panic, and whatever decodes re-encodes to an equal entry.
func FuzzEntryUnmarshal(f *testing.F) {
	for _, e := range []*Entry{
		NewEntry(200, http.Header{"Content-Type": {"application/json"}, "Vary": {"a", "b"}}, []byte(`{"a":1}`)),
		NewEntry(204, nil, nil),
	} {
		data, _ := e.MarshalBinary()
		f.Add(data)
	}
	f.Add([]byte{'1', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Entry
		if err := e.UnmarshalBinary(data); err != nil {
			return
		}
		if e.Status() < 100 || e.Status() > 999 {
			t.Fatalf("decoded status %d", e.Status())
		}
		again, err := e.MarshalBinary()
		var e2 Entry
		if err != nil || e2.UnmarshalBinary(again) != nil || !reflect.DeepEqual(e, e2) {
			t.Fatalf("re-encoding differs:\n%+v\n%+v", e, e2)
		}
		_ = e.Size()
		_ = e.Header()
	})
}
