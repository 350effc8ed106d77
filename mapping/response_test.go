package mapping

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw"
)

// errorTemplate renders a Lambda-style error document.
var errorTemplate = MustCompile(`{"error": input.json.errorMessage}`)

func selectionConfig() ResponseConfig {
	return ResponseConfig{
		IntegrationResponses: []IntegrationResponse{
			{SelectionPattern: "", StatusCode: 200},
			{SelectionPattern: `4\d{2}`, StatusCode: 400,
				Templates: map[string]*Template{"application/json": MustCompile(`{"client": true}`)}},
			{SelectionPattern: `404`, StatusCode: 404}, // shadowed: the first match wins
			{SelectionPattern: `5\d{2}|.*timed out.*`, StatusCode: 502},
			{SelectionPattern: `Not found:.*`, StatusCode: 404, Templates: map[string]*Template{"application/json": errorTemplate}},
			{SelectionPattern: `(\n|.)*Invalid(\n|.)*`, StatusCode: 422},
		},
		MethodResponses: []MethodResponse{{StatusCode: 200}, {StatusCode: 400}, {StatusCode: 404}, {StatusCode: 422}, {StatusCode: 502}},
	}
}

func TestSelectionPatterns(t *testing.T) {
	m, err := NewResponseMapping(selectionConfig())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		res    Result
		status int
		body   string
	}{
		{"200 takes the default", Result{Status: 200, Body: []byte(`{"ok":1}`)}, 200, `{"ok":1}`},
		{"0 counts as 200", Result{Body: []byte(`x`)}, 200, `x`},
		{"201 takes the default", Result{Status: 201}, 200, ``},
		{"4xx", Result{Status: 404}, 400, `{"client":true}`},
		{"anchored: 4000 is not 4xx", Result{Status: 4000}, 200, ``},
		{"5xx", Result{Status: 503}, 502, ``},
		{"lambda error", Result{Status: 200, ErrorMessage: "Not found: artist 9",
			Body: []byte(`{"errorMessage":"Not found: artist 9","errorType":"NotFound"}`)}, 404, `{"error":"Not found: artist 9"}`},
		{"lambda error is matched whole", Result{ErrorMessage: "Really Not found: x"}, 200, ``},
		{"alternation anchored as a whole", Result{ErrorMessage: "task timed out after 3s"}, 502, ``},
		{"multi-line error", Result{ErrorMessage: "line one\nInvalid input\nline three"}, 422, ``},
		{"unmatched error takes the default", Result{ErrorMessage: "boom"}, 200, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, c := newRequest(t, "GET", "/", "", nil)
			w := httptest.NewRecorder()
			if err := m.Write(w, r, c, tt.res); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("got %d %s, want %d %s", w.Code, w.Body, tt.status, tt.body)
			}
			if c.Status != tt.status {
				t.Errorf("Context.Status %d", c.Status)
			}
		})
	}
}

func TestNoDefaultResponse(t *testing.T) {
	m, err := NewResponseMapping(ResponseConfig{IntegrationResponses: []IntegrationResponse{{SelectionPattern: "2..", StatusCode: 200}}})
	if err != nil {
		t.Fatal(err)
	}
	r, c := newRequest(t, "GET", "/", "", nil)
	w := httptest.NewRecorder()
	err = m.Write(w, r, c, Result{Status: 404, Header: http.Header{"X-Secret": {"1"}}})
	e := wantError(t, err, http.StatusInternalServerError, nil)
	if !strings.Contains(e.Err.Error(), "no match for output mapping and no default output mapping configured") {
		t.Errorf("cause %v", e.Err)
	}
	if w.Code != 500 || w.Body.String() != `{"message":"Internal server error"}` || w.Header().Get("X-Amzn-Errortype") != "InternalServerErrorException" {
		t.Errorf("got %d %s %v", w.Code, w.Body, w.Header())
	}
	if w.Header().Get("X-Secret") != "" {
		t.Error("integration header leaked")
	}
}

