package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/apigw/apigw/cache"
	"io"
	"log"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/stage"
)

func stageNamed(name string) stage.Stage { return stage.Stage{Name: name} }

func TestMissingAuthenticationToken(t *testing.T) {
	gw := mustNew(t, Route("GET /a", Method{Integration: Handler(echo)}))
	for _, tc := range []struct{ method, path string }{{"GET", "/b"}, {"POST", "/a"}, {"GET", "/a/b"}} {
		rec := do(t, gw, tc.method, tc.path, "")
		wantError(t, rec, 403, "Missing Authentication Token", "MissingAuthenticationTokenException")
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}

func TestRequestIDOnEveryResponse(t *testing.T) {
	seen := map[string]bool{}
	gw := mustNew(t,
		Route("GET /ok", Method{Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Seen-Id", apigwContext(r).RequestID)
		}))}),
		Route("GET /fail", Method{Integration: Lambda(func() error { return errors.New("boom") })}),
	)
	for _, p := range []string{"/ok", "/fail", "/missing"} {
		rec := do(t, gw, "GET", p, "")
		id := rec.Header().Get("x-amzn-RequestId")
		if len(id) != 36 || id[14] != '4' {
			t.Errorf("%s: x-amzn-RequestId %q is not a v4 UUID", p, id)
		}
		if seen[id] {
			t.Errorf("%s: request id %q repeated", p, id)
		}
		seen[id] = true
		if p == "/ok" && rec.Header().Get("X-Seen-Id") != id {
			t.Errorf("backend saw request id %q, header says %q", rec.Header().Get("X-Seen-Id"), id)
		}
	}
}

func TestContextFilled(t *testing.T) {
	var got apigw.Context
	gw := mustNew(t,
		WithAPIID("a1b2c3"), WithRegion("eu-west-1"), WithAccountID("111122223333"),
		WithClock(func() time.Time { return time.Date(2020, 3, 4, 19, 15, 17, 0, time.UTC) }),
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "v1"}}),
		Route("GET /artists/{id}", Method{Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = *apigwContext(r)
			got.PathParameters = maps.Clone(got.PathParameters) // the gateway reuses it
		}))}),
	)
	req := httptest.NewRequest("GET", "http://music.example.com/artists/7?x=1", nil)
	req.Header.Set("User-Agent", "tester/1.0")
	req.RemoteAddr = "192.0.2.10:4321"
	gw.ServeHTTP(httptest.NewRecorder(), req)
	checks := map[string]string{
		"apiId": "a1b2c3", "accountId": "111122223333", "stage": "prod", "resourcePath": "/artists/{id}",
		"httpMethod": "GET", "path": "/artists/7", "protocol": "HTTP/1.1", "domainName": "music.example.com",
		"domainPrefix": "music", "identity.sourceIp": "192.0.2.10", "identity.userAgent": "tester/1.0",
		"requestTime": "04/Mar/2020:19:15:17 +0000", "requestTimeEpoch": "1583349317000", "isCanaryRequest": "false",
	}
	for name, want := range checks {
		if v, _ := got.Var(name); v != want {
			t.Errorf("$context.%s = %q, want %q", name, v, want)
		}
	}
	if got.PathParameters["id"] != "7" || got.StageVariables["ver"] != "v1" || got.DeploymentID == "" || got.ExtendedRequestID == "" {
		t.Errorf("context = %+v", got)
	}
	if arn := got.MethodARN(); arn != "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3/prod/GET/artists/7" {
		t.Errorf("MethodARN = %s", arn)
	}
}

func TestSeveralStages(t *testing.T) {
	gw := mustNew(t,
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "v1"}}),
		WithStage(stage.Stage{Name: "beta", Variables: map[string]string{"ver": "v2"}}),
		Route("GET /artists/{id}", Method{Integration: Handler(echo)}),
	)
	for _, tc := range []struct{ path, stage, ver, backendPath string }{
		{"/prod/artists/1", "prod", "v1", "/artists/1"},
		{"/beta/artists/2", "beta", "v2", "/artists/2"},
	} {
		rec := do(t, gw, "GET", tc.path, "")
		got := decode(t, rec)
		if got["stage"] != tc.stage || got["vars"].(map[string]any)["ver"] != tc.ver || got["path"] != tc.backendPath {
			t.Errorf("%s: %v", tc.path, got)
		}
	}
	for _, p := range []string{"/artists/1", "/dev/artists/1", "/", "/prod"} {
		wantError(t, do(t, gw, "GET", p, ""), 403, "Missing Authentication Token", "MissingAuthenticationTokenException")
	}
}

