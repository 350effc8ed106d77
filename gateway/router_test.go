package gateway

import (
	"maps"
	"net/http"
	"testing"

	"github.com/apigw/apigw"
)

func apigwContext(r *http.Request) *apigw.Context { return apigw.FromContext(r.Context()) }

func TestRouting(t *testing.T) {
	gw := mustNew(t,
		Route("GET /", Method{Integration: Handler(echo)}),
		Route("GET /artists", Method{Integration: Handler(echo)}),
		Route("GET /artists/{id}", Method{Integration: Handler(echo)}),
		Route("GET /artists/top", Method{Integration: Handler(echo)}),
		Route("PUT /artists/{id}", Method{Integration: Handler(echo)}),
		Route("GET /artists/{id}/albums/{album}", Method{Integration: Handler(echo)}),
		Route("ANY /files/{path+}", Method{Integration: Handler(echo)}),
		Route("ANY /any", Method{Integration: Handler(echo)}),
		Route("POST /any", Method{Integration: Mock(201, `{}`)}),
	)
	tests := []struct {
		method, path string
		resource     string // "" for 403
		params       map[string]string
	}{
		{"GET", "/", "/", nil},
		{"GET", "/artists", "/artists", nil},
		{"GET", "/artists/", "/artists", nil},
		{"GET", "/artists/1234", "/artists/{id}", map[string]string{"id": "1234"}},
		{"GET", "/artists/top", "/artists/top", nil},
		{"PUT", "/artists/top", "", nil}, // /artists/top has no PUT; /artists/{id}'s does not serve it
		{"PUT", "/artists/tip", "/artists/{id}", map[string]string{"id": "tip"}},
		{"GET", "/artists/1/albums/2", "/artists/{id}/albums/{album}", map[string]string{"id": "1", "album": "2"}},
		{"GET", "/artists/a%2Fb", "", nil}, // an escaped slash is refused (path.go)
		{"GET", "/artists/a%20b", "/artists/{id}", map[string]string{"id": "a b"}},
		{"GET", "/artists/caf%C3%A9", "/artists/{id}", map[string]string{"id": "café"}},
		{"DELETE", "/files/a/b/c.txt", "/files/{path+}", map[string]string{"path": "a/b/c.txt"}},
		{"GET", "/files/x", "/files/{path+}", map[string]string{"path": "x"}},
		{"PATCH", "/any", "/any", nil},
		{"DELETE", "/artists/1", "", nil},
		{"GET", "/artists/1/albums", "", nil},
		{"GET", "/files", "", nil},
		{"GET", "/nothing", "", nil},
		{"GET", "/artists/1/albums/2/3", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := do(t, gw, tc.method, tc.path, "")
			if tc.resource == "" {
				wantError(t, rec, 403, "Missing Authentication Token", "MissingAuthenticationTokenException")
				return
			}
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			got := decode(t, rec)
			if got["resource"] != tc.resource {
				t.Errorf("resource = %v, want %s", got["resource"], tc.resource)
			}
			params := map[string]string{}
			if p, ok := got["params"].(map[string]any); ok {
				for k, v := range p {
					params[k] = v.(string)
				}
			}
			if tc.params == nil {
				tc.params = map[string]string{}
			}
			if !maps.Equal(params, tc.params) {
				t.Errorf("params = %v, want %v", params, tc.params)
			}
		})
	}
	if rec := do(t, gw, "POST", "/any", ""); rec.Code != 201 {
		t.Errorf("POST /any = %d, want the POST method over ANY", rec.Code)
	}
}

