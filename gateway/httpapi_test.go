package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
	"github.com/aws/aws-lambda-go/events"
)

// routeEcho is a 2.0 function that answers the route key and path it saw.
func routeEcho(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	b, _ := json.Marshal(map[string]any{"routeKey": ev.RouteKey, "ctxRouteKey": ev.RequestContext.RouteKey,
		"rawPath": ev.RawPath, "stage": ev.RequestContext.Stage, "params": ev.PathParameters, "requestId": ev.RequestContext.RequestID})
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: string(b), Headers: map[string]string{"Content-Type": "application/json"}}, nil
}

func wantHTTPAPIError(t *testing.T, rec interface {
	Result() *http.Response
}, status int, message string) {
	t.Helper()
	res := rec.Result()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != status || body["message"] != message {
		t.Errorf("got %d %v, want %d %q", res.StatusCode, body, status, message)
	}
	if res.Header.Get("x-amzn-ErrorType") != "" || res.Header.Get("x-amzn-RequestId") != "" {
		t.Errorf("REST headers on an HTTP API answer: %v", res.Header)
	}
	if id := res.Header.Get("apigw-requestid"); !formRequestID.MatchString(id) {
		t.Errorf("apigw-requestid %q", id)
	}
}

func TestHTTPAPIRoutes(t *testing.T) {
	gw := mustNew(t, WithHTTPAPI(),
		Route("GET /items", Method{Integration: LambdaV2(routeEcho)}),
		Route("GET /items/{id}", Method{Integration: LambdaV2(routeEcho)}),
		Route("ANY /things/{id}", Method{Integration: LambdaV2(routeEcho)}),
		Route("GET /files/{path+}", Method{Integration: LambdaV2(routeEcho)}),
	)
	for _, tc := range []struct{ method, path, routeKey string }{
		{"GET", "/items", "GET /items"},
		{"GET", "/items/7", "GET /items/{id}"},
		{"DELETE", "/things/7", "ANY /things/{id}"},
		{"GET", "/files/a/b", "GET /files/{path+}"},
	} {
		rec := do(t, gw, tc.method, tc.path, "")
		got := decode(t, rec)
		if rec.Code != 200 || got["routeKey"] != tc.routeKey || got["ctxRouteKey"] != tc.routeKey || got["stage"] != "$default" {
			t.Errorf("%s %s: %d %v", tc.method, tc.path, rec.Code, got)
		}
		if id, _ := got["requestId"].(string); !formRequestID.MatchString(id) || rec.Header().Get("apigw-requestid") != id {
			t.Errorf("%s %s: request id %q, header %q", tc.method, tc.path, id, rec.Header().Get("apigw-requestid"))
		}
	}
	wantHTTPAPIError(t, do(t, gw, "GET", "/nothing", ""), 404, "Not Found")
	wantHTTPAPIError(t, do(t, gw, "POST", "/items", ""), 404, "Not Found")

	// $default catches what no other route matches.
	gw = mustNew(t, WithHTTPAPI(),
		Route("GET /items", Method{Integration: LambdaV2(routeEcho)}),
		Route("$default", Method{Integration: LambdaV2(routeEcho)}))
	for path, want := range map[string]string{"/items": "GET /items", "/anything/else": "$default", "/": "$default"} {
		if got := decode(t, do(t, gw, "GET", path, "")); got["routeKey"] != want || got["rawPath"] != path {
			t.Errorf("GET %s: %v, want route %s", path, got, want)
		}
	}
	if got := decode(t, do(t, gw, "PUT", "/items", "")); got["routeKey"] != "$default" {
		t.Errorf("PUT /items: %v", got)
	}
}