// TestHeaderFiltering: in non-proxy mode only mapped (declared) headers
// leave, plus Content-Type, x-amzn-RequestId and what earlier phases set.
func TestHeaderFiltering(t *testing.T) {
	m, err := NewResponseMapping(ResponseConfig{
		IntegrationResponses: []IntegrationResponse{{
			StatusCode: 200,
			Parameters: map[string]string{
				"method.response.header.X-Version":   "integration.response.header.X-Backend-Version",
				"method.response.header.X-Cookies":   "integration.response.multivalueheader.X-Cookie",
				"method.response.header.X-Absent":    "integration.response.header.X-Not-Sent",
				"method.response.header.X-Static":    "'fixed'",
				"method.response.header.X-Request":   "context.requestId",
				"method.response.header.X-Stage-Ver": "stageVariables.ver",
				"method.response.header.X-Artist":    "integration.response.body.artist",
				"method.response.header.X-Genres":    "integration.response.body.genres",
				"method.response.header.X-Raw":       "integration.response.body",
			},
		}},
		MethodResponses: []MethodResponse{{StatusCode: 200, Headers: []string{
			"x-version", "X-Cookies", "X-Absent", "X-Static", "X-Request", "X-Stage-Ver", "X-Artist", "X-Genres", "X-Raw", "X-Declared-Unmapped",
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, c := newRequest(t, "GET", "/", "", nil)
	w := httptest.NewRecorder()
	w.Header().Set("Access-Control-Allow-Origin", "https://pet.example") // set by the CORS phase
	res := Result{Status: 200, Body: []byte(artistBody), Header: http.Header{
		"X-Backend-Version":   {"7"},
		"X-Cookie":            {"a", "b"},
		"X-Internal":          {"secret"},
		"X-Declared-Unmapped": {"1"},
		"Content-Type":        {"application/json; charset=utf-8"},
		"Set-Cookie":          {"s=1"},
	}}
	if err := m.Write(w, r, c, res); err != nil {
		t.Fatal(err)
	}
	want := http.Header{
		"Access-Control-Allow-Origin": {"https://pet.example"},
		"X-Version":                   {"7"},
		"X-Cookies":                   {"a", "b"},
		"X-Static":                    {"fixed"},
		"X-Request":                   {c.RequestID},
		"X-Stage-Ver":                 {"v1"},
		"X-Artist":                    {"Queen"},
		"X-Genres":                    {`["Progressive rock","Pop rock","Glam rock"]`},
		"X-Raw":                       {artistBody},
		"Content-Type":                {"application/json; charset=utf-8"},
		"X-Amzn-Requestid":            {c.RequestID},
	}
	got := w.Header()
	for k := range want {
		if strings.Join(got[k], "|") != strings.Join(want[k], "|") {
			t.Errorf("%s: got %q, want %q", k, got[k], want[k])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("header %s leaked: %q", k, got[k])
		}
	}
	if w.Body.String() != artistBody {
		t.Errorf("body %s", w.Body)
	}
}

func TestResponseContentType(t *testing.T) {
	xml := MustCompileText(`<genres>{{ input.json.genres.map(g, "<g>" + util.escapeXml(g) + "</g>").join("") }}</genres>`)
	js := MustCompile(`{"genre": input.json.genres}`)
	both := map[string]*Template{"application/xml": xml, "application/json": js}
	tests := []struct {
		name, accept string
		templates    map[string]*Template
		params       map[string]string
		resHeader    http.Header
		wantCT       string
		wantBodyHead string
	}{
		{"accept picks xml", "text/html, application/xml;q=0.9", both, nil, nil, "application/xml", "<genres><g>Progressive rock</g>"},
		{"accept picks json", "application/json", both, nil, nil, "application/json", `{"genre":`},
		{"no accept: json", "", both, nil, nil, "application/json", `{"genre":`},
		{"*/*: json", "*/*", both, nil, nil, "application/json", `{"genre":`},
		{"only one template", "application/json", map[string]*Template{"application/xml": xml}, nil, nil, "application/xml", "<genres>"},
		{"passthrough keeps the integration's type", "", nil, nil, http.Header{"Content-Type": {"text/csv"}}, "text/csv", `{"id"`},
		{"passthrough without type", "", nil, nil, nil, "application/json", `{"id"`},
		{"mapped content type wins", "", both, map[string]string{"method.response.header.Content-Type": "'application/vnd.genres+json'"}, nil, "application/vnd.genres+json", `{"genre":`},
		{"template key keeps its parameters", "", map[string]*Template{"application/json; charset=utf-8": js}, nil, nil, "application/json; charset=utf-8", `{"genre":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewResponseMapping(ResponseConfig{IntegrationResponses: []IntegrationResponse{{Templates: tt.templates, Parameters: tt.params}}})
			if err != nil {
				t.Fatal(err)
			}
			r, c := newRequest(t, "GET", "/", "", map[string]string{"Accept": tt.accept})
			w := httptest.NewRecorder()
			if err := m.Write(w, r, c, Result{Status: 200, Body: []byte(artistBody), Header: tt.resHeader}); err != nil {
				t.Fatal(err)
			}
			if ct := w.Header().Get("Content-Type"); ct != tt.wantCT {
				t.Errorf("Content-Type %q, want %q", ct, tt.wantCT)
			}
			if !strings.HasPrefix(w.Body.String(), tt.wantBodyHead) {
				t.Errorf("body %s", w.Body)
			}
		})
	}
}

// TestResponseTemplateFailure: a failing template writes the 500 and none
// of the mapped headers.
func TestResponseTemplateFailure(t *testing.T) {
	m, err := NewResponseMapping(ResponseConfig{IntegrationResponses: []IntegrationResponse{{
		Parameters: map[string]string{"method.response.header.X-Mapped": "'1'"},
		Templates:  map[string]*Template{"application/json": MustCompile(`input.json.nope`)},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	r, c := newRequest(t, "GET", "/", "", nil)
	w := httptest.NewRecorder()
	err = m.Write(w, r, c, Result{Status: 200, Body: []byte(artistBody)})
	wantError(t, err, http.StatusInternalServerError, nil)
	if w.Code != 500 || w.Header().Get("X-Mapped") != "" || w.Body.String() != `{"message":"Internal server error"}` {
		t.Errorf("got %d %v %s", w.Code, w.Header(), w.Body)
	}
	if c.Error.ResponseType != apigw.APIConfigurationError {
		t.Errorf("Context.Error %+v", c.Error)
	}
}

func TestResponseHead(t *testing.T) {
	m, err := MustCompile(`{"genre": input.json.genres}`).ResponseMapping()
	if err != nil {
		t.Fatal(err)
	}
	r, c := newRequest(t, "HEAD", "/", "", nil)
	w := httptest.NewRecorder()
	if err := m.Write(w, r, c, Result{Status: 200, Body: []byte(artistBody)}); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 || w.Body.Len() != 0 || c.ResponseLength == 0 {
		t.Errorf("got %d %q, length %d", w.Code, w.Body, c.ResponseLength)
	}
}

func TestResponseConfigErrors(t *testing.T) {
	tmpl := MustCompile(`{}`)
	tests := []struct {
		name string
		cfg  ResponseConfig
		want []string
	}{
		{"pattern", ResponseConfig{IntegrationResponses: []IntegrationResponse{{SelectionPattern: "(", StatusCode: 400}}},
			[]string{`IntegrationResponses[0]: SelectionPattern "("`}},
		{"two defaults", ResponseConfig{IntegrationResponses: []IntegrationResponse{{}, {StatusCode: 201}}},
			[]string{"IntegrationResponses[1]: a second default response"}},
		{"status", ResponseConfig{IntegrationResponses: []IntegrationResponse{{StatusCode: 99}}},
			[]string{"StatusCode 99 is not an HTTP status"}},
		{"undeclared status", ResponseConfig{IntegrationResponses: []IntegrationResponse{{StatusCode: 201}}, MethodResponses: []MethodResponse{{StatusCode: 200}}},
			[]string{"status 201 has no method response"}},
		{"undeclared header", ResponseConfig{
			IntegrationResponses: []IntegrationResponse{{Parameters: map[string]string{"method.response.header.X-A": "'1'"}}},
			MethodResponses:      []MethodResponse{{StatusCode: 200, Headers: []string{"X-B"}}}},
			[]string{`Parameters["method.response.header.X-A"]: header X-A is not declared`}},
		{"declared twice", ResponseConfig{MethodResponses: []MethodResponse{{StatusCode: 200}, {StatusCode: 200}}},
			[]string{"MethodResponses[1]: status 200 declared twice"}},
		{"method status", ResponseConfig{MethodResponses: []MethodResponse{{StatusCode: 0}}},
			[]string{"MethodResponses[0]: StatusCode 0"}},
		{"target", ResponseConfig{IntegrationResponses: []IntegrationResponse{{Parameters: map[string]string{"method.response.body": "'1'"}}}},
			[]string{"want method.response.header.<name>"}},
		{"request source", ResponseConfig{IntegrationResponses: []IntegrationResponse{{Parameters: map[string]string{"method.response.header.X": "method.request.header.Y"}}}},
			[]string{"method.request.header.<name> is not allowed here; want 'literal', context.<var>, stageVariables.<name>, integration.response.header.<name>"}},
		{"template type", ResponseConfig{IntegrationResponses: []IntegrationResponse{{Templates: map[string]*Template{"/": tmpl}}}},
			[]string{`Templates["/"]: bad content type`}},
		{"nil template", ResponseConfig{IntegrationResponses: []IntegrationResponse{{Templates: map[string]*Template{"text/xml": nil}}}},
			[]string{`Templates["text/xml"]: nil template`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewResponseMapping(tt.cfg)
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

// TestSpecs: each form a gateway.Method may hold compiles to a mapping.
func TestSpecs(t *testing.T) {
	tmpl := MustCompile(`{"genre": input.json.genres}`)
	req, err := NewRequestMapping(RequestConfig{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := NewResponseMapping(ResponseConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for name, spec := range map[string]RequestSpec{"template": tmpl, "config": RequestConfig{}, "compiled": req,
		"expr": Expr(`input.json`), "text": Text(`<a>{{ input.json.a }}</a>`)} {
		if m, err := spec.RequestMapping(); err != nil || m == nil {
			t.Errorf("request %s: %v", name, err)
		}
	}
	for name, spec := range map[string]ResponseSpec{"template": tmpl, "config": ResponseConfig{}, "compiled": resp,
		"expr": Expr(`input.json`), "text": Text(`<a>{{ input.json.a }}</a>`)} {
		if m, err := spec.ResponseMapping(); err != nil || m == nil {
			t.Errorf("response %s: %v", name, err)
		}
	}
	var nilTmpl *Template
	if _, err := nilTmpl.ResponseMapping(); err == nil {
		t.Error("nil template: no error")
	}
	if _, err := nilTmpl.RequestMapping(); err == nil {
		t.Error("nil template: no error")
	}
	if _, err := (RequestConfig{Passthrough: "X"}).RequestMapping(); err == nil {
		t.Error("bad config: no error")
	}
	// Sources compile when the gateway builds the route: errors, not panics.
	for name, f := range map[string]func() error{
		"Expr request":  func() error { _, err := Expr(`inptu`).RequestMapping(); return err },
		"Expr response": func() error { _, err := Expr(`inptu`).ResponseMapping(); return err },
		"Text request":  func() error { _, err := Text(`{{ inptu }}`).RequestMapping(); return err },
		"Text response": func() error { _, err := Text(`{{ inptu }}`).ResponseMapping(); return err },
	} {
		if err := f(); err == nil || !strings.Contains(err.Error(), "undeclared reference to 'inptu'") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
