package validator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/jsontape"
)

const artistSchema = `{
  "type": "object",
  "required": ["artist"],
  "properties": {
    "artist": {"type": "string", "minLength": 1},
    "popularity": {"type": "integer", "minimum": 0, "maximum": 100}
  },
  "additionalProperties": false
}`

func TestValidate(t *testing.T) {
	artist := MustCompileModel("Artist", artistSchema)
	text := MustCompileModel("Text", `{"type": "string"}`)
	v, err := New(Config{
		Parameters: map[string]bool{
			"method.request.querystring.lang": true,
			"method.request.header.x-id":      true,
			"method.request.querystring.opt":  false,
		},
		Models: map[string]*Model{"application/json": artist, "$default": text},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		query       string
		header      map[string]string
		body        string
		wantStatus  int
		wantMessage string
		wantDetail  string
	}{
		{"valid", "?lang=en", map[string]string{"x-id": "1"}, `{"artist":"Queen","popularity":90}`, 200, "", ""},
		{"empty query value counts", "?lang=", map[string]string{"x-id": "1"}, `{"artist":"Queen"}`, 200, "", ""},
		{"missing query", "", map[string]string{"x-id": "1"}, `{"artist":"Queen"}`, 400, "Missing required request parameters: [lang]", "Missing required request parameters: [lang]"},
		{"missing both", "", nil, `{"artist":"Queen"}`, 400, "Missing required request parameters: [lang, x-id]", ""},
		{"wrong type", "?lang=en", map[string]string{"x-id": "1"}, `{"artist":"Queen","popularity":"high"}`, 400, "Invalid request body", "/popularity"},
		{"missing property", "?lang=en", map[string]string{"x-id": "1"}, `{"popularity":1}`, 400, "Invalid request body", "artist"},
		{"extra property", "?lang=en", map[string]string{"x-id": "1"}, `{"artist":"Q","x":1}`, 400, "Invalid request body", "x"},
		{"malformed JSON", "?lang=en", map[string]string{"x-id": "1"}, `{"artist":`, 400, "Invalid request body", "not JSON"},
		{"trailing data", "?lang=en", map[string]string{"x-id": "1"}, `{"artist":"Q"} {}`, 400, "Invalid request body", "after the top-level value"},
		{"empty body", "?lang=en", map[string]string{"x-id": "1"}, ``, 400, "Invalid request body", ""},
		{"big integer keeps precision", "?lang=en", map[string]string{"x-id": "1"}, `{"artist":"Q","popularity":100000000000000000001}`, 400, "Invalid request body", "maximum"},
		{"default model", "?lang=en", map[string]string{"x-id": "1", "Content-Type": "text/plain"}, `"just text"`, 200, "", ""},
		{"default model refuses", "?lang=en", map[string]string{"x-id": "1", "Content-Type": "text/plain"}, `12`, 400, "Invalid request body", ""},
		{"content type parameters", "?lang=en", map[string]string{"x-id": "1", "Content-Type": "Application/JSON; charset=utf-8"}, `{"artist":"Q"}`, 200, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var reached bool
			h := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
			req := httptest.NewRequest("POST", "/artists"+tc.query, strings.NewReader(tc.body))
			for k, val := range tc.header {
				req.Header.Set(k, val)
			}
			rec := httptest.NewRecorder()
			var ctx *apigw.Context
			req, ctx = apigw.EnsureContext(req)
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantStatus == 200 {
				if !reached {
					t.Error("valid request did not reach the backend")
				}
				return
			}
			if reached {
				t.Error("invalid request reached the backend")
			}
			if want := `{"message":"` + tc.wantMessage + `"}`; rec.Body.String() != want {
				t.Errorf("body = %s, want %s", rec.Body, want)
			}
			if rec.Header().Get("x-amzn-ErrorType") != "BadRequestException" {
				t.Errorf("x-amzn-ErrorType = %q", rec.Header().Get("x-amzn-ErrorType"))
			}
			if !strings.Contains(ctx.Error.ValidationErrorString, tc.wantDetail) {
				t.Errorf("validationErrorString = %q, want it to mention %q", ctx.Error.ValidationErrorString, tc.wantDetail)
			}
		})
	}
}