func TestRouteMistakes(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		wantErr []string
	}{
		{"no routes", nil, []string{"no routes"}},
		{"bad method", []Option{Route("FETCH /a", Method{Integration: Mock(200, "")})}, []string{`route "FETCH /a"`, `method "FETCH"`}},
		{"no path", []Option{Route("GET", Method{Integration: Mock(200, "")})}, []string{`pattern "GET"`}},
		{"relative path", []Option{Route("GET a/b", Method{Integration: Mock(200, "")})}, []string{"must start with /"}},
		{"empty segment", []Option{Route("GET /a//b", Method{Integration: Mock(200, "")})}, []string{"empty segment"}},
		{"greedy not last", []Option{Route("GET /{p+}/x", Method{Integration: Mock(200, "")})}, []string{"must be the last segment"}},
		{"bad param", []Option{Route("GET /{a b}", Method{Integration: Mock(200, "")})}, []string{"parameter name"}},
		{"param twice", []Option{Route("GET /{a}/{a}", Method{Integration: Mock(200, "")})}, []string{"appears twice"}},
		{"duplicate", []Option{Route("GET /a", Method{Integration: Mock(200, "")}), Route("GET /a", Method{Integration: Mock(200, "")})}, []string{"defined twice"}},
		{"param names clash", []Option{Route("GET /a/{id}", Method{Integration: Mock(200, "")}), Route("PUT /a/{key}", Method{Integration: Mock(200, "")})}, []string{"conflicts"}},
		{"no integration", []Option{Route("GET /a", Method{})}, []string{"Integration: missing"}},
		{"short timeout", []Option{Route("GET /a", Method{Integration: Mock(200, ""), Timeout: 10})}, []string{"Timeout"}},
		{"unknown model", []Option{Route("POST /a", Method{Integration: Mock(200, ""), RequestModels: map[string]string{"application/json": "Nope"}})}, []string{`model "Nope" is not defined`}},
		{"bad model", []Option{WithModel("M", `{"type": 12}`), Route("POST /a", Method{Integration: Mock(200, "")})}, []string{`WithModel("M")`}},
		{"bad parameter", []Option{Route("GET /a", Method{Integration: Mock(200, ""), RequestParameters: map[string]bool{"querystring.q": true}})}, []string{`Parameters: "querystring.q": not a parameter expression`}},
		{"bad mock", []Option{Route("GET /a", Method{Integration: Mock(42, "")})}, []string{"Mock: status 42"}},
		{"bad http url", []Option{Route("GET /a", Method{Integration: HTTP("ftp://x/")})}, []string{"not an absolute http"}},
		{"unknown url param", []Option{Route("GET /a", Method{Integration: HTTP("http://x/{id}")})}, []string{"{id}: the route has no such path parameter"}},
		{"bad path option", []Option{Route("GET /a/{id}", Method{Integration: Handler(echo, Path("/b/{nope}"))})}, []string{"{nope}"}},
		{"bad lambda", []Option{Route("GET /a", Method{Integration: Lambda(func(a, b int) {})})}, []string{"context.Context first"}},
		{"bad response type", []Option{WithGatewayResponses(map[apigw.ResponseType]apigw.GatewayResponse{"NOPE": {}}), Route("GET /a", Method{Integration: Mock(200, "")})}, []string{`"NOPE": unknown response type`}},
		{"bad stage", []Option{WithStage(stageNamed("bad name!")), Route("GET /a", Method{Integration: Mock(200, "")})}, []string{`stage "bad name!"`, "Name"}},
		{"several at once", []Option{
			Route("GET /a", Method{}),
			Route("GET /b", Method{Integration: HTTP("nope")}),
			Route("BREW /c", Method{Integration: Mock(200, "")}),
		}, []string{`route "GET /a"`, `route "GET /b"`, `route "BREW /c"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts...)
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, want := range tc.wantErr {
				if !contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func contains(s, sub string) bool { return len(sub) == 0 || indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// FuzzRoute throws arbitrary methods and paths at a route tree: matching
// never panics, and whatever matches is a route that exists with parameters
// that are parts of the path.
func FuzzRoute(f *testing.F) {
	for _, s := range []string{"/", "/artists/1", "/files/a/b/c", "//", "/artists/%2F", "/a/../b", "/artists/1/albums/2", "/\x00", "/artists//1/"} {
		f.Add("GET", s, true)
		f.Add("PUT", s, false)
	}
	root := newNode()
	for _, p := range []string{"GET /", "GET /artists", "GET /artists/{id}", "GET /artists/top", "PUT /artists/{id}", "GET /artists/{id}/albums/{album}", "ANY /files/{path+}"} {
		m, path, _ := parsePattern(p, false)
		segs, err := resourceSegments(path)
		if err != nil {
			f.Fatal(err)
		}
		if err := root.add(segs, &route{method: m, resourcePath: path}); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, method, path string, byResource bool) {
		var m match
		if !root.lookup(method, path, byResource, &m) {
			return
		}
		if m.route == nil {
			t.Fatal("matched without a route")
		}
		if m.route.method != method && m.route.method != methodANY {
			t.Fatalf("%s %s matched %s %s", method, path, m.route.method, m.route.resourcePath)
		}
		for _, p := range m.params {
			if p.value == "" || !contains(path, p.value) {
				t.Fatalf("%s %s: parameter %s=%q is not part of the path", method, path, p.name, p.value)
			}
		}
	})
}