func TestPayloadLimit(t *testing.T) {
	var called atomic.Bool
	gw := mustNew(t, Route("POST /up", Method{Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called.Store(true)
		_, _ = io.Copy(io.Discard, r.Body)
	}))}))
	big := bytes.Repeat([]byte("a"), apigw.MaxBodyBytes+1)

	req := httptest.NewRequest("POST", "/up", bytes.NewReader(big))
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	wantError(t, rec, 413, "Request Too Long", "BadRequestException")

	// Without a Content-Length the gateway reads the body to find out.
	req = httptest.NewRequest("POST", "/up", io.MultiReader(bytes.NewReader(big)))
	req.ContentLength = -1
	rec = httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	wantError(t, rec, 413, "Request Too Long", "BadRequestException")
	if called.Load() {
		t.Error("the backend saw a body over the limit")
	}

	req = httptest.NewRequest("POST", "/up", io.MultiReader(bytes.NewReader(big[:apigw.MaxBodyBytes])))
	req.ContentLength = -1
	rec = httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	if rec.Code != 200 || !called.Load() {
		t.Errorf("a body of exactly 10 MB: %d", rec.Code)
	}
}

func TestIntegrationTimeout(t *testing.T) {
	gw := mustNew(t,
		Route("GET /slow", Method{Timeout: 50 * time.Millisecond, Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // a handler that honours its context
		}))}),
		Route("GET /late", Method{Timeout: 50 * time.Millisecond, Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			_, _ = w.Write([]byte("too late")) // an answer after the deadline
		}))}),
		Route("GET /lambda", Method{Timeout: 50 * time.Millisecond, Integration: Lambda(func() error {
			time.Sleep(time.Second) // a function that ignores its context
			return nil
		})}),
	)
	for _, p := range []string{"/slow", "/late", "/lambda"} {
		start := time.Now()
		rec := do(t, gw, "GET", p, "")
		wantError(t, rec, 504, "Endpoint request timed out", "InternalServerErrorException")
		if p == "/lambda" && time.Since(start) > 900*time.Millisecond {
			t.Errorf("%s: the gateway waited for the function past its timeout", p)
		}
	}
}

func TestDeadlineVisibleToHandler(t *testing.T) {
	gw := mustNew(t, Route("GET /d", Method{Timeout: 3 * time.Second, Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := r.Context().Deadline()
		if !ok || time.Until(d) > 3*time.Second || time.Until(d) < time.Second {
			w.WriteHeader(500)
			return
		}
		if r.Context().Err() != nil {
			w.WriteHeader(500)
			return
		}
		// A context derived from the request's must cancel with it.
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		if ctx.Err() != nil {
			w.WriteHeader(500)
		}
	}))}))
	if rec := do(t, gw, "GET", "/d", ""); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
}

func TestGatewayResponses(t *testing.T) {
	gw := mustNew(t,
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"team": "music"}}),
		WithGatewayResponses(map[apigw.ResponseType]apigw.GatewayResponse{
			apigw.MissingAuthenticationToken: {
				StatusCode: 404,
				Headers:    map[string]string{"Access-Control-Allow-Origin": "'*'", "X-Team": "stageVariables.team"},
				Templates:  map[string]string{"application/json": `{"error":$context.error.messageString,"type":"$context.error.responseType","id":"$context.requestId"}`},
			},
			apigw.Default5XX: {Templates: map[string]string{"application/json": `{"oops":true}`}},
			apigw.Default4XX: {Headers: map[string]string{"X-Client-Error": "'yes'"}},
		}),
		Route("GET /boom", Method{Integration: Lambda(func() error { return errors.New("boom") })}),
		Route("PUT /v", Method{Integration: Handler(echo), RequestParameters: map[string]bool{"method.request.querystring.q": true}}),
	)
	rec := do(t, gw, "GET", "/nope", "")
	if rec.Code != 404 || rec.Header().Get("Access-Control-Allow-Origin") != "*" || rec.Header().Get("X-Team") != "music" {
		t.Errorf("customised 403: %d %v", rec.Code, rec.Header())
	}
	want := fmt.Sprintf(`{"error":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN","id":"%s"}`, rec.Header().Get("x-amzn-RequestId"))
	if rec.Body.String() != want {
		t.Errorf("body = %s, want %s", rec.Body, want)
	}
	rec = do(t, gw, "GET", "/boom", "")
	if rec.Code != 502 || rec.Body.String() != `{"oops":true}` {
		t.Errorf("DEFAULT_5XX: %d %s", rec.Code, rec.Body)
	}
	rec = do(t, gw, "PUT", "/v", "")
	wantError(t, rec, 400, "Missing required request parameters: [q]", "BadRequestException")
	if rec.Header().Get("X-Client-Error") != "yes" {
		t.Errorf("DEFAULT_4XX header missing: %v", rec.Header())
	}
}

