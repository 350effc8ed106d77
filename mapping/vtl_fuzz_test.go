package mapping

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
)

// fuzzVTL read every part of a request through $input, $util and the
// overrides.
var fuzzVTL = []*Template{
	MustCompileVTL(`#set($r = $input.path('$'))$r $input.json('$') $input.path('$..*') $input.json('$[*]')
#foreach($k in $r.keySet())$k=$r.get($k);$input.params($k)#end
#foreach($e in $r)$e $e.size() $e.keySet()#end`, WithCostLimit(fuzzCostLimit)),
	MustCompileVTL(`$util.escapeJavaScript($input.body)$util.urlEncode($input.body)$util.base64Encode($input.body)
$util.urlDecode($input.body)$util.base64Decode($input.body)$util.toJson($input.path('$'))
#set($p = $util.parseJson($input.body))$p $p.size()`, WithCostLimit(fuzzCostLimit)),
	MustCompileVTL(`#set($all = $input.params())#foreach($t in $all.keySet())#foreach($n in $all.get($t).keySet())$n$all.get($t).get($n)#end#end
#set($context.requestOverride.header.X = $input.body)#set($context.responseOverride.status = $input.params('status'))
#set($context.responseOverride.header[$input.params('x')] = $input.body)$context.identity $context`, WithCostLimit(fuzzCostLimit)),
}

// FuzzVTL sends random bodies, headers and query strings through VTL
// templates, as request and response templates: nothing panics, and a
// failure is an *apigw.Error.
func FuzzVTL(f *testing.F) {
	f.Add([]byte(artistBody), "X-Trace", "t-1", "q=1&x=2&status=201", uint16(200))
	f.Add([]byte(`[1,2,[3,{"a":[4]}],"x/y"]`), "x", "y", "status=abc", uint16(500))
	f.Add([]byte(`{"a":{"b":[{"c":1.5e300}]},"d":"\u00e9\ud83d"}`), "", "", ";;", uint16(0))
	f.Add([]byte("not json"), "Content-Type", "text/plain", "x=%zz", uint16(404))
	f.Add([]byte(""), "", "", "", uint16(200))
	f.Fuzz(func(t *testing.T, body []byte, name, value, query string, status uint16) {
		newReq := func() (*http.Request, *apigw.Context) {
			r := &http.Request{
				Method: "POST", URL: &url.URL{Path: "/", RawQuery: query}, Proto: "HTTP/1.1",
				Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), RemoteAddr: "192.0.2.1:1234",
			}
			r.Header.Add(name, value)
			c := apigw.NewRequestContext(r, time.Unix(0, 0))
			c.PathParameters = map[string]string{"x": value}
			return r.WithContext(apigw.NewContext(r.Context(), c)), c
		}
		for _, tm := range fuzzVTL {
			start := time.Now()
			r, c := newReq()
			if _, err := tm.Render(nil, r, c); err != nil {
				checkVTLRefusal(t, err)
			}
			r, c = newReq()
			if _, err := tm.RenderBody(nil, r, c, body); err != nil {
				checkVTLRefusal(t, err)
			}
			m, _ := tm.ResponseMapping()
			r, c = newReq()
			w := httptest.NewRecorder()
			if err := m.Write(w, r, c, Result{Status: int(status), Body: body}); err != nil {
				checkVTLRefusal(t, err)
			}
			if d := time.Since(start); d > fuzzTimeLimit && !raceEnabled {
				t.Fatalf("%v for one template under a cost limit of %d", d, tm.costLimit)
			}
		}
	})
}

func checkVTLRefusal(t *testing.T, err error) {
	t.Helper()
	checkRefusal(t, err)
	if strings.Contains(err.Error(), "panic:") {
		t.Fatalf("a template panicked: %v", err)
	}
}
