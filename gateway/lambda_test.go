package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/stage"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestLambdaV1Event(t *testing.T) {
	var ev events.APIGatewayProxyRequest
	var lc *lambdacontext.LambdaContext
	gw := mustNew(t,
		WithAPIID("api1"), WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "v1"}}),
		WithStage(stage.Stage{Name: "dev"}),
		Route("POST /artists/{id}", Method{Integration: Lambda(func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			ev = e
			lc, _ = lambdacontext.FromContext(ctx)
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok"}, nil
		})}),
	)
	req := httptest.NewRequest("POST", "http://api.example.com/prod/artists/7?a=1&a=2&b=3", strings.NewReader(`{"x":1}`))
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Set("User-Agent", "ua")
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	rc := ev.RequestContext
	checks := []struct{ name, got, want string }{
		{"resource", ev.Resource, "/artists/{id}"},
		{"path", ev.Path, "/artists/7"},
		{"httpMethod", ev.HTTPMethod, "POST"},
		{"headers", ev.Headers["X-Multi"], "two"},
		{"multiValueHeaders", strings.Join(ev.MultiValueHeaders["X-Multi"], ","), "one,two"},
		{"host", ev.Headers["Host"], "api.example.com"},
		{"queryStringParameters", ev.QueryStringParameters["a"], "2"},
		{"multiValueQueryStringParameters", strings.Join(ev.MultiValueQueryStringParameters["a"], ","), "1,2"},
		{"pathParameters", ev.PathParameters["id"], "7"},
		{"stageVariables", ev.StageVariables["ver"], "v1"},
		{"body", ev.Body, `{"x":1}`},
		{"requestContext.stage", rc.Stage, "prod"},
		{"requestContext.apiId", rc.APIID, "api1"},
		{"requestContext.path", rc.Path, "/prod/artists/7"},
		{"requestContext.resourcePath", rc.ResourcePath, "/artists/{id}"},
		{"requestContext.requestId", rc.RequestID, rec.Header().Get("x-amzn-RequestId")},
		{"requestContext.identity.userAgent", rc.Identity.UserAgent, "ua"},
		{"requestContext.identity.sourceIp", rc.Identity.SourceIP, "192.0.2.1"},
		{"requestContext.domainName", rc.DomainName, "api.example.com"},
		{"requestContext.protocol", rc.Protocol, "HTTP/1.1"},
		{"lambdacontext.AwsRequestID", lc.AwsRequestID, rec.Header().Get("x-amzn-RequestId")},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if rc.RequestTimeEpoch == 0 || rc.RequestTime == "" || rc.ExtendedRequestID == "" || rc.ResourceID == "" || ev.IsBase64Encoded {
		t.Errorf("requestContext = %+v", rc)
	}
}

func TestLambdaV1EventNullMaps(t *testing.T) {
	var raw json.RawMessage
	gw := mustNew(t, Route("GET /x", Method{Integration: Lambda(func(e json.RawMessage) (map[string]any, error) {
		raw = e
		return map[string]any{"statusCode": 204}, nil
	})}))
	if rec := do(t, gw, "GET", "/x", ""); rec.Code != 204 {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables"} {
		if v, ok := m[k]; !ok || v != nil {
			t.Errorf("%s = %v, want null", k, v)
		}
	}
}

func TestLambdaBinaryBody(t *testing.T) {
	gw := mustNew(t, Route("POST /bin", Method{Integration: Lambda(func(e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		if !e.IsBase64Encoded {
			return events.APIGatewayProxyResponse{}, errors.New("binary body not base64")
		}
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: e.Body, IsBase64Encoded: true, Headers: map[string]string{"Content-Type": "application/octet-stream"}}, nil
	})}))
	bin := string([]byte{0xff, 0x00, 0xfe, 0x01})
	rec := do(t, gw, "POST", "/bin", bin)
	if rec.Code != 200 || rec.Body.String() != bin || rec.Header().Get("Content-Type") != "application/octet-stream" {
		t.Errorf("%d %q %v", rec.Code, rec.Body, rec.Header())
	}
}

func TestLambdaV2Event(t *testing.T) {
	var ev events.APIGatewayV2HTTPRequest
	gw := mustNew(t,
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "v1"}}),
		WithStage(stage.Stage{Name: "dev"}),
		Route("GET /items/{id}", Method{Integration: LambdaV2(func(e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			ev = e
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "ok", Cookies: []string{"a=1", "b=2"}}, nil
		})}),
	)
	req := httptest.NewRequest("GET", "/prod/items/5?tag=a&tag=b", nil)
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Set("Cookie", "s=1; t=2")
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	checks := []struct{ name, got, want string }{
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, "GET /items/{id}"},
		{"rawPath", ev.RawPath, "/prod/items/5"},
		{"rawQueryString", ev.RawQueryString, "tag=a&tag=b"},
		{"headers", ev.Headers["x-multi"], "one,two"},
		{"cookies", strings.Join(ev.Cookies, "|"), "s=1|t=2"},
		{"queryStringParameters", ev.QueryStringParameters["tag"], "a,b"},
		{"pathParameters", ev.PathParameters["id"], "5"},
		{"stageVariables", ev.StageVariables["ver"], "v1"},
		{"requestContext.http.method", ev.RequestContext.HTTP.Method, "GET"},
		{"requestContext.http.path", ev.RequestContext.HTTP.Path, "/prod/items/5"},
		{"requestContext.stage", ev.RequestContext.Stage, "prod"},
		{"requestContext.requestId", ev.RequestContext.RequestID, rec.Header().Get("x-amzn-RequestId")},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if _, ok := ev.Headers["cookie"]; ok {
		t.Error("cookie header not moved to cookies")
	}
	if got := rec.Header().Values("Set-Cookie"); strings.Join(got, "|") != "a=1|b=2" {
		t.Errorf("Set-Cookie = %v", got)
	}
}