func TestHTTPAPIStages(t *testing.T) {
	gw := mustNew(t, WithHTTPAPI(), WithStage(stage.Stage{Name: stage.Default}), WithStage(stage.Stage{Name: "dev"}),
		Route("GET /items", Method{Integration: LambdaV2(routeEcho)}),
		Route("GET /dev", Method{Integration: LambdaV2(routeEcho)}))
	for path, want := range map[string]string{"/items": "$default /items", "/dev/items": "dev /dev/items", "/dev/dev": "dev /dev/dev"} {
		got := decode(t, do(t, gw, "GET", path, ""))
		if got["stage"].(string)+" "+got["rawPath"].(string) != want {
			t.Errorf("GET %s: %v, want %s", path, got, want)
		}
	}
	wantHTTPAPIError(t, do(t, gw, "GET", "/prod/items", ""), 404, "Not Found")

	// Named stages only: nothing at the root.
	gw = mustNew(t, WithHTTPAPI(), WithStage(stage.Stage{Name: "dev"}), Route("GET /items", Method{Integration: LambdaV2(routeEcho)}))
	wantHTTPAPIError(t, do(t, gw, "GET", "/items", ""), 404, "Not Found")
	if rec := do(t, gw, "GET", "/dev/items", ""); rec.Code != 200 {
		t.Errorf("GET /dev/items: %d", rec.Code)
	}
	if _, err := New(WithStage(stage.Stage{Name: stage.Default}), Route("GET /a", Method{Integration: Mock(200, "")})); err == nil {
		t.Error("a REST API with a $default stage")
	}
	if _, err := New(Route("$default", Method{Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))})); err == nil {
		t.Error("a REST API with a $default route")
	}
}

// TestHTTPAPIAnswers: a 2.0 function's answers inferred as HTTP APIs infer
// them, and failures answered as HTTP APIs answer them.
func TestHTTPAPIAnswers(t *testing.T) {
	gw := mustNew(t, WithHTTPAPI(),
		Route("GET /string", Method{Integration: LambdaV2(func() (string, error) { return "Hello", nil })}),
		Route("GET /object", Method{Integration: LambdaV2(func() (map[string]any, error) { return map[string]any{"a": 1}, nil })}),
		Route("GET /cookies", Method{Integration: LambdaV2(func() (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{StatusCode: 201, Body: "made", Cookies: []string{"a=1", "b=2"}}, nil
		})}),
		Route("GET /b64", Method{Integration: LambdaV2(func() (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "aGk=", IsBase64Encoded: true, Headers: map[string]string{"Content-Type": "text/plain"}}, nil
		})}),
		Route("GET /fails", Method{Integration: LambdaV2(func() (string, error) { return "", errors.New("boom") })}),
		Route("GET /panics", Method{Integration: Lambda(func() (events.APIGatewayProxyResponse, error) { panic("boom") })}),
		Route("GET /bad", Method{Integration: LambdaV2(func() (map[string]any, error) { return map[string]any{"statusCode": 999}, nil })}),
		Route("GET /slow", Method{Timeout: 50 * time.Millisecond, Integration: LambdaV2(func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		})}),
		Route("GET /v1", Method{Integration: Lambda(func() (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: "plain"}, nil
		})}),
	)
	for path, want := range map[string]string{
		"/string":  "200 application/json Hello",
		"/object":  `200 application/json {"a":1}`,
		"/cookies": "201 text/plain; charset=utf-8 made",
		"/b64":     "200 text/plain hi",
		"/v1":      "200 text/plain; charset=utf-8 plain",
	} {
		rec := do(t, gw, "GET", path, "")
		if got := rec.Result().Status[:3] + " " + rec.Header().Get("Content-Type") + " " + rec.Body.String(); got != want {
			t.Errorf("GET %s = %q, want %q", path, got, want)
		}
	}
	if got := do(t, gw, "GET", "/cookies", "").Header()["Set-Cookie"]; strings.Join(got, ";") != "a=1;b=2" {
		t.Errorf("cookies: %v", got)
	}
	for _, path := range []string{"/fails", "/panics", "/bad"} {
		wantHTTPAPIError(t, do(t, gw, "GET", path, ""), 500, "Internal Server Error")
	}
	wantHTTPAPIError(t, do(t, gw, "GET", "/slow", ""), 503, "Service Unavailable")
}

