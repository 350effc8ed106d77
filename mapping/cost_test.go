package mapping

import (
	"strings"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common"
)

// costTemplates are templates, bounded and not, whose runtime cost is
// compared with CEL's static estimate.
var costTemplates = []string{
	`{"name": input.json.artist, "popularity": input.json.popularity}`,
	`{"genre": input.json.genres}`,
	`input.json`,
	`[input.json.id == 1234, type(input.json.id) == int]`,
	`input.json.artist == "Queen" ? "yes" : "no"`,
	`has(input.json.nick) ? input.json.nick : input.json.artist`,
	`input.json.?nick.orValue("") + "x"`,
	`{"a": context.requestId, "b": stageVariables.ver, "c": input.params.header["x-trace"], "d": input.param("id")}`,
	`[context.status, context.isCanaryRequest, context.responseLength + 1]`,
	`{"b": 1, "a": 2, "c": {"z": null, "y": 1.5}}`,
	`util.escapeJson("a\"b")`,
	`util.escapeJson(input.body)`,
	`util.toJson({"a": 1})`,
	`input.json.genres.map(g, g.upperAscii())`,
	`input.json.genres.size() > 2 && input.json.artist.startsWith("Q")`,
	`"x" + input.json.artist`,
	`input.body.size()`,
	`input.json.artist in ["Queen", "Abba"]`,
	`input.json.genres.exists(g, g == "Pop rock")`,
	`"%s has %d genres".format([input.json.artist, input.json.genres.size()])`,
	`input.body.split(",").join("+")`,
	`input.json.a.b.c`,
	`input.json["a"]["b"]`,
	`input.json.genres[0]`,
	`[1, 2, 3].map(x, x * 2)`,
	`[1, 2, 3].map(x, input.json.artist)`,
	`[[1, 2], [3]].exists(l, l.exists(x, x == input.json.id))`,
	`{"a": {"b": {"c": input.json.id}}}`,
	`context.authorizer.claims.sub`,
	`input.params.path.id + input.params.querystring.id`,
	`has(input.json.a.b)`,
	`input.json.?a.?b.orValue(1)`,
	`cel.bind(x, input.json.artist, x + x)`,
	`math.greatest([1, 2, input.json.id])`,
	`type(input.json) == map ? "m" : "o"`,
	`dyn(input.json).artist`,
	`int(input.json.id) + 1`,
	`string(input.json.id)`,
	`input.json.artist.size() > 0 || input.json.id > 0`,
}

var costBodies = []string{artistBody, `{"a":{"b":{"c":1}}}`, `{"artist": "` + strings.Repeat("Q", 5000) + `", "genres": []}`, `{"artist": 1, "id": "x", "genres": [1,2]}`, `[]`, `{}`}

// TestMaxCostBoundsTracker: a template proven bounded never costs more,
// by the runtime tracker's count, than maxCost says.
func TestMaxCostBoundsTracker(t *testing.T) {
	e, err := env()
	if err != nil {
		t.Fatal(err)
	}
	var proven int
	for _, src := range costTemplates {
		a, iss := e.CompileSource(common.NewStringSource(src, "t"))
		if iss.Err() != nil {
			t.Fatalf("%s: %v", src, iss.Err())
		}
		a, _ = objectToList(e, a)
		bound, ok := maxCost(e, a)
		if tm := MustCompile(src); tm.bounded != (ok && bound <= DefaultCostLimit) {
			t.Errorf("%s: bound %d %v, yet bounded is %v", src, bound, ok, tm.bounded)
		}
		if !ok {
			continue
		}
		proven++
		prg, err := e.Program(a, cel.EvalOptions(cel.OptOptimize, cel.OptTrackCost), cel.CostTracking(costEstimator{}), guards(e, a))
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range costBodies {
			r, c := newRequest(t, "POST", "/", body, map[string]string{"X-Trace": "t"})
			act := newActivation(r, c, false, []byte(body))
			_, det, _ := prg.Eval(act)
			act.release()
			if cost := det.ActualCost(); cost == nil || *cost > bound {
				t.Errorf("%s over %.20q: cost %d over the bound %d", src, body, *cost, bound)
			}
		}
	}
	if proven < len(costTemplates)/2 {
		t.Errorf("only %d of %d templates proven bounded", proven, len(costTemplates))
	}
}

// TestBoundedRendersAsTracked: a template proven bounded, its values
// evaluated one by one without the tracker, writes what the same template
// evaluated whole under the tracker writes.
func TestBoundedRendersAsTracked(t *testing.T) {
	compile := func(src string, opts ...Option) *Template {
		if text, ok := strings.CutPrefix(src, "text:"); ok {
			return MustCompileText(text, opts...)
		}
		return MustCompile(src, opts...)
	}
	srcs := append([]string{
		`text:<a>{{ input.json.artist }}</a><b>{{ input.json.genres }}</b>{{ input.json.nope }}`,
		`text:{{ context.requestId }} {{ stageVariables.ver }}{{ input.params.header["x-trace"] }}`,
		`text:{{ util.escapeXml("<a>") }}`,
		`{"a": input.json.nope, "b": 1}`,
	}, costTemplates...)
	var parts int
	for _, src := range srcs {
		fast := compile(src)
		slow := compile(src, func(o *compileOptions) { o.track, o.whole = true, true })
		if fast.parts != nil {
			parts++
		}
		for _, body := range costBodies {
			r, c := newRequest(t, "POST", "/", body, map[string]string{"X-Trace": "t"})
			got, errGot := fast.RenderBody(nil, r, c, []byte(body))
			want, errWant := slow.RenderBody(nil, r, c, []byte(body))
			if string(got) != string(want) || (errGot == nil) != (errWant == nil) {
				t.Errorf("%s over %.20q:\n got %s (%v)\nwant %s (%v)", src, body, got, errGot, want, errWant)
			}
		}
	}
	if parts < 5 {
		t.Errorf("only %d templates evaluated in parts", parts)
	}
}

// BenchmarkCostTracking renders the ladder's response template proven
// bounded: in parts without the tracker, as one list without the tracker,
// and as one list with the runtime cost tracker.
func BenchmarkCostTracking(b *testing.B) {
	const src = `{"name": input.json.artist, "popularity": input.json.popularity}`
	r, c := newRequest(b, "GET", "/", "", nil)
	body := []byte(artistBody)
	for _, tc := range []struct {
		name string
		tm   *Template
	}{
		{"bounded", MustCompile(src)},
		{"bounded-list", MustCompile(src, func(o *compileOptions) { o.whole = true })},
		{"tracked", MustCompile(src, func(o *compileOptions) { o.track = true })},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = tc.tm.RenderBody(buf[:0], r, c, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
