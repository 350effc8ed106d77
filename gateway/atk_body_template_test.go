package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/apigw/apigw/mapping"
)

// A template builds JSON from a query value with $util.escapeJavaScript or
// $util.escapeJson; the client tries to add a "role" key. (A single quote
// makes escapeJavaScript's output invalid JSON, as on AWS: not tried.)
func TestAtkBodyTemplateJSONBreakout(t *testing.T) {
	templates := map[string]*mapping.Template{
		"vtl escapeJavaScript": mapping.MustCompileVTL(`{"name":"$util.escapeJavaScript($input.params('n'))","role":"user"}`),
		"vtl input.json":       mapping.MustCompileVTL(`{"name":$input.json('$.n'),"role":"user"}`),
	}
	for name, tmpl := range templates {
		t.Run(name, func(t *testing.T) {
			var got map[string]any
			var raw []byte
			backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ = io.ReadAll(r.Body)
				got = nil
				_ = json.Unmarshal(raw, &got)
			})
			gw := mustNew(t, Route("POST /users", Method{
				Integration: Handler(backend),
				Request:     mapping.RequestConfig{Templates: map[string]*mapping.Template{"application/json": tmpl}},
			}))
			for _, n := range []string{`x","role":"admin","y":"`, `x\","role":"admin`, "x\u2028\",\"role\":\"admin", `x</script>`, "x\x00\",\"role\":\"admin"} {
				body, _ := json.Marshal(map[string]string{"n": n})
				do(t, gw, "POST", "/users?n="+url.QueryEscape(n), string(body), "Content-Type", "application/json")
				if got == nil {
					t.Errorf("n=%q: backend body not JSON: %s", n, raw)
					continue
				}
				if got["role"] != "user" || got["name"] != n {
					t.Errorf("n=%q: backend got %s", n, raw)
				}
			}
		})
	}
}