// TestHTTPAPIRefusesRESTOnly: what HTTP APIs do not have fails New.
func TestHTTPAPIRefusesRESTOnly(t *testing.T) {
	ok := Method{Integration: LambdaV2(routeEcho)}
	for name, opts := range map[string][]Option{
		"usage plans":       {WithUsagePlans(usageplan.MustNew(usageplan.Config{})), Route("GET /a", ok)},
		"cache":             {WithCache(cache.Config{}), Route("GET /a", ok)},
		"api key":           {Route("GET /a", Method{Integration: LambdaV2(routeEcho), APIKeyRequired: true})},
		"mock":              {Route("GET /a", Method{Integration: Mock(200, "")})},
		"template":          {Route("GET /a", Method{Integration: LambdaV2(routeEcho), Response: mapping.MustCompile(`{}`)})},
		"validation":        {Route("GET /a", Method{Integration: LambdaV2(routeEcho), RequestParameters: map[string]bool{"method.request.querystring.q": true}})},
		"gateway responses": {WithGatewayResponses(nil), WithModel("M", `{}`), Route("GET /a", ok)},
		"long timeout":      {Route("GET /a", Method{Integration: LambdaV2(routeEcho), Timeout: time.Minute})},
		"binary types":      {WithBinaryMediaTypes("image/png"), Route("GET /a", ok)},
	} {
		_, err := New(append([]Option{WithHTTPAPI()}, opts...)...)
		if err == nil || !strings.Contains(err.Error(), "HTTP API") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestHTTPAPICORS: with CORS configured, an HTTP API answers preflights
// itself even where an ANY or $default route would take them, before the
// authorizer; the integration's own CORS headers are replaced.
func TestHTTPAPICORS(t *testing.T) {
	for _, k := range everyKind(t, answering(echoOrigin)) {
		if k.name == "mock" {
			continue
		}
		gw := mustNew(t, WithHTTPAPI(), WithCORS(cors.Config{AllowOrigins: []string{"http://localhost:3000"}, AllowMethods: []string{"GET", "PUT"}}),
			WithAuthorizer("deny", denyAll{}),
			Route("ANY /items/{id}", Method{Authorizer: "deny", Integration: k.build("/items/{id}")}),
			Route("GET /open/{id}", Method{Integration: k.build("/open/{id}")}),
			Route("$default", Method{Authorizer: "deny", Integration: k.build("/x")}))
		for _, path := range []string{"/items/1", "/elsewhere"} {
			rec := do(t, gw, "OPTIONS", path, "", "Origin", "http://localhost:3000", "Access-Control-Request-Method", "PUT")
			if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
				t.Errorf("%s preflight %s: %d %v", k.name, path, rec.Code, rec.Header())
			}
		}
		rec := do(t, gw, "GET", "/open/1", "", "Origin", "http://evil.example")
		if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: the integration's CORS grant got through: %v", k.name, rec.Header())
		}
	}
}

type denyAll struct{}

func (denyAll) Authorize(*http.Request, *apigw.Context, []string) error {
	return apigw.NewError(apigw.Unauthorized)
}
func (denyAll) Close() error { return nil }

