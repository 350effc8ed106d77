package mapping_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
)

// The request template AWS users write for a non-proxy integration: the
// body reshaped, a parameter, and overrides of the integration request's
// header, query string and of the answer's status and header.
const vtlRequest = `#set($root = $input.path('$'))
{
  "name": "$util.escapeJavaScript($root.name)",
  "id": "$input.params('id')",
  "tags": $input.json('$.tags')
}
#set($context.requestOverride.header.X-Trace = "t-$input.params('id')")
#set($context.requestOverride.querystring.lang = "fr")
#set($context.responseOverride.header.X-From-Request = "yes")
`

// The response template: the integration's answer reshaped, the status
// overridden to 201.
const vtlResponse = `#set($r = $input.path('$'))
{"greeting": "Hello, $util.escapeJavaScript($r.name)", "trace": "$r.trace", "lang": "$r.lang", "count": $r.tags.size()}
#set($context.responseOverride.status = 201)
`

// echo is a backend that answers with what the integration request held.
func echo(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, "not JSON: "+string(body), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"name": in.Name, "tags": in.Tags,
		"trace": r.Header.Get("X-Trace"), "lang": r.URL.Query().Get("lang")})
}

// TestVTLThroughGateway runs the same VTL templates through gateway.New
// with every kind of integration that carries a body.
func TestVTLThroughGateway(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	lambda := func(_ context.Context, in map[string]any) (map[string]any, error) {
		// A non-proxy Lambda function sees the mapped body as its event;
		// it answers without the integration request's header and query.
		return map[string]any{"name": in["name"], "tags": in["tags"], "trace": "lambda", "lang": "n/a"}, nil
	}
	for _, tc := range []struct {
		name        string
		integration gateway.Integration
		trace, lang string
	}{
		{"handler", gateway.Handler(http.HandlerFunc(echo)), "t-7", "fr"},
		{"http", gateway.HTTP(srv.URL + "/echo"), "t-7", "fr"},
		{"lambda", gateway.Lambda(lambda), "lambda", "n/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw, err := gateway.New(gateway.Route("POST /items/{id}", gateway.Method{
				Integration: tc.integration,
				Request:     mapping.VTL(vtlRequest),
				Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{{
					StatusCode: 200, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompileVTL(vtlResponse)},
				}}},
			}))
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("POST", "/items/7", strings.NewReader(`{"name": "Ada \"the first\"", "tags": ["a", "b/c"]}`))
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, r)
			want := `{"greeting": "Hello, Ada \"the first\"", "trace": "` + tc.trace + `", "lang": "` + tc.lang + `", "count": 2}` + "\n"
			if w.Code != 201 || w.Body.String() != want {
				t.Errorf("got %d %q, want 201 %q", w.Code, w.Body.String(), want)
			}
			if got := w.Header().Get("X-From-Request"); got != "yes" {
				t.Errorf("X-From-Request = %q: the request template's response override did not apply", got)
			}
		})
	}
}

// TestVTLMockOverrides is API Gateway's recorded behaviour (LocalStack's
// test_integration_mock_with_response_override_in_request_template,
// validated against AWS): a Mock's request template overrides the status
// and a header, and the response template reads what it set.
func TestVTLMockOverrides(t *testing.T) {
	request := `
#set($context.responseOverride.status = 444)
#set($context.responseOverride.header.foo = "bar")
#set($context.responseOverride.custom = "is also passed around")
{
  "statusCode": 200
}
`
	response := `
#set($statusOverride = $context.responseOverride.status)
#set($fooHeader = $context.responseOverride.header.foo)
#set($custom = $context.responseOverride.custom)
{
    "statusOverride": "$statusOverride",
    "fooHeader": "$fooHeader",
    "custom": "$custom"
}
`
	gw, err := gateway.New(gateway.Route("GET /", gateway.Method{
		Integration: gateway.Mock(200, `{}`),
		Request:     mapping.VTL(request),
		Response:    mapping.VTL(response),
	}))
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	var got map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	want := map[string]string{"statusOverride": "444", "fooHeader": "bar", "custom": "is also passed around"}
	if w.Code != 444 || w.Header().Get("foo") != "bar" || got["statusOverride"] != want["statusOverride"] ||
		got["fooHeader"] != want["fooHeader"] || got["custom"] != want["custom"] {
		t.Errorf("got %d foo=%q %v, want 444 foo=bar %v", w.Code, w.Header().Get("foo"), got, want)
	}
}

// TestVTLErrors: a template that fails at run time is AWS's 500, with the
// template's line in the access log; a request template reading a body
// that is not JSON is a 400.
func TestVTLErrors(t *testing.T) {
	var log bytes.Buffer
	gw, err := gateway.New(
		gateway.WithAccessLog(slog.New(slog.NewJSONHandler(&log, nil))),
		gateway.Route("POST /fail", gateway.Method{
			Integration: gateway.Handler(http.HandlerFunc(echo)),
			Request:     mapping.VTL("{\n  \"a\": \"$input.path('$.name').substring(99)\"\n}"),
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, httptest.NewRequest("POST", "/fail", strings.NewReader(`{"name": "short"}`)))
	if w.Code != 500 || strings.TrimSpace(w.Body.String()) != `{"message":"Internal server error"}` {
		t.Errorf("got %d %s, want 500 Internal server error", w.Code, w.Body)
	}
	if !strings.Contains(log.String(), "line 2, column") {
		t.Errorf("the access log does not name the template's line: %s", log.String())
	}

	w = httptest.NewRecorder()
	gw.ServeHTTP(w, httptest.NewRequest("POST", "/fail", strings.NewReader(`name=short`)))
	if w.Code != 400 || !strings.Contains(w.Body.String(), "Could not parse request body into json") {
		t.Errorf("got %d %s, want 400 Could not parse request body into json", w.Code, w.Body)
	}
}

// TestVTLBuildErrors: a template that does not parse, or uses what apigw
// does not support, fails gateway.New with its line and column.
func TestVTLBuildErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"{\n  #if($a)\n}", "line 2, column 3: #if without #end"},
		{"#include('x.vm')", "line 1, column 1: #include"},
		{"#set($a = $b -1)", "line 1, column 14: a negative number"},
		{"ok\n#foreach($x $list)#end", "line 2, column 13: #foreach: want in"},
	} {
		_, err := gateway.New(gateway.Route("GET /", gateway.Method{
			Integration: gateway.Mock(200, `{}`),
			Response:    mapping.VTL(tc.src),
		}))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}
