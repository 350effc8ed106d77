package mapping

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
)

// artistBody is the artist resource.
const artistBody = `{"id":1234,"artist":"Queen","popularity":90,"genres":["Progressive rock","Pop rock","Glam rock"]}`

// newRequest returns a method request with a filled-in Context: path
// parameter id=7, stage variable ver=v1, a JWT authorizer's claims and a
// Lambda authorizer's context.
func newRequest(t testing.TB, method, target, body string, header map[string]string) (*http.Request, *apigw.Context) {
	t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	c := apigw.NewRequestContext(r, time.Date(2020, 3, 4, 19, 15, 17, 0, time.UTC))
	c.Stage = "prod"
	c.ResourcePath = "/artists/{id}"
	c.PathParameters = map[string]string{"id": "7"}
	c.StageVariables = map[string]string{"ver": "v1"}
	c.Authorizer = apigw.Authorizer{
		PrincipalID: "user-1",
		Claims:      map[string]any{"sub": "abc", "email": "a@example.com"},
		Context:     map[string]any{"tier": "gold", "n": 3.0},
	}
	c.Status = 200
	return r.WithContext(apigw.NewContext(r.Context(), c)), c
}

// render compiles src (text when it starts with "text:") and renders it
// over the request body, failing the test on a compile error.
func render(t *testing.T, src string, r *http.Request, c *apigw.Context) (string, error) {
	t.Helper()
	var tm *Template
	var err error
	if text, ok := strings.CutPrefix(src, "text:"); ok {
		tm, err = CompileText(text)
	} else {
		tm, err = Compile(src)
	}
	if err != nil {
		t.Fatalf("compile %q: %v", src, err)
	}
	out, err := tm.Render(nil, r, c)
	return string(out), err
}