// TestHTTPAPIParameterMapping: AWS's documented examples — add a header
// from the request id, rename a header, change a 500 into a 403 with a
// header, add an error header to a 404 — and path and query rewrites, for
// every integration kind that reports what it saw.
func TestHTTPAPIParameterMapping(t *testing.T) {
	type saw struct {
		Path   string              `json:"path"`
		Query  string              `json:"query"`
		Header map[string][]string `json:"header"`
	}
	backend := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend", "b1")
		switch r.URL.Query().Get("status") {
		case "500":
			w.WriteHeader(500)
		case "404":
			w.WriteHeader(404)
		}
		json.NewEncoder(w).Encode(saw{Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header})
	}
	srv := httptest.NewServer(http.HandlerFunc(backend))
	defer srv.Close()
	pm := &ParameterMapping{
		Request: map[string]string{
			"append:header.header1":      "$context.requestId",
			"append:header.header2":      "$request.header.header0",
			"remove:header.header0":      "",
			"overwrite:header.x-where":   "stage ${stageVariables.env}, path $request.path, id ${request.path.id}",
			"overwrite:querystring.item": "$request.path.id",
			"remove:querystring.secret":  "",
			"overwrite:path":             "/v2$request.path",
		},
		Response: map[string]map[string]string{
			"500": {"append:header.header1": "$context.requestId", "overwrite:statuscode": "403"},
			"404": {"append:header.error": "$stageVariables.env", "overwrite:header.x-from": "${response.header.x-backend}!"},
		},
	}
	for _, in := range []struct {
		name string
		in   Integration
	}{{"handler", Handler(http.HandlerFunc(backend))}, {"http", HTTP(srv.URL)}} {
		gw := mustNew(t, WithHTTPAPI(), WithStage(stage.Stage{Name: stage.Default, Variables: map[string]string{"env": "test"}}),
			Route("GET /items/{id}", Method{Integration: in.in, ParameterMapping: pm}))
		rec := do(t, gw, "GET", "/items/7?secret=s&keep=1", "", "header0", "h0")
		var got saw
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: %d %s", in.name, rec.Code, rec.Body)
		}
		h := http.Header(got.Header)
		if got.Path != "/v2/items/7" || got.Query != "item=7&keep=1" || h.Get("Header1") != rec.Header().Get("apigw-requestid") ||
			h.Get("Header2") != "h0" || h.Get("Header0") != "" || h.Get("X-Where") != "stage test, path /items/7, id 7" {
			t.Errorf("%s: backend saw %+v", in.name, got)
		}
		rec = do(t, gw, "GET", "/items/7?status=500", "")
		if rec.Code != 403 || rec.Header().Get("Header1") == "" {
			t.Errorf("%s: 500 mapped to %d %v", in.name, rec.Code, rec.Header())
		}
		rec = do(t, gw, "GET", "/items/7?status=404", "")
		if rec.Code != 404 || rec.Header().Get("Error") != "test" || rec.Header().Get("X-From") != "b1!" {
			t.Errorf("%s: 404 mapped to %d %v", in.name, rec.Code, rec.Header())
		}
	}
	for key, want := range map[string]string{
		"append:header.authorization":                  "reserved",
		"append:header.X-Amzn-Trace":                   "reserved",
		"overwrite:header.Access-Control-Allow-Origin": "reserved",
		"append:path":     "can only be overwritten",
		"frob:header.x":   "not append, overwrite or remove",
		"append:header.x": "not a parameter expression",
	} {
		value := "'x'"
		if key != "append:header.x" {
			value = "x"
		} else {
			value = "$request.cookie.x"
		}
		_, err := New(WithHTTPAPI(), Route("GET /a", Method{Integration: LambdaV2(routeEcho), ParameterMapping: &ParameterMapping{Request: map[string]string{key: value}}}))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", key, err, want)
		}
	}
	if _, err := New(Route("GET /a", Method{Integration: Mock(200, ""), ParameterMapping: pm})); err == nil {
		t.Error("a REST API with an HTTP API's parameter mapping")
	}
}

