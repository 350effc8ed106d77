package vtl

import "testing"

// benchUtil is a host object with one method that gives its argument
// back, as $util.escapeJavaScript does for a string with nothing to
// escape.
type benchUtil struct{}

func (benchUtil) Get(string) (any, bool) { return nil, false }

func (benchUtil) Call(name string, args []any) (any, error) {
	if name == "escapeJavaScript" && len(args) == 1 {
		return args[0], nil
	}
	return nil, ErrNoMethod
}

// BenchmarkExecute measures the evaluator alone on the music API's genres
// template (mapping's BenchmarkGenresVTL is the same end to end).
func BenchmarkExecute(b *testing.B) {
	tm, err := Parse(`#set($inputRoot = $root)
{
  "genre": [
#foreach($g in $inputRoot.genres)
    "$util.escapeJavaScript($g)"#if($foreach.hasNext),#end

#end
  ]
}
`)
	if err != nil {
		b.Fatal(err)
	}
	root := NewMap(1)
	root.Put("genres", &List{Elems: []any{"Progressive rock", "Pop rock", "Glam rock"}})
	vars := mapVars{"root": root, "util": benchUtil{}}
	opt := Options{NullAsEmpty: true, MaxLoops: 1000, MaxSteps: 1 << 40, MaxOutput: 10 << 20}
	out := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		if out, err = tm.Execute(out[:0], vars, opt); err != nil {
			b.Fatal(err)
		}
	}
}