func TestLambdaAuthorizerInEvent(t *testing.T) {
	var v1 events.APIGatewayProxyRequest
	var v2 events.APIGatewayV2HTTPRequest
	gw := mustNew(t, Route("GET /v2", Method{Integration: LambdaV2(func(e events.APIGatewayV2HTTPRequest) (any, error) {
		return "fine", nil
	})}))
	// The authorizer phase fills apigw.Context.Authorizer; here a wrapper does.
	authz := apigw.Authorizer{PrincipalID: "user-1", Claims: map[string]any{"sub": "abc", "n": 2.0}, Scopes: []string{"read"}}
	gwAuth := mustNew(t,
		Route("GET /v1", Method{Integration: Handler(withAuthorizer(authz, mustHandler(t, Lambda(func(e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			v1 = e
			return events.APIGatewayProxyResponse{StatusCode: 200}, nil
		}))))}),
		Route("GET /v2", Method{Integration: Handler(withAuthorizer(authz, mustHandler(t, LambdaV2(func(e events.APIGatewayV2HTTPRequest) (any, error) {
			v2 = e
			return map[string]string{"fine": "yes"}, nil
		}))))}),
	)
	if rec := do(t, gwAuth, "GET", "/v1", ""); rec.Code != 200 {
		t.Fatalf("v1: %d %s", rec.Code, rec.Body)
	}
	if v1.RequestContext.Authorizer["principalId"] != "user-1" || v1.RequestContext.Authorizer["claims"].(map[string]any)["sub"] != "abc" ||
		v1.RequestContext.Authorizer["claims"].(map[string]any)["n"] != "2" {
		t.Errorf("v1 authorizer = %v", v1.RequestContext.Authorizer)
	}
	rec := do(t, gwAuth, "GET", "/v2", "")
	if rec.Code != 200 || rec.Body.String() != `{"fine":"yes"}` || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("v2: %d %s", rec.Code, rec.Body)
	}
	if a := v2.RequestContext.Authorizer; a == nil || a.JWT == nil || a.JWT.Claims["sub"] != "abc" || a.JWT.Scopes[0] != "read" {
		t.Errorf("v2 authorizer = %+v", a)
	}
	// A JSON string is the body itself, as HTTP APIs infer it.
	if rec := do(t, gw, "GET", "/v2", ""); rec.Body.String() != `fine` || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("v2 string answer: %s %v", rec.Body, rec.Header())
	}
}

func TestLambdaFailures(t *testing.T) {
	tests := []struct {
		name string
		fn   any
	}{
		{"error", func() error { return errors.New("boom") }},
		{"panic", func() error { panic("kaboom") }},
		{"no statusCode", func() (map[string]any, error) { return map[string]any{"body": "x"}, nil }},
		{"extra field", func() (map[string]any, error) { return map[string]any{"statusCode": 200, "extra": 1}, nil }},
		{"statusCode string", func() (map[string]any, error) { return map[string]any{"statusCode": "200"}, nil }},
		{"statusCode out of range", func() (map[string]any, error) { return map[string]any{"statusCode": 42}, nil }},
		{"header not string", func() (map[string]any, error) {
			return map[string]any{"statusCode": 200, "headers": map[string]any{"x": 1}}, nil
		}},
		{"bad base64", func() (map[string]any, error) {
			return map[string]any{"statusCode": 200, "body": "!!", "isBase64Encoded": true}, nil
		}},
		{"not an object", func() (string, error) { return "hello", nil }},
		{"null", func() error { return nil }},
		{"bad event type", func(n int) error { return nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gw := mustNew(t, Route("GET /f", Method{Integration: Lambda(tc.fn)}))
			wantError(t, do(t, gw, "GET", "/f", ""), 502, "Internal server error", "InternalServerErrorException")
		})
	}
}

