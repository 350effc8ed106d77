package mapping

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
)

// fuzzCostLimit is low so that the fuzzer reaches it often.
const fuzzCostLimit = 20_000

// fuzzTimeLimit is far more than an evaluation under fuzzCostLimit takes
// (milliseconds): an evaluation that runs longer escaped its cost limit.
const fuzzTimeLimit = 2 * time.Second

// fuzzTemplates read every part of the input through every util function.
var fuzzTemplates = []*Template{
	MustCompileText(`<r q="{{ util.escapeXml(input.param("q")) }}">{{ util.escapeXml(input.body) }}</r>`, WithCostLimit(fuzzCostLimit)),
	MustCompileText(`{{ util.urlEncode(input.body) }}&{{ util.base64Encode(input.body) }}&{{ util.escapeJavaScript(input.body) }}&{{ util.escapeJson(input.body) }}`, WithCostLimit(fuzzCostLimit)),
	MustCompileText(`{{ util.urlDecode(input.body) }}{{ util.base64Decode(input.body) }}`, WithCostLimit(fuzzCostLimit)),
	MustCompile(`{"json": input.json, "header": input.params.header, "query": input.params.querystring, "x": input.param("x")}`, WithCostLimit(fuzzCostLimit)),
	MustCompile(`util.parseXml(input.body)`, WithCostLimit(fuzzCostLimit)),
	MustCompile(`util.toJson(util.parseJson(input.body))`, WithCostLimit(fuzzCostLimit)),
	MustCompile(`type(input.json) == list ? input.json.map(x, input.json.map(y, [x, y])) : type(input.json) == map ? input.json.map(k, input.json[k]) : input.json`, WithCostLimit(fuzzCostLimit)),
	MustCompile(`input.body.split(",").map(s, s.trim().replace("a", input.body)).join(input.body)`, WithCostLimit(fuzzCostLimit)),
}

// FuzzMapping sends random bodies, headers and query strings through the
// templates, a request mapping and a response mapping: nothing panics, a
// failure is an *apigw.Error, and no evaluation spends more than its cost
// limit.
func FuzzMapping(f *testing.F) {
	f.Add([]byte(artistBody), "X-Trace", "t-1", "q=1&x=2", uint16(200))
	f.Add([]byte(`<a b="1"><c>d</c><c>e</c></a>`), "Content-Type", "text/xml", "", uint16(404))
	f.Add([]byte(`[1,2,3,[4,[5]]]`), "x", "y", "x=%zz", uint16(500))
	f.Add([]byte(`{"a":{"b":[{"c":1.5e300}]},"d":"\u00e9\ud83d"}`), "", "", ";;", uint16(0))
	f.Add([]byte(strings.Repeat("a,", 300)), "X", strings.Repeat("v", 100), "a=1&a=2", uint16(302))
	f.Add([]byte("aGVsbG8="), "Accept", "application/xml", "", uint16(99))

	req, err := NewRequestMapping(RequestConfig{
		Templates: map[string]*Template{"application/json": fuzzTemplates[3], "text/xml": fuzzTemplates[4]},
		Parameters: map[string]string{
			"integration.request.header.x-body":   "method.request.body.a.b[0]",
			"integration.request.querystring.q":   "method.request.multivaluequerystring.q",
			"integration.request.path.p":          "method.request.header.X",
			"integration.request.header.x-header": "method.request.multivalueheader.x-trace",
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	resp, err := NewResponseMapping(ResponseConfig{IntegrationResponses: []IntegrationResponse{
		{Templates: map[string]*Template{"application/json": fuzzTemplates[6], "application/xml": fuzzTemplates[0]},
			Parameters: map[string]string{"method.response.header.X-A": "integration.response.body.a", "method.response.header.X-B": "integration.response.header.X"}},
		{SelectionPattern: `4\d\d`, StatusCode: 400, Templates: map[string]*Template{"application/json": fuzzTemplates[5]}},
		{SelectionPattern: `5\d\d`, StatusCode: 502, Templates: map[string]*Template{"text/plain": fuzzTemplates[7]}},
	}})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, body []byte, name, value, query string, status uint16) {
		newReq := func() (*http.Request, *apigw.Context) {
			r := &http.Request{
				Method: "POST", URL: &url.URL{Path: "/", RawQuery: query}, Proto: "HTTP/1.1",
				Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), RemoteAddr: "192.0.2.1:1234",
			}
			r.Header.Add(name, value)
			c := apigw.NewRequestContext(r, time.Unix(0, 0))
			c.PathParameters = map[string]string{"x": value}
			return r.WithContext(apigw.NewContext(r.Context(), c)), c
		}
		for i, tm := range fuzzTemplates {
			r, c := newReq()
			if tm.prg != nil { // else proven bounded: evaluated in parts, untracked
				a := newActivation(r, c, true, nil)
				start := time.Now()
				_, det, err := tm.prg.Eval(a)
				elapsed := time.Since(start)
				a.release()
				if err == nil && det != nil && det.ActualCost() != nil && *det.ActualCost() > tm.costLimit {
					t.Fatalf("template %d: cost %d over the limit %d", i, *det.ActualCost(), tm.costLimit)
				}
				if elapsed > fuzzTimeLimit && !raceEnabled {
					t.Fatalf("template %d: %v for one evaluation under a cost limit of %d", i, elapsed, tm.costLimit)
				}
			}
			r, c = newReq()
			start := time.Now()
			if _, err := tm.Render(nil, r, c); err != nil {
				checkRefusal(t, err)
			}
			if _, err := tm.RenderBody(nil, r, c, body); err != nil {
				checkRefusal(t, err)
			}
			if elapsed := time.Since(start); elapsed > 2*fuzzTimeLimit && !raceEnabled {
				t.Fatalf("template %d: %v for two renders under a cost limit of %d", i, elapsed, tm.costLimit)
			}
		}
		r, c := newReq()
		if _, err := req.Map(r, c); err != nil {
			checkRefusal(t, err)
		}
		r, c = newReq()
		w := httptest.NewRecorder()
		res := Result{Status: int(status), Body: body, Header: http.Header{"X": {value}}}
		if err := resp.Write(w, r, c, res); err != nil {
			checkRefusal(t, err)
			if w.Code < 400 {
				t.Fatalf("failure written as %d", w.Code)
			}
		}
	})
}

