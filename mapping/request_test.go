package mapping

import (
	"github.com/apigw/apigw/internal/paramexpr"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/apigw/apigw"
	"github.com/google/cel-go/common/types/ref"
)

// TestPassthrough is AWS's passthrough table: three behaviours, each with
// a content type that has a template, one that has none, and a method
// without templates.
func TestPassthrough(t *testing.T) {
	tmpl := MustCompile(`{"mapped": input.json.artist}`)
	withTemplate := map[string]*Template{"application/json": tmpl}
	const (
		mapped  = `{"mapped":"Queen"}`
		passed  = artistBody
		refused = "415"
	)
	tests := []struct {
		behaviour   Passthrough
		templates   map[string]*Template
		contentType string
		want        string
	}{
		{WhenNoMatch, withTemplate, "application/json", mapped},
		{WhenNoMatch, withTemplate, "text/plain", passed},
		{WhenNoMatch, nil, "application/json", passed},
		{"", withTemplate, "text/plain", passed}, // the default is WHEN_NO_MATCH
		{WhenNoTemplates, withTemplate, "application/json", mapped},
		{WhenNoTemplates, withTemplate, "text/plain", refused},
		{WhenNoTemplates, nil, "text/plain", passed},
		{Never, withTemplate, "application/json", mapped},
		{Never, withTemplate, "text/plain", refused},
		{Never, nil, "application/json", refused},
		// Content-Type matching: parameters ignored, case-insensitive,
		// none sent counts as application/json.
		{Never, withTemplate, "Application/JSON; charset=utf-8", mapped},
		{Never, withTemplate, "", mapped},
	}
	for _, tt := range tests {
		name := string(tt.behaviour) + "/" + tt.contentType
		if tt.templates == nil {
			name += "/no templates"
		}
		t.Run(name, func(t *testing.T) {
			m, err := NewRequestMapping(RequestConfig{Templates: tt.templates, Passthrough: tt.behaviour})
			if err != nil {
				t.Fatal(err)
			}
			hdr := map[string]string{}
			if tt.contentType != "" {
				hdr["Content-Type"] = tt.contentType
			}
			r, c := newRequest(t, "POST", "/", artistBody, hdr)
			ir, err := m.Map(r, c)
			if tt.want == refused {
				e := wantError(t, err, http.StatusUnsupportedMediaType, nil)
				if e.Type != apigw.UnsupportedMediaType || e.MessageText() != "Unsupported Media Type" {
					t.Errorf("got %s %q", e.Type, e.MessageText())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(ir.Body) != tt.want {
				t.Errorf("body %s, want %s", ir.Body, tt.want)
			}
			if (ir.Template != nil) != (tt.want == mapped) {
				t.Errorf("Template %v", ir.Template)
			}
		})
	}
}

func TestRequestParameters(t *testing.T) {
	m, err := NewRequestMapping(RequestConfig{
		Templates: map[string]*Template{"application/json": MustCompile(`input.json.genres`)},
		Parameters: map[string]string{
			"integration.request.header.x-artist":     "method.request.body.artist",
			"integration.request.header.x-genre":      "method.request.body.genres[1]",
			"integration.request.header.x-genres":     "method.request.body.genres",
			"integration.request.header.x-whole":      "method.request.body",
			"integration.request.header.x-lang":       "method.request.querystring.lang",
			"integration.request.header.x-all-langs":  "method.request.multivaluequerystring.lang",
			"integration.request.header.x-trace":      "method.request.header.X-Trace",
			"integration.request.header.x-traces":     "method.request.multivalueheader.x-trace",
			"integration.request.header.x-missing":    "method.request.header.nope",
			"integration.request.querystring.rid":     "context.requestId",
			"integration.request.querystring.v":       "stageVariables.ver",
			"integration.request.querystring.fixed":   "'yes'",
			"integration.request.querystring.sub":     "context.authorizer.claims.sub",
			"integration.request.path.id":             "method.request.path.id",
			"integration.request.header.Content-Type": "'application/vnd.api+json'",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, c := newRequest(t, "POST", "/artists/7?lang=en&lang=fr", artistBody, map[string]string{"Content-Type": "application/json"})
	r.Header.Add("X-Trace", "t-1")
	r.Header.Add("X-Trace", "t-2")
	r.Header.Set("Authorization", "secret")
	ir, err := m.Map(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := http.Header{
		"X-Artist":     {"Queen"},
		"X-Genre":      {"Pop rock"},
		"X-Genres":     {`["Progressive rock","Pop rock","Glam rock"]`},
		"X-Whole":      {artistBody},
		"X-Lang":       {"fr"}, // the last of a repeated parameter, as AWS's single-value maps
		"X-All-Langs":  {"en", "fr"},
		"X-Trace":      {"t-2"},
		"X-Traces":     {"t-1", "t-2"},
		"Content-Type": {"application/vnd.api+json"},
	}
	if !reflect.DeepEqual(ir.Header, wantHeader) {
		t.Errorf("Header\n got %v\nwant %v", ir.Header, wantHeader)
	}
	wantQuery := url.Values{"rid": {c.RequestID}, "v": {"v1"}, "fixed": {"yes"}, "sub": {"abc"}}
	if !reflect.DeepEqual(ir.Query, wantQuery) {
		t.Errorf("Query\n got %v\nwant %v", ir.Query, wantQuery)
	}
	if !reflect.DeepEqual(ir.PathParams, map[string]string{"id": "7"}) {
		t.Errorf("PathParams %v", ir.PathParams)
	}
	if ir.ContentType != "application/vnd.api+json" {
		t.Errorf("ContentType %q", ir.ContentType)
	}
	if string(ir.Body) != `["Progressive rock","Pop rock","Glam rock"]` {
		t.Errorf("Body %s", ir.Body)
	}

	// The request an in-process integration receives.
	hr := ir.NewHTTPRequest(r)
	body, _ := io.ReadAll(hr.Body)
	if string(body) != string(ir.Body) || hr.ContentLength != int64(len(ir.Body)) {
		t.Errorf("body %s (%d)", body, hr.ContentLength)
	}
	if hr.Header.Get("Authorization") != "" || hr.Header.Get("X-Artist") != "Queen" {
		t.Errorf("header %v", hr.Header)
	}
	if hr.URL.Query().Get("v") != "v1" || hr.URL.Path != "/artists/7" || hr.PathValue("id") != "7" {
		t.Errorf("URL %v, id %q", hr.URL, hr.PathValue("id"))
	}
	if got, _ := c.Body(hr); string(got) != string(ir.Body) {
		t.Errorf("Context body %s", got)
	}
}

// TestRequestPassthroughKeepsContentType: a body passed through keeps its
// Content-Type; a template's output without a mapped one is
// application/json... unless the request said otherwise.
func TestRequestContentType(t *testing.T) {
	m, err := NewRequestMapping(RequestConfig{Templates: map[string]*Template{"application/json": MustCompile(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
	for ct, want := range map[string]string{
		"":                               "application/json",
		"text/plain":                     "text/plain",
		"application/json; charset=utf8": "application/json; charset=utf8",
	} {
		hdr := map[string]string{}
		if ct != "" {
			hdr["Content-Type"] = ct
		}
		r, c := newRequest(t, "POST", "/", "x", hdr)
		ir, err := m.Map(r, c)
		if err != nil {
			t.Fatal(err)
		}
		if ir.ContentType != want || ir.Header.Get("Content-Type") != want {
			t.Errorf("%q: ContentType %q, header %q, want %q", ct, ir.ContentType, ir.Header.Get("Content-Type"), want)
		}
	}
}

func TestRequestTemplateFailure(t *testing.T) {
	m, err := NewRequestMapping(RequestConfig{Templates: map[string]*Template{"application/json": MustCompile(`input.json.nope`)}})
	if err != nil {
		t.Fatal(err)
	}
	r, c := newRequest(t, "POST", "/", artistBody, nil)
	_, err = m.Map(r, c)
	wantError(t, err, http.StatusInternalServerError, nil)

	r, c = newRequest(t, "POST", "/", strings.Repeat("x", apigw.MaxBodyBytes+1), map[string]string{"Content-Type": "text/plain"})
	_, err = m.Map(r, c)
	wantError(t, err, http.StatusRequestEntityTooLarge, apigw.ErrBodyTooLarge)
}

func TestRequestConfigErrors(t *testing.T) {
	tmpl := MustCompile(`{}`)
	tests := []struct {
		name string
		cfg  RequestConfig
		want []string
	}{
		{"passthrough", RequestConfig{Passthrough: "SOMETIMES"}, []string{`Passthrough "SOMETIMES"`}},
		{"content type", RequestConfig{Templates: map[string]*Template{"not a type;;": tmpl}}, []string{`Templates["not a type;;"]: bad content type`}},
		{"nil template", RequestConfig{Templates: map[string]*Template{"text/xml": nil}}, []string{`Templates["text/xml"]: nil template`}},
		{"duplicate", RequestConfig{Templates: map[string]*Template{"text/xml": tmpl, "Text/XML": tmpl}}, []string{"a second template for text/xml"}},
		{"target", RequestConfig{Parameters: map[string]string{"integration.request.body": "'x'"}}, []string{`Parameters["integration.request.body"]`, `want integration.request.header.<name>, integration.request.querystring.<name> or integration.request.path.<name>`}},
		{"source", RequestConfig{Parameters: map[string]string{"integration.request.header.x": "method.response.header.y"}}, []string{`Parameters["integration.request.header.x"]: "method.response.header.y"`, "method.response.header.<name> is not allowed here"}},
		{"context var", RequestConfig{Parameters: map[string]string{"integration.request.header.x": "context.nope"}}, []string{`unknown $context variable "nope"`}},
		{"response source", RequestConfig{Parameters: map[string]string{"integration.request.header.x": "integration.response.header.y"}}, []string{"integration.response.header.<name> is not allowed here; want 'literal', context.<var>"}},
		{"bad path", RequestConfig{Parameters: map[string]string{"integration.request.header.x": "method.request.body.a[x]"}}, []string{"neither an index nor a 'quoted' name"}},
		{"bad name", RequestConfig{Parameters: map[string]string{"integration.request.header.x y": "'1'"}}, []string{`"x y" is not a header name`}},
		{"all of them", RequestConfig{Passthrough: "X", Templates: map[string]*Template{"text/xml": nil}}, []string{"Passthrough", "nil template"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRequestMapping(tt.cfg)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestJSONPath(t *testing.T) {
	d := tape(t, `{"a":{"b":[{"c":"x"},{"d e":2}]},"n":null}`)
	native, _ := parseJSON([]byte(d.Text()))
	tests := []struct {
		path string
		want string // as JSON
		ok   bool
	}{
		{"a.b[0].c", `"x"`, true},
		{"a.b[1]['d e']", `2`, true},
		{`a["b"][1]`, `{"d e":2}`, true},
		{"a.b[2]", ``, false},
		{"a.x", ``, false},
		{"n", `null`, true},
		{"a.b.c", ``, false},
	}
	for _, tt := range tests {
		e, err := paramexpr.Parse("method.request.body."+tt.path, paramexpr.RequestValues)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		// Over a tape (an integration's body) and over a decoded value (a
		// method request's body) alike.
		for _, doc := range []ref.Val{d.value(0), adapter{}.NativeToValue(native)} {
			v, ok := lookup(e.Path, doc)
			got := ""
			if ok {
				b, _ := appendJSON(nil, v)
				got = string(b)
			}
			if ok != tt.ok || got != tt.want {
				t.Errorf("%s over %T: got %s %v", tt.path, doc, got, ok)
			}
		}
	}
	for _, bad := range []string{"", "a..b", ".a", "a.", "a[", "a[-1]", "a.[0]"} {
		if _, err := paramexpr.Parse("method.request.body."+bad, paramexpr.RequestValues); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