func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	gw := mustNew(t,
		WithAccessLog(logger),
		Route("GET /a/{id}", Method{Integration: Handler(echo)}),
		Route("POST /v", Method{Integration: Handler(echo), RequestParameters: map[string]bool{"method.request.header.x-id": true}}),
	)
	do(t, gw, "GET", "/a/1", "")
	do(t, gw, "POST", "/v", "")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d records: %s", len(lines), buf.String())
	}
	var ok, bad map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &ok)
	_ = json.Unmarshal([]byte(lines[1]), &bad)
	for _, k := range []string{"requestId", "ip", "httpMethod", "resourcePath", "status", "responseLength", "integrationLatency", "responseLatency"} {
		if _, present := ok[k]; !present {
			t.Errorf("record lacks %s: %v", k, ok)
		}
	}
	if ok["resourcePath"] != "/a/{id}" || ok["status"] != float64(200) || ok["level"] != "INFO" {
		t.Errorf("record: %v", ok)
	}
	if bad["status"] != float64(400) || bad["level"] != "WARN" || bad["errorResponseType"] != "BAD_REQUEST_PARAMETERS" ||
		bad["validationErrorString"] != "Missing required request parameters: [x-id]" {
		t.Errorf("refusal record: %v", bad)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestDeployUnderLoad redeploys while many goroutines send requests: every
// request is answered by one whole deployment or the other, never fails.
func TestDeployUnderLoad(t *testing.T) {
	version := func(v string) DeploymentOption {
		return Route("GET /v/{id}", Method{Integration: Mock(200, `{"version":"`+v+`","id":"$method.request.path.id"}`)})
	}
	gw := mustNew(t, version("1"))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failures, served atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rec := httptest.NewRecorder()
				gw.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/v/%d-%d", g, i), nil))
				body := rec.Body.String()
				if rec.Code != 200 || !(strings.Contains(body, `"version":"1"`) || strings.Contains(body, `"version":"2"`)) ||
					!strings.Contains(body, fmt.Sprintf(`"id":"%d-%d"`, g, i)) {
					failures.Add(1)
				}
				served.Add(1)
			}
		}()
	}
	deploys := 0
	for ; deploys < 50 || served.Load() < 5000; deploys++ {
		if _, err := gw.Deploy(version(fmt.Sprint(1 + deploys%2))); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if failures.Load() != 0 {
		t.Errorf("%d of %d requests failed during redeploys", failures.Load(), served.Load())
	}
	if want := min(deploys+1, MaxDeployments); len(gw.Deployments()) != want {
		t.Errorf("%d deployments, want %d", len(gw.Deployments()), want)
	}
}

// TestDeployRejectsGatewayOptions: the gateway's own settings are not
// deployment options, so Deploy cannot be given one (it does not compile);
// a bad definition fails Deploy and changes nothing.
func TestDeployRejectsGatewayOptions(t *testing.T) {
	for _, o := range []Option{WithStage(stageNamed("x")), WithAPIID("a"), WithRegion("r"), WithAccountID("1"),
		WithAccessLog(nil), WithClock(nil), WithRandom(nil), WithTransport(nil), WithCache(cache.Config{}), WithUsagePlans(nil)} {
		if _, ok := o.(DeploymentOption); ok {
			t.Errorf("%T is a DeploymentOption", o)
		}
	}
	gw := mustNew(t, Route("GET /a", Method{Integration: Mock(200, "")}))
	if _, err := gw.Deploy(Route("GET /a", Method{})); err == nil {
		t.Error("Deploy of a bad definition succeeded")
	}
	if rec := do(t, gw, "GET", "/a", ""); rec.Code != 200 {
		t.Errorf("a failed Deploy changed what is served: %d", rec.Code)
	}
}

func TestMock(t *testing.T) {
	gw := mustNew(t,
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"v": "7"}}),
		Route("GET /m/{id}", Method{Integration: Mock(202, `{"id":"$method.request.path.id","q":"$method.request.querystring.q","v":"${stageVariables.v}","stage":"$context.stage","cost":"$5"}`)}),
	)
	rec := do(t, gw, "GET", "/m/9?q=x", "")
	if rec.Code != 202 || rec.Body.String() != `{"id":"9","q":"x","v":"7","stage":"prod","cost":"$5"}` || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("%d %s %v", rec.Code, rec.Body, rec.Header())
	}
}

