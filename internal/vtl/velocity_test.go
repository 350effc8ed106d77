package vtl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVelocity renders the corpus in testdata/velocity and compares each
// output byte for byte with what Apache Velocity 1.7 wrote for it
// (testdata/tools/gen.sh): NAME.want as Velocity renders out of the box,
// NAME.aws.want with null references turned into "" as API Gateway does.
func TestVelocity(t *testing.T) {
	testCorpus(t, filepath.Join("testdata", "velocity"))
}

// TestVelocityRandom is TestVelocity over the random templates of
// testdata/tools/randgen.py.
func TestVelocityRandom(t *testing.T) {
	testCorpus(t, filepath.Join("testdata", "velocity", "rand"))
}

func testCorpus(t *testing.T, dir string) {
	vars := loadContext(t, filepath.Join(dir, "context.json"))
	files, err := filepath.Glob(filepath.Join(dir, "*.vm"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".vm")
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range []struct {
			suffix string
			opt    Options
		}{{".want", Options{}}, {".aws.want", Options{NullAsEmpty: true}}} {
			t.Run(name+mode.suffix, func(t *testing.T) {
				want, err := os.ReadFile(filepath.Join(dir, name+mode.suffix))
				if err != nil {
					t.Fatal(err)
				}
				got, err := render(string(src), vars(), mode.opt)
				if bytes.HasPrefix(want, []byte("ERROR ")) {
					if err == nil {
						t.Errorf("no error, want one like Velocity's %s; output:\n%s", strings.TrimSpace(string(want)), got)
					}
					return
				}
				if err != nil {
					t.Fatalf("error %v, want:\n%s", err, want)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("output differs from Velocity's\n got: %q\nwant: %q", got, want)
				}
			})
		}
	}
}

func render(src string, vars Vars, opt Options) ([]byte, error) {
	tm, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return tm.Execute(nil, vars, opt)
}

// mapVars are variables held in a map.
type mapVars map[string]any

func (m mapVars) Lookup(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

// loadContext reads a corpus's context as the Java harness does: objects
// as ordered maps, arrays as lists, integers as int64, other numbers as
// float64. It returns a function making a fresh copy for each template.
func loadContext(t *testing.T, path string) func() Vars {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return func() Vars {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		v, err := decodeOrdered(dec)
		if err != nil {
			t.Fatal(err)
		}
		vars := mapVars{}
		v.(*Map).Entries(func(k, v any) bool { vars[k.(string)] = v; return true })
		return vars
	}
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch tok {
		case '{':
			m := NewMap(4)
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				m.Put(k.(string), v)
			}
			_, err := dec.Token()
			return m, err
		case '[':
			l := &List{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				l.Elems = append(l.Elems, v)
			}
			_, err := dec.Token()
			return l, err
		}
	case json.Number:
		if i, err := tok.Int64(); err == nil && !strings.ContainsAny(string(tok), ".eE") {
			return i, nil
		}
		return tok.Float64()
	case string, bool, nil:
		return tok, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}
