package mapping

import (
	"net/http"
	"testing"
)

// genresVTL is the music API's genres template in VTL, as AWS users write
// it (examples/music).
const genresVTL = `#set($inputRoot = $input.path('$'))
{
  "genre": [
#foreach($g in $inputRoot.genres)
    "$util.escapeJavaScript($g)"#if($foreach.hasNext),#end

#end
  ]
}
`

// genresVTLJSON is the shortest VTL form of the genres template.
const genresVTLJSON = `{"genre": $input.json('$.genres')}`

// BenchmarkGenresVTL measures the genres response template in VTL against
// the same in CEL, end to end through ResponseMapping.Write, in one run:
// cel is BenchmarkGenres/template's; vtl is the #foreach template AWS users
// write; vtl-json is the shortest VTL form, $input.json('$.genres').
func BenchmarkGenresVTL(b *testing.B) {
	r, c := newRequest(b, "GET", "/artists/1234/genres", "", nil)
	res := Result{Status: 200, Body: []byte(artistBody), Header: http.Header{"Content-Type": {"application/json"}}}
	for _, tc := range []struct {
		name string
		t    *Template
	}{
		{"cel", MustCompile(`{"genre": input.json.genres}`)},
		{"vtl", MustCompileVTL(genresVTL)},
		{"vtl-json", MustCompileVTL(genresVTLJSON)},
	} {
		m, err := tc.t.ResponseMapping()
		if err != nil {
			b.Fatal(err)
		}
		w := &discardWriter{h: http.Header{}}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				if err := m.Write(w, r, c, res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// genresVTLAllocBudget pins the allocations of BenchmarkGenresVTL/vtl and
// vtl-json, as BenchmarkGenres/template's: the copy of the integration's
// body the tape reads and the x-amzn-RequestId header. The views of the
// artist object and its genres are reused with the activation, the
// #foreach's $foreach with the evaluation; each genre is bound as a
// string of the tape (vtl.StringList) and escaped without boxing
// (vtl.StringFuncs); $input.json writes its JSON into the output
// (vtl.Appender).
const genresVTLAllocBudget = 2

func TestGenresVTLAllocBudget(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation budget: not under -short or -race")
	}
	for name, src := range map[string]string{"vtl": genresVTL, "vtl-json": genresVTLJSON} {
		m, _ := MustCompileVTL(src).ResponseMapping()
		r, c := newRequest(t, "GET", "/artists/1234/genres", "", nil)
		res := Result{Status: 200, Body: []byte(artistBody)}
		w := &discardWriter{h: http.Header{}}
		allocs := testing.AllocsPerRun(200, func() {
			w.reset()
			if err := m.Write(w, r, c, res); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > genresVTLAllocBudget {
			t.Errorf("%s: %.0f allocations per response, budget %d", name, allocs, genresVTLAllocBudget)
		}
	}
}
