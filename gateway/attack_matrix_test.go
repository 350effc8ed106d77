package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/stage"
)

// TestAttackMatrixParamsToHTTPBackend: a path parameter holding ';' (a
// matrix parameter to Java servers, which drop ";x=1" from a raw segment)
// or other delimiters reaches an HTTP integration escaped, so that a
// backend cannot read /pets/secret;x=1 as /pets/secret, which the
// authorizer's Deny names.
func TestAttackMatrixParamsToHTTPBackend(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.RequestURI)
		mu.Unlock()
	}))
	defer backend.Close()
	tok, err := newPolicyToken()
	if err != nil {
		t.Fatal(err)
	}
	gw := mustNew(t, WithStage(stage.Stage{Name: "prod"}), WithAuthorizer("policy", tok),
		Route("GET /pets/{id}", Method{Authorizer: "policy", Integration: HTTP(backend.URL + "/pets/{id}")}),
		Route("ANY /files/{path+}", Method{Authorizer: "policy", Integration: HTTP(backend.URL + "/files/{path}")}),
	)
	for _, p := range []string{"/pets/secret;x=1", "/pets/secret;", "/pets/secret%3Bx", "/pets/secret%3F", "/pets/secret%23",
		"/files/private;x/a", "/files/public/..;/private/a", "/files/x;/../private/a"} {
		mu.Lock()
		seen = nil
		mu.Unlock()
		rec := do(t, gw, "GET", p, "", "Authorization", "token")
		mu.Lock()
		got := strings.Join(seen, ",")
		mu.Unlock()
		t.Logf("GET %s: %d, backend got %q", p, rec.Code, got)
		if rec.Code/100 == 2 {
			if strings.Contains(got, ";") || strings.Contains(got, "?") && !strings.HasSuffix(got, "?") || strings.Contains(got, "#") ||
				strings.HasPrefix(got, "/pets/secret") && !strings.HasPrefix(got, "/pets/secret%") ||
				strings.Contains(got, "/../") || strings.HasSuffix(got, "/..") {
				t.Errorf("GET %s: %d, the backend got %q", p, rec.Code, got)
			}
		}
	}
}

func newPolicyToken() (*authorizer.TokenAuthorizer, error) {
	return authorizer.NewToken(authorizer.TokenConfig{Func: policyFunc, TTL: authorizer.NoCache})
}
