package exampletest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/openapi"
	"github.com/getkin/kin-openapi/openapi3"
)

// Request is one request of RoundTrip.
type Request struct {
	Method, Path, Body string
	Header             map[string]string
}

// ignored are the headers two answers to one request differ in.
var ignored = map[string]bool{"X-Amzn-Requestid": true, "Apigw-Requestid": true, "Date": true, "Content-Length": true, "X-Amzn-Trace-Id": true}

// RoundTrip exports b's definition with openapi.Export, checks the
// document with kin-openapi's validator, loads it back with the Bindings
// Export returned and deploys it onto b; then b, built as a was, must
// answer every request exactly as a does (status, headers but the request
// id and Date, body).
func RoundTrip(t testing.TB, a, b *gateway.Gateway, o openapi.ExportOptions, reqs []Request) {
	t.Helper()
	doc, bindings, err := openapi.Export(b, o)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := openapi3.NewLoader().LoadFromData(doc)
	if err == nil {
		err = parsed.Validate(context.Background())
	}
	if err != nil {
		t.Fatalf("kin-openapi refuses the export: %v\n%s", err, doc)
	}
	api, err := openapi.Load(doc, bindings)
	if err != nil {
		t.Fatalf("the export does not load: %v\n%s", err, doc)
	}
	if _, err := b.Deploy(api.Definition...); err != nil {
		t.Fatalf("the export does not deploy: %v\n%s", err, doc)
	}
	for _, r := range reqs {
		if want, got := answer(a, r), answer(b, r); want != got {
			t.Errorf("%s %s:\nthe original answers %s\nthe export answers   %s", r.Method, r.Path, want, got)
		}
	}
}

func answer(h http.Handler, r Request) string {
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req := httptest.NewRequest(r.Method, r.Path, body)
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var hs []string
	for k, vs := range w.Header() {
		if !ignored[k] {
			hs = append(hs, k+": "+strings.Join(vs, ","))
		}
	}
	sort.Strings(hs)
	return w.Result().Status + " [" + strings.Join(hs, "; ") + "] " + w.Body.String()
}