func TestLambdaResponses(t *testing.T) {
	tests := []struct {
		name       string
		v2         bool
		out        any
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{"v1 plain", false, events.APIGatewayProxyResponse{StatusCode: 201, Body: "made"}, 201, "made", map[string]string{"Content-Type": "application/json"}},
		{"v1 headers", false, map[string]any{"statusCode": 200, "headers": map[string]string{"Content-Type": "text/plain", "X-A": "1"}, "body": "hi"}, 200, "hi", map[string]string{"Content-Type": "text/plain", "X-A": "1"}},
		{"v1 multi wins", false, map[string]any{"statusCode": 200, "headers": map[string]string{"X-A": "single"}, "multiValueHeaders": map[string][]string{"X-A": {"m1", "m2"}}}, 200, "", map[string]string{"X-A": "m1"}},
		{"v1 base64", false, map[string]any{"statusCode": 200, "body": base64.StdEncoding.EncodeToString([]byte("raw")), "isBase64Encoded": true}, 200, "raw", nil},
		{"v1 null body", false, map[string]any{"statusCode": 204, "body": nil}, 204, "", nil},
		{"v2 structured", true, events.APIGatewayV2HTTPResponse{StatusCode: 418, Body: "teapot"}, 418, "teapot", nil},
		{"v2 any JSON", true, map[string]any{"message": "hi"}, 200, `{"message":"hi"}`, map[string]string{"Content-Type": "application/json"}},
		{"v2 list", true, []int{1, 2}, 200, `[1,2]`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fn := func() (any, error) { return tc.out, nil }
			in := Lambda(fn)
			if tc.v2 {
				in = LambdaV2(fn)
			}
			gw := mustNew(t, Route("GET /f", Method{Integration: in}))
			rec := do(t, gw, "GET", "/f", "")
			if rec.Code != tc.wantStatus || rec.Body.String() != tc.wantBody {
				t.Errorf("= %d %q, want %d %q", rec.Code, rec.Body, tc.wantStatus, tc.wantBody)
			}
			for k, v := range tc.wantHeader {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestLambdaAliases(t *testing.T) {
	version := func(v string) func() (events.APIGatewayProxyResponse, error) {
		return func() (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"version":"` + v + `"}`}, nil
		}
	}
	var log strings.Builder
	gw := mustNew(t,
		WithAccessLog(slog.New(slog.NewTextHandler(&log, nil))),
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "prod"}}),
		WithStage(stage.Stage{Name: "beta", Variables: map[string]string{"ver": "beta"}}),
		WithStage(stage.Stage{Name: "broken", Variables: map[string]string{"ver": "gamma"}}),
		Route("GET /hello", Method{Integration: Lambda(Aliases{Selector: "${stageVariables.ver}", Functions: map[string]any{"prod": version("prod"), "beta": version("beta")}})}),
	)
	for _, s := range []string{"prod", "beta"} {
		if rec := do(t, gw, "GET", "/"+s+"/hello", ""); rec.Body.String() != `{"version":"`+s+`"}` {
			t.Errorf("%s: %d %s", s, rec.Code, rec.Body)
		}
	}
	wantError(t, do(t, gw, "GET", "/broken/hello", ""), 500, "Internal server error", "InternalServerErrorException")
	if !strings.Contains(log.String(), `errorCause="Lambda alias \"gamma\" (from ${stageVariables.ver}) does not exist; aliases are beta, prod"`) {
		t.Errorf("access log does not explain the 500:\n%s", log.String())
	}

	_, err := New(Route("GET /h", Method{Integration: Lambda(Aliases{Selector: "prod", Functions: map[string]any{"prod": version("x")}})}))
	if err == nil || !strings.Contains(err.Error(), "Selector") {
		t.Errorf("literal selector: %v", err)
	}
}

// FuzzLambdaResponse feeds arbitrary function output to both parsers: they
// never panic, and whatever they accept is a response that can be written.
func FuzzLambdaResponse(f *testing.F) {
	for _, s := range []string{
		`{"statusCode":200}`, `{"statusCode":200,"headers":{"a":"b"},"body":"x"}`,
		`{"statusCode":200,"multiValueHeaders":{"a":["b","c"]},"isBase64Encoded":true,"body":"eA=="}`,
		`{"statusCode":"200"}`, `[]`, `null`, `"str"`, `{"statusCode":1e3}`, `{"statusCode":200,"cookies":["a=b"]}`,
		`{"statusCode":200,"headers":{"bad name":"x"}}`, `{"statusCode":200,"headers":{"a":"x\ny"}}`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		for _, parse := range []func([]byte, string) (*lambdaResponse, error){parseResponseV1, parseResponseV2} {
			resp, err := parse(out, "application/json")
			if err != nil {
				if !errors.Is(err, errMalformed) {
					t.Fatalf("error %v is not errMalformed", err)
				}
				continue
			}
			if resp.status < 100 || resp.status > 599 {
				t.Fatalf("accepted status %d", resp.status)
			}
			for k, vs := range resp.header {
				for _, v := range vs {
					if !validHeader(k, v) {
						t.Fatalf("accepted header %q: %q", k, v)
					}
				}
			}
			resp.write(httptest.NewRecorder())
		}
	})
}

// withAuthorizer stands for the authorizer phase: it fills the Context's
// Authorizer before next runs.
func withAuthorizer(a apigw.Authorizer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apigw.FromContext(r.Context()).Authorizer = a
		next.ServeHTTP(w, r)
	})
}

// mustHandler builds an integration outside a gateway.
func mustHandler(t *testing.T, in Integration) http.Handler {
	t.Helper()
	h, err := in.build(&buildEnv{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
