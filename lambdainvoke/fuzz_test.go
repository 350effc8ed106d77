package lambdainvoke_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/apigw/apigw/lambdainvoke"
)

// FuzzHandler: no request to the Invoke API panics it; a function's answer
// or failure is always JSON.
func FuzzHandler(f *testing.F) {
	h, err := lambdainvoke.NewHandler(map[string]any{"echo": func(_ context.Context, in json.RawMessage) (json.RawMessage, error) { return in, nil }})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("echo", "", `{"a": 1}`)
	f.Add("arn:aws:lambda:us-east-1:123456789012:function:echo:live", "v1", `[]`)
	f.Add("nobody", "", `not json`)
	f.Fuzz(func(t *testing.T, name, qualifier, body string) {
		r := httptest.NewRequest(http.MethodPost, "/2015-03-31/functions/"+url.PathEscape(name)+"/invocations?Qualifier="+url.QueryEscape(qualifier), strings.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == 200 && w.Header().Get("X-Amz-Function-Error") != "" && !json.Valid(w.Body.Bytes()) {
			t.Errorf("a function error that is not JSON: %q", w.Body)
		}
	})
}