func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var e *apigw.Error
	if !errors.As(err, &e) {
		t.Fatalf("%T %v is not an *apigw.Error", err, err)
	}
	if s := e.StatusCode(); s < 400 || s > 599 {
		t.Fatalf("status %d", s)
	}
}

// FuzzParseXML: util.parseXml never panics, and what it returns can be
// written as JSON.
func FuzzParseXML(f *testing.F) {
	for _, s := range []string{
		`<a/>`, `<a b="1">t<c>d</c><c/></a>`, `<?xml version="1.0" encoding="ISO-8859-1"?><a>x</a>`,
		`<s:E xmlns:s="u"><s:B><![CDATA[<x>]]></s:B></s:E>`, `<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`,
		`<a>&#0;</a>`, `<a></b>`, `text`, `<a/><b/>`, strings.Repeat("<a>", 600),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseXML(s)
		if err != nil {
			return
		}
		if _, err := appendNative(nil, v, 0); err != nil {
			t.Fatalf("%q: parsed but not writable: %v", s, err)
		}
	})
}

// FuzzCompileText: any source either compiles or fails with an error;
// what compiles renders without panicking.
func FuzzCompileText(f *testing.F) {
	for _, s := range []string{
		`plain`, `{{ 1 }}`, `{{ {"a": {"b": 1}} }}`, `{{ "}}" }}`, `{{ r"\}}" }}`, "{{ 1 // }}\n }}", `{{`, `{{ }}`,
		`{{ """ }} """ }}`, `a{{ input.json.x }}b{{ util.escapeXml(input.body) }}c`, `{{ 1, 2 }}`, `{{ ] + [ }}`,
		`{{ b'x' }}{{ rb"y" }}{{ br'z' }}`, "{{ 'a\n' }}",
	} {
		f.Add(s)
	}
	r, c := newRequest(f, "POST", "/", artistBody, nil)
	f.Fuzz(func(t *testing.T, src string) {
		tm, err := CompileText(src, WithCostLimit(fuzzCostLimit))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "mapping: template ") {
				t.Fatalf("error %q", err)
			}
			return
		}
		if _, err := tm.RenderBody(nil, r, c, []byte(artistBody)); err != nil {
			checkRefusal(t, err)
		}
	})
}
