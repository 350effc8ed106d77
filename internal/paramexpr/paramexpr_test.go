package paramexpr

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

type vars map[string]string

func (v vars) Var(name string) (string, bool) { s, ok := v[name]; return s, ok }

func TestParse(t *testing.T) {
	all := Set(1<<numKinds - 2)
	for _, tc := range []struct {
		in   string
		kind Kind
		name string
		path []Step
	}{
		{"'static'", Literal, "static", nil},
		{"''", Literal, "", nil},
		{"context.requestId", Context, "requestId", nil},
		{"context.authorizer.claims.sub", Context, "authorizer.claims.sub", nil},
		{"context.authorizer.tier", Context, "authorizer.tier", nil},
		{"stageVariables.ver", StageVariable, "ver", nil},
		{"method.request.path.id", RequestPath, "id", nil},
		{"method.request.querystring.q", RequestQuery, "q", nil},
		{"method.request.multivaluequerystring.q", RequestMultiQuery, "q", nil},
		{"method.request.header.x-user", RequestHeader, "X-User", nil},
		{"method.request.multivalueheader.X-User", RequestMultiHeader, "X-User", nil},
		{"method.request.body", RequestBody, "", nil},
		{"method.request.body.a.b[2]['c d']", RequestBody, "", []Step{{"a", -1}, {"b", -1}, {"", 2}, {"c d", -1}}},
		{"integration.response.header.ETag", ResponseHeader, "Etag", nil},
		{"integration.response.multivalueheader.etag", ResponseMultiHeader, "Etag", nil},
		{"integration.response.body.id", ResponseBody, "", []Step{{"id", -1}}},
		{"integration.request.header.x", IntegrationHeader, "X", nil},
		{"integration.request.querystring.q", IntegrationQuery, "q", nil},
		{"integration.request.path.id", IntegrationPath, "id", nil},
		{"method.response.header.Location", MethodResponseHeader, "Location", nil},
		{"$request.header.authorization", RequestMultiHeader, "Authorization", nil},
		{"$request.querystring.q", RequestMultiQuery, "q", nil},
		{"$request.path", RequestURLPath, "", nil},
		{"$request.path.id", RequestPath, "id", nil},
		{"$request.body.a", RequestBody, "", []Step{{"a", -1}}},
		{"$context.requestId", Context, "requestId", nil},
		{"$stageVariables.v", StageVariable, "v", nil},
		{"$response.header.etag", ResponseMultiHeader, "Etag", nil},
	} {
		e, err := Parse(tc.in, all)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if e.Kind != tc.kind || e.Name != tc.name || !slices.Equal(e.Path, tc.path) || e.Text != tc.in {
			t.Errorf("Parse(%q) = %+v", tc.in, e)
		}
	}
	for in, want := range map[string]string{
		"context.nope":                  `unknown $context variable "nope"`,
		"context.":                      `unknown $context variable ""`,
		"stageVariables.a-b":            "stage variable name",
		"method.request.header.a b":     "not a header name",
		"method.request.path.":          "parameter name",
		"method.request.querystring.a/": "parameter name",
		"method.request.cookie.a":       "unknown form",
		"request.header.a":              "unknown form",
		"method.request.body.":          "empty JSONPath",
		"method.request.body.a..b":      "empty name",
		"method.request.body.a[x]":      "neither an index",
		"method.request.body.a[1":       "[ without ]",
		"'unterminated":                 "unknown form",
		"$request.cookie.a":             "unknown form",
		"$context.nope":                 `unknown $context variable "nope"`,
	} {
		_, err := Parse(in, all)
		if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
	}
	// A form the place does not accept names what it does.
	_, err := Parse("method.request.path.id", IdentitySources)
	if err == nil || !strings.Contains(err.Error(), "method.request.path.<name> is not allowed here") ||
		!strings.Contains(err.Error(), "want context.<var>, stageVariables.<name>, method.request.querystring.<name>") {
		t.Errorf("a path parameter as an identity source: %v", err)
	}
}