func TestModes(t *testing.T) {
	m := MustCompileModel("M", `{"type":"object"}`)
	params := map[string]bool{"method.request.header.x": true}
	tests := []struct {
		mode             Mode
		wantParam, wantB bool // whether a missing header / bad body is refused
	}{
		{All, true, true}, {Body, false, true}, {Parameters, true, false}, {Off, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.mode.String(), func(t *testing.T) {
			v, err := New(Config{Mode: tc.mode, Parameters: params, Models: map[string]*Model{"application/json": m}})
			if err != nil {
				t.Fatal(err)
			}
			_, c := apigw.EnsureContext(httptest.NewRequest("GET", "/", nil))
			gotParam := v.Validate(httptest.NewRequest("POST", "/", strings.NewReader("{}")), c) != nil
			req := httptest.NewRequest("POST", "/", strings.NewReader("[]"))
			req.Header.Set("x", "1")
			req, c = apigw.EnsureContext(req)
			gotBody := v.Validate(req, c) != nil
			if gotParam != tc.wantParam || gotBody != tc.wantB {
				t.Errorf("refuses missing param %v (want %v), bad body %v (want %v)", gotParam, tc.wantParam, gotBody, tc.wantB)
			}
			if v.empty() != (!tc.wantParam && !tc.wantB) {
				t.Errorf("empty() = %v", v.empty())
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{Parameters: map[string]bool{"method.request.cookie.a": true, "q": true}, Models: map[string]*Model{"application/json": nil}})
	for _, want := range []string{`Parameters: "method.request.cookie.a": not a parameter expression`, `Parameters: "q": not a parameter expression`, `Models["application/json"]: nil model`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
	if _, err := CompileModel("Bad", `{"type": 12}`); err == nil || !strings.Contains(err.Error(), `model "Bad"`) {
		t.Errorf("bad schema: %v", err)
	}
	if _, err := CompileModel("Remote", `{"$ref": "http://example.com/x.json"}`); err == nil {
		t.Error("a remote $ref compiled")
	}
	if _, err := CompileModel("NotJSON", `{`); err == nil {
		t.Error("a schema that is not JSON compiled")
	}
	if _, err := CompileModel("Draft2020", `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"type":"string"}]}`); err != nil {
		t.Errorf("a 2020-12 schema: %v", err)
	}
}

// The body is parsed once and shared: a later phase sees the same value.
func TestBodySharedWithLaterPhases(t *testing.T) {
	v, _ := New(Config{Models: map[string]*Model{"application/json": MustCompileModel("M", `{"type":"object"}`)}})
	var again any
	h := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		again, _ = apigw.FromContext(r.Context()).JSON(r)
		b := make([]byte, 64)
		n, _ := r.Body.Read(b)
		w.Write(b[:n])
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(`{"a":1}`)))
	if rec.Body.String() != `{"a":1}` || again.(map[string]any)["a"] == nil {
		t.Errorf("backend saw %q, parsed %v", rec.Body, again)
	}
}

// The validator's parse is the request's: whoever reads the body after it
// (a mapping template, the Context's JSON) reads the same tape.
func TestBodyParsedOnce(t *testing.T) {
	v, _ := New(Config{Models: map[string]*Model{"application/json": MustCompileModel("M", `{"type":"object"}`)}})
	var first, again *jsontape.Doc
	h := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		data, _ := c.Body(r)
		first, _ = jsontape.Of(r, data)
		again, _ = jsontape.Of(r, data)
	}))
	req := httptest.NewRequest("POST", "/", strings.NewReader(`{"a":1}`))
	h.ServeHTTP(httptest.NewRecorder(), req)
	if first == nil || first != again || first.Nodes() != 3 {
		t.Errorf("the backend's parse %p, again %p: not the request's one parse", first, again)
	}
}

func BenchmarkValidate(b *testing.B) {
	v, _ := New(Config{
		Parameters: map[string]bool{"method.request.header.x-id": true},
		Models:     map[string]*Model{"application/json": MustCompileModel("Artist", artistSchema)},
	})
	body := `{"artist":"Queen","popularity":90}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("x-id", "1")
		req, c := apigw.EnsureContext(req)
		if err := v.Validate(req, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkModel checks the artist body on its tape with the compiled
// model, and decoded into Go values with jsonschema, as before.
func BenchmarkModel(b *testing.B) {
	m := MustCompileModel("Artist", artistSchema)
	const body = `{"artist":"Queen","popularity":90}`
	b.Run("compiled", func(b *testing.B) {
		b.ReportAllocs()
		var d jsontape.Doc
		for b.Loop() {
			if err := d.Parse(body); err != nil {
				b.Fatal(err)
			}
			if err := m.validateDoc(&d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonschema", func(b *testing.B) {
		b.ReportAllocs()
		var d jsontape.Doc
		for b.Loop() {
			if err := d.Parse(body); err != nil {
				b.Fatal(err)
			}
			if err := m.Validate(d.Native(0)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func FuzzValidateBody(f *testing.F) {
	for _, s := range []string{`{"artist":"Q"}`, `{`, `[]`, `null`, `{"artist":1e999}`, `{"popularity":-0}`, "\xff", `"` + strings.Repeat("[", 100) + `"`} {
		f.Add(s)
	}
	v, _ := New(Config{Models: map[string]*Model{"application/json": MustCompileModel("Artist", artistSchema)}})
	f.Fuzz(func(t *testing.T, body string) {
		req, c := apigw.EnsureContext(httptest.NewRequest("POST", "/", strings.NewReader(body)))
		err := v.Validate(req, c)
		var d jsontape.Doc
		if d.Parse(body) == nil {
			if want, _ := referenceValid(v.models["application/json"], d.Native(0)); want != (err == nil) {
				t.Fatalf("body %q: valid=%v, jsonschema valid=%v", body, err == nil, want)
			}
		}
		if err == nil {
			return
		}
		e := apigw.AsError(err)
		if e.StatusCode() != 400 {
			t.Fatalf("body %q: status %d, want 400", body, e.StatusCode())
		}
	})
}