func TestHandlerPathOption(t *testing.T) {
	gw := mustNew(t,
		WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "v2"}}),
		WithStage(stage.Stage{Name: "dev"}),
		Route("GET /artists/{id}/genres", Method{Integration: Handler(echo, Path("/${stageVariables.ver}/artists/{id}"))}),
	)
	got := decode(t, do(t, gw, "GET", "/prod/artists/a%20b/genres?lang=en", ""))
	if got["path"] != "/v2/artists/a b" || got["query"] != "lang=en" {
		t.Errorf("backend saw %v", got)
	}
}

// TestTimeoutWithFakeClock: a test clock times latencies, never the
// integration's deadline, which real I/O honours.
func TestTimeoutWithFakeClock(t *testing.T) {
	past := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	gw := mustNew(t, WithClock(func() time.Time { return past }),
		Route("GET /wait", Method{Timeout: time.Second, Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
				w.WriteHeader(500)
			case <-time.After(20 * time.Millisecond):
				w.Write([]byte("waited"))
			}
		}))}))
	if rec := do(t, gw, "GET", "/wait", ""); rec.Code != 200 || rec.Body.String() != "waited" {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

// TestContextAfterRequest: a handler that keeps its context past the
// request keeps reading its own request's Context, as with any Go context,
// while other requests come and go.
func TestContextAfterRequest(t *testing.T) {
	type kept struct {
		ctx    context.Context
		id     string
		params map[string]string
	}
	keptc := make(chan kept, 1)
	gw := mustNew(t, Route("GET /keep/{id}", Method{Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		if c == nil {
			w.WriteHeader(500)
			return
		}
		select {
		case keptc <- kept{r.Context(), c.RequestID, maps.Clone(c.PathParameters)}:
		default:
		}
	}))}))
	if rec := do(t, gw, "GET", "/keep/first", ""); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	k := <-keptc
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 1000 {
			c := apigw.FromContext(k.ctx)
			if c == nil || c.RequestID != k.id || !maps.Equal(c.PathParameters, k.params) || c.PathParameters["id"] != "first" {
				t.Errorf("a kept context reads %+v, want request %s with %v", c, k.id, k.params)
				return
			}
		}
	}()
	for i := range 200 {
		do(t, gw, "GET", fmt.Sprintf("/keep/%d", i), "")
	}
	wg.Wait()
	if _, ok := k.ctx.Deadline(); !ok || k.ctx.Err() != nil && k.ctx.Err() != context.Canceled && k.ctx.Err() != context.DeadlineExceeded {
		t.Errorf("kept context: deadline %v, err %v", ok, k.ctx.Err())
	}
}

// TestHandlerPanic: a panicking in-process backend gets the 502 a panicking
// Lambda function gets, with its request id and an access-log line naming
// the panic; one that panics after its answer started has its connection
// aborted, and is logged too.
func TestHandlerPanic(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	gw := mustNew(t, WithAccessLog(logger),
		Route("GET /early", Method{Integration: Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("early") }))}),
		Route("GET /lambda", Method{Integration: Lambda(func() error { panic("lambda") })}),
		Route("GET /late", Method{Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			_, _ = w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			panic("late")
		}))}),
	)
	var ids []string // the 502s' request ids, which their access-log records must carry
	for _, path := range []string{"/early", "/lambda"} {
		rec := do(t, gw, "GET", path, "")
		wantError(t, rec, 502, "Internal server error", "InternalServerErrorException")
		id := rec.Header().Get("X-Amzn-RequestId")
		if id == "" {
			t.Errorf("GET %s: the 502 has no x-amzn-RequestId", path)
		}
		ids = append(ids, id)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if resp, err := srv.Client().Get(srv.URL + "/late"); err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Error("an answer cut short by a panic was read whole")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d records: %s", len(lines), buf.String())
	}
	for i, want := range []string{"integration panicked: early", "function panicked: lambda", "integration panicked: late"} {
		var rec map[string]any
		_ = json.Unmarshal([]byte(lines[i]), &rec)
		if cause, _ := rec["errorCause"].(string); !strings.Contains(cause, want) {
			t.Errorf("record %d: cause %q, want %q", i, cause, want)
		}
		if id, _ := rec["requestId"].(string); i < len(ids) && id != ids[i] {
			t.Errorf("record %d: requestId %q, the answer's %q", i, id, ids[i])
		}
	}
}
