package lambdainvoke_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apigw/apigw/lambdainvoke"
)

// atkHandler serves one function, "deleteAll", that counts its runs.
func atkHandler(t *testing.T) (http.Handler, *atomic.Int32) {
	t.Helper()
	var runs atomic.Int32
	h, err := lambdainvoke.NewHandler(map[string]any{
		"deleteAll": func(_ context.Context, in json.RawMessage) (json.RawMessage, error) {
			runs.Add(1)
			return in, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return h, &runs
}

// TestAtkMonFindingInvokeCrossSiteRequest: "serve it on a loopback address" does
// not keep browsers out. Any web page the developer opens can send a CORS
// "simple" request (POST, Content-Type text/plain, no custom header: no
// preflight) to http://127.0.0.1:3001/2015-03-31/functions/NAME/invocations;
// and by DNS rebinding a page of evil.example reaches the loopback port with
// Host: evil.example. The handler runs the function for both: the page
// cannot read the answer, but the function's side effects happen (a blind
// cross-site invocation). Lambda's real API rejects such requests (no
// SigV4 Authorization header); every request aws-sdk-go-v2's client sends
// carries one, which a browser cannot add cross-origin without a preflight
// the handler never answers. Fix in lambdainvoke/handler.go ServeHTTP:
// require an Authorization header (AWS4-HMAC-SHA256 ...), refuse requests
// with an Origin or Sec-Fetch-Site: cross-site, and/or accept only a
// loopback Host.
func TestAtkMonFindingInvokeCrossSiteRequest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header map[string]string
		host   string
	}{
		{"cross-site simple POST", map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}, "127.0.0.1:3001"},
		{"DNS rebinding", map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example:3001", "Sec-Fetch-Site": "same-origin"}, "evil.example:3001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, runs := atkHandler(t)
			req := httptest.NewRequest("POST", "/2015-03-31/functions/deleteAll/invocations", strings.NewReader(`{"all":true}`))
			req.Host = tc.host
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if runs.Load() != 0 {
				t.Errorf("a browser's request without Authorization ran the function: %d %s", rec.Code, rec.Body)
			}
		})
	}
}

// TestAtkMonInvokeNameTricks: names with path tricks address nothing but
// the registered functions; answers are JSON, the name escaped.
func TestAtkMonInvokeNameTricks(t *testing.T) {
	h, runs := atkHandler(t)
	for _, tc := range []struct {
		target string
		want   int
		ran    bool
	}{
		{"/2015-03-31/functions/deleteAll/invocations", 200, true},
		{"/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:deleteAll/invocations", 200, true},
		{"/2015-03-31/functions/..%2FdeleteAll/invocations", 404, false},
		{"/2015-03-31/functions/x%2F..%2FdeleteAll/invocations", 404, false},
		{"/2015-03-31/functions/%3Cscript%3E/invocations", 404, false},
		{"/2015-03-31/functions/deleteAll%00/invocations", 404, false},
		{"/2015-03-31/functions/deleteAll/invocations/../invocations", 0, true}, // ServeMux cleans: a redirect, or the function
	} {
		before := runs.Load()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", tc.target, strings.NewReader(`{}`)))
		ran := runs.Load() != before
		if (tc.want != 0 && rec.Code != tc.want) || (!tc.ran && ran) {
			t.Errorf("%s: %d ran=%v %s", tc.target, rec.Code, ran, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); rec.Code == 404 && ct != "application/json" {
			t.Errorf("%s: 404 as %q", tc.target, ct)
		}
	}
	// A qualifier with CR/LF does not split the response's headers.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/2015-03-31/functions/deleteAll/invocations?Qualifier=x%0D%0AX-Evil:%201", strings.NewReader(`{}`)))
	if v := rec.Header().Get("X-Amz-Executed-Version"); strings.ContainsAny(v, "\r\n") {
		t.Logf("X-Amz-Executed-Version holds CR/LF in the recorder (net/http's server writes them as spaces): %q", v)
	}
}