// TestHTTPAPIParameterMappingBody: values read from the request's and the
// answer's JSON bodies by path, for every integration kind: a string as it
// is, anything else as JSON; a path that is not there maps nothing.
func TestHTTPAPIParameterMappingBody(t *testing.T) {
	backend := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		seen, _ := json.Marshal(r.Header.Get("X-Name") + "|" + r.Header.Get("X-Tags") + "|" + r.Header.Get("X-Missing"))
		io.WriteString(w, `{"id":"a-1","n":[1,2.50],"seen":`+string(seen)+`}`)
	}
	lambda := func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/", nil)
		for k, v := range ev.Headers {
			req.Header.Set(k, v)
		}
		backend(rec, req)
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: rec.Body.String(), Headers: map[string]string{"Content-Type": "application/json"}}, nil
	}
	srv := httptest.NewServer(http.HandlerFunc(backend))
	defer srv.Close()
	pm := &ParameterMapping{
		Request: map[string]string{
			"overwrite:header.x-name":    "$request.body.user.name",
			"overwrite:header.x-tags":    "$request.body.tags",
			"overwrite:header.x-missing": "$request.body.user.nothing",
		},
		Response: map[string]map[string]string{
			"200": {"overwrite:header.x-id": "$response.body.id", "overwrite:header.x-second": "$response.body.n[1]", "overwrite:header.x-braced": "${response.body.n[0]}"},
		},
	}
	for _, in := range []struct {
		name string
		in   Integration
	}{{"handler", Handler(http.HandlerFunc(backend))}, {"http", HTTP(srv.URL)}, {"lambda", LambdaV2(lambda)}} {
		gw := mustNew(t, WithHTTPAPI(), Route("POST /items", Method{Integration: in.in, ParameterMapping: pm}))
		rec := do(t, gw, "POST", "/items", `{"user": {"name": "Zoë \u00e9"}, "tags": ["x", {"b":1, "a":2}]}`, "Content-Type", "application/json")
		if !strings.Contains(rec.Body.String(), `"seen":"Zoë é|[\"x\",{\"a\":2,\"b\":1}]|"`) && !strings.Contains(rec.Body.String(), `"seen":"Zoë é|["x",{"a":2,"b":1}]|"`) {
			t.Errorf("%s: backend saw %s", in.name, rec.Body)
		}
		if rec.Header().Get("X-Id") != "a-1" || rec.Header().Get("X-Second") != "2.50" || rec.Header().Get("X-Braced") != "1" {
			t.Errorf("%s: answer headers %v", in.name, rec.Header())
		}
	}
}

// TestHTTPAPIRouteThrottleAndPath: route settings keyed by route key
// throttle one route; an HTTP proxy integration forwards the whole path with
// ${request.path}.
func TestHTTPAPIRouteThrottleAndPath(t *testing.T) {
	var seen string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.URL.Path }))
	defer srv.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	gw := mustNew(t, WithHTTPAPI(), WithClock(func() time.Time { return now }),
		WithStage(stage.Stage{Name: "dev", MethodSettings: map[string]stage.MethodSettings{"GET /slow": {ThrottlingRateLimit: 1, ThrottlingBurstLimit: 1}}}),
		Route("GET /slow", Method{Integration: LambdaV2(routeEcho)}),
		Route("ANY /{proxy+}", Method{Integration: HTTP(srv.URL + "/v2${request.path}")}))
	if rec := do(t, gw, "GET", "/dev/slow", ""); rec.Code != 200 {
		t.Fatalf("first: %d", rec.Code)
	}
	wantHTTPAPIError(t, do(t, gw, "GET", "/dev/slow", ""), 429, "Too Many Requests")
	if rec := do(t, gw, "GET", "/dev/a/b%20c", ""); rec.Code != 200 || seen != "/v2/a/b c" {
		t.Errorf("proxied: %d, backend saw %q", rec.Code, seen)
	}
}

// TestHTTPAPIDefaultRouteThrottle: a stage's throttling reaches the
// $default route (a $default route with DefaultRouteSettings or
// RouteSettings["$default"] failed to build).
func TestHTTPAPIDefaultRouteThrottle(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	gw, err := New(WithHTTPAPI(), WithClock(func() time.Time { return now }),
		WithStage(stage.Stage{Name: stage.Default, MethodSettings: map[string]stage.MethodSettings{
			stage.Default: {ThrottlingRateLimit: 1, ThrottlingBurstLimit: 1}}}),
		Route("$default", Method{Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))}))
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	for i, want := range []int{200, 429} {
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, httptest.NewRequest("GET", "/anything", nil))
		if w.Code != want {
			t.Errorf("request %d: %d, want %d", i, w.Code, want)
		}
	}
}
