package mapping

import (
	"reflect"
	"testing"

	"github.com/apigw/apigw/internal/jsontape"
	"github.com/apigw/apigw/internal/jsontape/tapetest"
)

// stdParse is encoding/json's reading of data, what a tape must agree
// with.
var stdParse = tapetest.Decode

// jsonSeeds are the texts views are tested on.
var jsonSeeds = tapetest.Seeds

// parseJSON is the tape decoded into Go values, as apigw.Context.JSON
// decodes a body.
func parseJSON(data []byte) (any, error) {
	var d jsontape.Doc
	if err := d.Parse(string(data)); err != nil {
		return nil, err
	}
	return d.Native(0), nil
}

// tape returns s parsed, for tests that read a tape through views.
func tape(t testing.TB, s string) *celDoc {
	t.Helper()
	d := &celDoc{Doc: new(jsontape.Doc)}
	if err := d.Parse(s); err != nil {
		t.Fatal(err)
	}
	return d
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

// viewTemplates read a JSON body in every way a template can.
var viewTemplates = []*Template{
	MustCompile(`input.json`),
	MustCompile(`{"x": input.json, "y": [input.json]}`),
	MustCompile(`input.json == util.parseJson(input.body)`),
	MustCompile(`type(input.json) == map ? dyn([size(input.json), input.json.all(k, k in input.json), has(input.json.a), input.json.?a.orValue("none")]) : null`),
	MustCompile(`type(input.json) == map ? dyn(input.json.exists(k, input.json[k] == null)) : type(input.json) == list ? input.json.exists(x, x == null) : dyn(null)`),
	MustCompile(`type(input.json) == list ? dyn(input.json.map(x, x == null ? 0 : type(x) == string ? 1 : type(x) == int ? 2 : type(x) == double ? 3 : type(x) == bool ? 4 : type(x) == list ? 5 : 6)) : null`),
	MustCompile(`type(input.json) == list ? dyn([size(input.json), input.json.size() > 0 ? input.json[0] : null, input.json.size() > 9 ? input.json[9] : null, 1 in input.json, input.json + [1]]) : null`),
	MustCompile(`type(input.json) == list ? dyn(input.json.filter(x, type(x) == map).map(m, m.?a.orValue(0))) : null`),
	MustCompile(`type(input.json) == string ? dyn([input.json.size(), input.json]) : type(input.json) in [int, double] ? input.json + input.json : dyn(null)`),
}

// checkViews renders every view template over body three ways: as an
// integration's body (a tape read through views), as a method request's
// body (the Context's tape, shared with the validator), and over the body
// decoded by encoding/json into Go values: the results must mean the same
// JSON.
func checkViews(t *testing.T, body []byte) {
	t.Helper()
	for i, tm := range viewTemplates {
		r, c := newRequest(t, "POST", "/", string(body), nil)
		fromTape, errTape := tm.RenderBody(nil, r, c, body)
		r, c = newRequest(t, "POST", "/", string(body), nil)
		fromContext, errContext := tm.Render(nil, r, c)
		fromDecoded, errDecoded := renderDecoded(t, tm, body)
		if (errTape != nil) != (errContext != nil) || (errTape != nil) != (errDecoded != nil) {
			t.Fatalf("template %d over %q: tape error %v, context error %v, decoded error %v", i, body, errTape, errContext, errDecoded)
		}
		if errTape != nil {
			continue
		}
		a, errA := stdParse(fromTape)
		b, errB := stdParse(fromContext)
		d, errD := stdParse(fromDecoded)
		if errA != nil || errB != nil || errD != nil || !reflect.DeepEqual(a, b) || !reflect.DeepEqual(a, d) {
			t.Fatalf("template %d over %q:\ntape    %s (%v)\ncontext %s (%v)\ndecoded %s (%v)", i, body, fromTape, errA, fromContext, errB, fromDecoded, errD)
		}
	}
}

// renderDecoded renders tm with input.json the body decoded by
// encoding/json into Go values.
func renderDecoded(t *testing.T, tm *Template, body []byte) ([]byte, error) {
	r, c := newRequest(t, "POST", "/", string(body), nil)
	a := newActivation(r, c, false, body)
	defer a.release()
	a.jsonDone = true
	if v, err := stdParse(body); err != nil {
		a.jsonErr = err
	} else {
		a.json = adapter{}.NativeToValue(v)
	}
	return tm.render(nil, a)
}

func TestJSONViewsAgree(t *testing.T) {
	for _, s := range jsonSeeds {
		checkViews(t, []byte(s))
	}
	checkViews(t, []byte(`{"a":1,"b":{"a":2},"a":3}`))
	checkViews(t, []byte(`[0,1,2,3,4,5,6,7,8,9,10,{"a":null},[1]]`))
	checkViews(t, []byte(`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":null,"k1":"again"}`))
}

// FuzzJSONViews: the tape views and the decoded values agree on any body.
func FuzzJSONViews(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 4096 {
			return
		}
		checkViews(t, body)
	})
}
