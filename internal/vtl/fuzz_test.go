package vtl

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzLimits are the limits every fuzzed evaluation runs under: a
// template of any input ends within them.
var fuzzLimits = Options{NullAsEmpty: true, MaxLoops: 1000, MaxSteps: 100_000, MaxOutput: 1 << 20}

func addCorpus(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "velocity", "*.vm"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"#foreach($i in [1..1000000])#foreach($j in [1..1000])$i$j#end#end",
		"#macro(m $n)#m($n)#end#m(1)",
		"#set($l = [1])#foreach($x in $l)#set($ok = $l.add($x))#end",
		"#define($d)$d#end$d",
		`#set($s = "$s$s$s$s")`,
		"$a.b(${c}[0]).d(\"#if(1)x#end\")",
		"#if(", "$!{", "#[[", "#*", "\\\\\\$a", "#{end}",
	} {
		f.Add(s)
	}
}

// FuzzParse parses any input: it fails with an error or succeeds, never
// panics.
func FuzzParse(f *testing.F) {
	addCorpus(f)
	f.Fuzz(func(t *testing.T, src string) {
		tm, err := Parse(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Column < 1 {
				t.Fatalf("error %v is not an *Error with a position", err)
			}
			return
		}
		if tm.Source() != src {
			t.Fatal("Source differs from the input")
		}
	})
}

// FuzzExecute evaluates any template that parses over a context with
// lists, maps and strings: it never panics, and it ends within its limits
// (output, steps, loops) in bounded time.
func FuzzExecute(f *testing.F) {
	addCorpus(f)
	f.Fuzz(func(t *testing.T, src string) {
		tm, err := Parse(src)
		if err != nil {
			return
		}
		vars := mapVars{
			"s": "Hello, World", "n": int64(42), "f": 2.5, "t": true,
			"list": &List{Elems: []any{int64(1), "two", 3.5}},
			"map":  mapOf("a", int64(1), "b", &List{Elems: []any{"x"}}),
		}
		start := time.Now()
		out, err := tm.Execute(nil, vars, fuzzLimits)
		if len(out) > fuzzLimits.MaxOutput+64<<10 {
			t.Fatalf("output %d bytes, over the limit", len(out))
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("evaluation took %v", d)
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error %v is not an *Error", err)
		}
	})
}

func mapOf(kv ...any) *Map {
	m := NewMap(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		m.Put(kv[i], kv[i+1])
	}
	return m
}

// FuzzPath evaluates any JSONPath over a document of maps and lists: it
// fails or gives a value, never panics.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$.a", "$['a'].b[0]", "$..b", "$.l[*]", "$.l[0:2]", "$.l[-1]",
		"$.l[?(@.x > 1 && @.y == 'z')]", "$..*", "a.b", "$.l[0,1]", "$.m[?(@.n =~ /a.*/i)]"} {
		f.Add(s)
	}
	root := mapOf("a", mapOf("b", &List{Elems: []any{int64(1), "x"}}),
		"l", &List{Elems: []any{mapOf("x", int64(2), "y", "z"), mapOf("x", 0.5), nil, "s"}},
		"m", mapOf("n", "abc"))
	f.Fuzz(func(t *testing.T, path string) {
		if _, _, err := EvalPath(path, root); err != nil {
			return
		}
	})
}