func TestValues(t *testing.T) {
	req := &Request{
		Header:         http.Header{"X-User": {"a", "b"}, "Accept": {"text/plain"}},
		RawQuery:       "q=1&q=2&sp=a+b&bad=%zz&semi=1;2&r=%41",
		Context:        vars{"requestId": "r1"},
		StageVariables: map[string]string{"ver": "v1"},
		PathParameters: map[string]string{"id": "7"},
		ResponseHeader: http.Header{"Etag": {"x"}},
	}
	for in, want := range map[string][]string{
		"'lit'":                                  {"lit"},
		"context.requestId":                      {"r1"},
		"context.stage":                          nil,
		"stageVariables.ver":                     {"v1"},
		"stageVariables.nope":                    nil,
		"method.request.path.id":                 {"7"},
		"method.request.header.x-user":           {"a", "b"},
		"method.request.multivalueheader.x-user": {"a", "b"},
		"method.request.querystring.q":           {"1", "2"},
		"method.request.querystring.sp":          {"a b"},
		"method.request.querystring.bad":         nil,
		"method.request.querystring.semi":        nil,
		"method.request.querystring.r":           {"A"},
		"integration.response.header.etag":       {"x"},
	} {
		e, err := Parse(in, Set(1<<numKinds-2))
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Values(req); !slices.Equal(got, want) {
			t.Errorf("%s: Values = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"method.request.header.x-user":           "b", // the last, as AWS's single-value maps
		"method.request.multivalueheader.x-user": "a,b",
		"method.request.querystring.q":           "2",
		"method.request.multivaluequerystring.q": "1,2",
	} {
		e, _ := Parse(in, Set(1<<numKinds-2))
		if got, ok := e.Value(req); !ok || got != want {
			t.Errorf("%s: Value = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestTemplate(t *testing.T) {
	req := &Request{Header: http.Header{"X-H": {"h"}}, RawQuery: "q=1", Context: vars{"stage": "prod", "requestId": "r"},
		StageVariables: map[string]string{"v": "7"}, PathParameters: map[string]string{"id": "9"}}
	tmpl, err := ParseTemplate(`{"id":"$method.request.path.id","q":"${method.request.querystring.q}","h":"$method.request.header.x-h",`+
		`"v":"${stageVariables.v}","stage":"$context.stage.","cost":"$5","free":"$x.y","none":"$stageVariables.nope"}`, TemplateVars)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"9","q":"1","h":"h","v":"7","stage":"prod.","cost":"$5","free":"$x.y","none":""}`
	if got := tmpl.Render(req); got != want {
		t.Errorf("Render = %s\nwant     %s", got, want)
	}
	if tmpl.IsLiteral() {
		t.Error("IsLiteral")
	}
	for src, want := range map[string]string{"${context.requestId": "${ without }", "$context.nope": "unknown $context variable"} {
		if _, err := ParseTemplate(src, TemplateVars); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTemplate(%q) = %v", src, err)
		}
	}
	// A body's JSONPath goes on through brackets; a bracket after the
	// body itself, or without its end, is text.
	body, err := ParseTemplate("<$response.body.n[1]['a b'].c[x|$request.body[0]>", Kinds(ResponseBody, RequestBody))
	if err != nil {
		t.Fatal(err)
	}
	breq := &Request{Body: func(e *Expr) (string, bool) {
		var b strings.Builder
		for _, s := range e.Path {
			if s.Index >= 0 {
				b.WriteString("#" + strconv.Itoa(s.Index))
			} else {
				b.WriteString("/" + s.Key)
			}
		}
		return b.String(), true
	}}
	if got, want := body.Render(breq), "</n#1/a b/c[x|[0]>"; got != want {
		t.Errorf("a body's JSONPath in a template: %q, want %q", got, want)
	}
	lit, _ := ParseTemplate("plain $ text", TemplateVars)
	if !lit.IsLiteral() || lit.Render(req) != "plain $ text" {
		t.Error("literal template")
	}
}

// TestTemplateAppend renders an access-log format with an escaping
// function, as package monitor does for JSON: values escaped, absent ones
// as "-".
func TestTemplateAppend(t *testing.T) {
	req := &Request{Context: vars{"requestId": "r", "identity.userAgent": `say "hi"`}}
	tmpl, err := ParseTemplate(`{"requestId":"$context.requestId","ua":"$context.identity.userAgent","caller":"$context.identity.caller"}`, Kinds(Context))
	if err != nil {
		t.Fatal(err)
	}
	esc := func(dst []byte, v string, ok bool) []byte {
		if !ok || v == "" {
			return append(dst, '-')
		}
		return append(dst, strings.ReplaceAll(v, `"`, `\"`)...)
	}
	want := `{"requestId":"r","ua":"say \"hi\"","caller":"-"}`
	if got := string(tmpl.Append([]byte("> "), req, esc)); got != "> "+want {
		t.Errorf("Append = %s\nwant      > %s", got, want)
	}
	if got := string(tmpl.Append(nil, req, nil)); got != `{"requestId":"r","ua":"say "hi"","caller":""}` {
		t.Errorf("Append without escaping = %s", got)
	}
	var names []string
	for _, e := range tmpl.Exprs() {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, " "); got != "requestId identity.userAgent identity.caller" {
		t.Errorf("Exprs = %s", got)
	}
}

func TestContextVarsSorted(t *testing.T) {
	if !slices.IsSorted(contextVars) {
		t.Error("contextVars must stay sorted: ValidContextVar searches it")
	}
}

// FuzzParse: parsing never panics, and what parses parses again the same
// from its own text.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"'x'", "context.requestId", "method.request.body.a[0]['b']", "method.request.header.X", "stageVariables.v", "$", "${"} {
		f.Add(s)
	}
	all := Set(1<<numKinds - 2)
	f.Fuzz(func(t *testing.T, s string) {
		if e, err := Parse(s, all); err == nil {
			again, err := Parse(e.Text, all)
			if err != nil || again.Kind != e.Kind || again.Name != e.Name {
				t.Fatalf("%q: %+v then %+v, %v", s, e, again, err)
			}
		}
		if tmpl, err := ParseTemplate(s, TemplateVars); err == nil {
			_ = tmpl.Render(&Request{})
		}
	})
}
