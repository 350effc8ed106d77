package apigw

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/paramexpr"
)

func TestDefaultResponses(t *testing.T) {
	tests := []struct {
		t         ResponseType
		status    int
		body      string
		errorType string
	}{
		{MissingAuthenticationToken, 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException"},
		{Unauthorized, 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{AccessDenied, 403, `{"message":"User is not authorized to access this resource"}`, "AccessDeniedException"},
		{AuthorizerConfigurationError, 500, `{"message":null}`, "AuthorizerConfigurationException"},
		{InvalidAPIKey, 403, `{"message":"Forbidden"}`, "ForbiddenException"},
		{Throttled, 429, `{"message":"Too Many Requests"}`, "TooManyRequestsException"},
		{QuotaExceeded, 429, `{"message":"Limit Exceeded"}`, "LimitExceededException"},
		{BadRequestBody, 400, `{"message":"Invalid request body"}`, "BadRequestException"},
		{UnsupportedMediaType, 415, `{"message":"Unsupported Media Type"}`, "BadRequestException"},
		{RequestTooLarge, 413, `{"message":"Request Too Long"}`, "BadRequestException"},
		{IntegrationTimeout, 504, `{"message":"Endpoint request timed out"}`, "InternalServerErrorException"},
	}
	for _, tc := range tests {
		t.Run(string(tc.t), func(t *testing.T) {
			req, c := EnsureContext(httptest.NewRequest("GET", "/", nil))
			rec := httptest.NewRecorder()
			WriteError(rec, req, NewError(tc.t))
			if rec.Code != tc.status || rec.Body.String() != tc.body || rec.Header().Get("x-amzn-ErrorType") != tc.errorType {
				t.Errorf("= %d %s %q", rec.Code, rec.Body, rec.Header().Get("x-amzn-ErrorType"))
			}
			if rec.Header().Get("x-amzn-RequestId") != c.RequestID || c.Status != tc.status || c.Error.ResponseType != tc.t {
				t.Errorf("context not recorded: %+v", c.Error)
			}
		})
	}
	for _, rt := range ResponseTypes() {
		if !rt.Valid() || (rt.DefaultStatus() < 400 && rt != Default4XX) {
			t.Errorf("%s: status %d", rt, rt.DefaultStatus())
		}
	}
}

func TestWriteErrorKeepsHeadersAndAddsOwn(t *testing.T) {
	req, _ := EnsureContext(httptest.NewRequest("HEAD", "/", nil))
	rec := httptest.NewRecorder()
	rec.Header().Set("Access-Control-Allow-Origin", "https://pet.example")
	WriteError(rec, req, &Error{Type: Throttled, Header: http.Header{"Retry-After": {"1"}}})
	if rec.Header().Get("Access-Control-Allow-Origin") == "" || rec.Header().Get("Retry-After") != "1" || rec.Body.Len() != 0 {
		t.Errorf("%v %q", rec.Header(), rec.Body)
	}
	// A plain error is a 500 that keeps its cause out of the body.
	req, c := EnsureContext(httptest.NewRequest("GET", "/", nil))
	rec = httptest.NewRecorder()
	WriteError(rec, req, errors.New("secret detail"))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") || c.Error.Cause == nil {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestGatewayResponseCustomisation(t *testing.T) {
	gr, err := NewGatewayResponses(map[ResponseType]GatewayResponse{
		Default4XX: {StatusCode: 418, Headers: map[string]string{"X-Any": "'4xx'"}},
		Unauthorized: {
			Headers: map[string]string{"WWW-Authenticate": "'Bearer'", "X-Q": "method.request.querystring.q", "X-H": "method.request.header.x-h", "X-Stage": "context.stage"},
			Templates: map[string]string{
				"application/json": `{"msg":$context.error.messageString,"id":"${context.requestId}"}`,
				"text/plain":       `no: $context.error.message`,
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/x?q=1", nil)
	req.Header.Set("X-H", "h")
	req, c := EnsureContext(req)
	c.Responses, c.Stage = gr, "prod"
	rec := httptest.NewRecorder()
	WriteError(rec, req, NewError(Unauthorized))
	if rec.Code != 401 || rec.Body.String() != `{"msg":"Unauthorized","id":"`+c.RequestID+`"}` {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	for k, v := range map[string]string{"WWW-Authenticate": "Bearer", "X-Q": "1", "X-H": "h", "X-Stage": "prod", "X-Any": ""} {
		if rec.Header().Get(k) != v {
			t.Errorf("%s = %q, want %q", k, rec.Header().Get(k), v)
		}
	}
	req.Header.Set("Accept", "text/html, text/plain;q=0.9")
	rec = httptest.NewRecorder()
	WriteError(rec, req, NewError(Unauthorized))
	if rec.Body.String() != "no: Unauthorized" || rec.Header().Get("Content-Type") != "text/plain" {
		t.Errorf("Accept text/plain: %s %v", rec.Body, rec.Header())
	}
	rec = httptest.NewRecorder()
	WriteError(rec, req, NewError(InvalidAPIKey))
	if rec.Code != 418 || rec.Header().Get("X-Any") != "4xx" || rec.Body.String() != `{"message":"Forbidden"}` {
		t.Errorf("DEFAULT_4XX fallback: %d %s %v", rec.Code, rec.Body, rec.Header())
	}
	rec = httptest.NewRecorder()
	WriteError(rec, req, NewError(IntegrationTimeout))
	if rec.Code != 504 || rec.Header().Get("X-Any") != "" {
		t.Errorf("a 5xx took DEFAULT_4XX: %d %v", rec.Code, rec.Header())
	}
}

func TestGatewayResponseMistakes(t *testing.T) {
	_, err := NewGatewayResponses(map[ResponseType]GatewayResponse{
		"BOGUS":      {},
		Throttled:    {StatusCode: 1000, Headers: map[string]string{"X": "unquoted"}},
		Unauthorized: {Templates: map[string]string{"application/json": `$context.nope`, "not a type": "x"}},
	})
	for _, want := range []string{`"BOGUS"`, "StatusCode 1000", `Headers["X"]`, `unknown $context variable "nope"`, `Templates["not a type"]`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestContextVars(t *testing.T) {
	c := &Context{
		RequestID: "r", Stage: "prod", RequestTime: time.Unix(1583349317, 0), IntegrationLatency: 1500 * time.Millisecond,
		Authorizer: Authorizer{PrincipalID: "p", Claims: map[string]any{"sub": "u", "admin": true}, Context: map[string]any{"n": 1.5}},
		Error:      ErrorInfo{Message: `say "hi"`}, XRayTraceID: "1-5759e988-bd862e3fe1be46a994272793",
	}
	for name, want := range map[string]string{
		"requestId": "r", "stage": "prod", "requestTime": "04/Mar/2020:19:15:17 +0000", "integrationLatency": "1500",
		"authorizer.principalId": "p", "authorizer.claims.sub": "u", "authorizer.claims.admin": "true", "authorizer.n": "1.5",
		"error.messageString": `"say \"hi\""`, "xrayTraceId": "1-5759e988-bd862e3fe1be46a994272793",
	} {
		if got, ok := c.Var(name); !ok || got != want {
			t.Errorf("Var(%q) = %q, %v; want %q", name, got, ok, want)
		}
		if !paramexpr.ValidContextVar(name) {
			t.Errorf("ValidContextVar(%q) = false", name)
		}
	}
	if _, ok := c.Var("nope"); ok || paramexpr.ValidContextVar("nope") {
		t.Error("an unknown variable resolved")
	}
	// The parser's list of variables and Var agree.
	for _, n := range paramexpr.ContextVars() {
		if _, ok := c.Var(n); !ok {
			t.Errorf("listed variable %q does not resolve", n)
		}
	}
}

func TestRequestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, ext := newRequestIDs()
		if len(id) != 36 || id[14] != '4' || strings.Count(id, "-") != 4 || len(ext) != 16 || seen[id] {
			t.Fatalf("bad or repeated id %q / %q", id, ext)
		}
		seen[id] = true
	}
}

func TestBodyReadOnce(t *testing.T) {
	req, c := EnsureContext(httptest.NewRequest("POST", "/", strings.NewReader(`{"n": 12345678901234567890}`)))
	v, err := c.JSON(req)
	if err != nil {
		t.Fatal(err)
	}
	if n := v.(map[string]any)["n"]; n.(interface{ String() string }).String() != "12345678901234567890" {
		t.Errorf("number lost precision: %v", n)
	}
	rest, _ := io.ReadAll(req.Body)
	if string(rest) != `{"n": 12345678901234567890}` {
		t.Errorf("body after parsing = %q", rest)
	}
	c.SetBody(req, []byte("new"))
	if b, _ := c.Body(req); string(b) != "new" {
		t.Errorf("SetBody: %q", b)
	}
	if _, err := c.JSON(req); err == nil {
		t.Error("JSON of a replaced, non-JSON body succeeded")
	}
}

func TestMethodARN(t *testing.T) {
	c := &Context{Region: "us-east-1", AccountID: "1", APIID: "a", Stage: "prod", HTTPMethod: "GET", Path: "/prod/pets/1", StagePath: "/pets/1"}
	if got := c.MethodARN(); got != "arn:aws:execute-api:us-east-1:1:a/prod/GET/pets/1" {
		t.Error(got)
	}
	c.Path, c.StagePath = "/prod", ""
	if got := c.MethodARN(); got != "arn:aws:execute-api:us-east-1:1:a/prod/GET/" {
		t.Error(got)
	}
	c.HTTPMethod = "$connect"
	if got := c.MethodARN(); got != "arn:aws:execute-api:us-east-1:1:a/prod/$connect" {
		t.Error(got)
	}
}

func TestBodyLengths(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		length int64
	}{
		{"announced", "hello", 5},
		{"unknown", "hello", -1},
		{"longer than announced", "hello world", 5},
		{"empty", "", 0},
	} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		req.ContentLength = tc.length
		req, c := EnsureContext(req)
		b, err := c.Body(req)
		if err != nil || string(b) != tc.body {
			t.Errorf("%s: %q, %v", tc.name, b, err)
		}
		if again, _ := io.ReadAll(req.Body); string(again) != tc.body {
			t.Errorf("%s: the request's body reads %q after the Context read it", tc.name, again)
		}
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", MaxBodyBytes+5)))
	req.ContentLength = 5
	req, c := EnsureContext(req)
	if b, err := c.Body(req); err != ErrBodyTooLarge || len(b) != MaxBodyBytes+1 {
		t.Errorf("a body over the limit, longer than announced: %d bytes, %v", len(b), err)
	}
}

func TestWriteErrorTypeAndKeyOverrides(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	WriteError(w, r, &Error{Type: AccessDenied, Message: "User: anonymous is not authorized", MessageKey: "Message"})
	if got := w.Body.String(); got != `{"Message":"User: anonymous is not authorized"}` {
		t.Errorf("body %s", got)
	}
	if got := w.Header().Get("X-Amzn-Errortype"); got != "AccessDeniedException" {
		t.Errorf("x-amzn-ErrorType %q", got)
	}
	w = httptest.NewRecorder()
	WriteError(w, r, &Error{Type: MissingAuthenticationToken, Message: "Authorization header requires 'Credential' parameter.", ErrorType: "IncompleteSignatureException"})
	if got := w.Header().Get("X-Amzn-Errortype"); got != "IncompleteSignatureException" || w.Code != 403 {
		t.Errorf("x-amzn-ErrorType %q, status %d", got, w.Code)
	}
}

func TestIAMIdentityVars(t *testing.T) {
	c := &Context{Identity: Identity{AccessKey: "AKIA1", AccountID: "123456789012", UserARN: "arn:aws:iam::123456789012:user/alice",
		CognitoIdentityID: "us-east-1:1", CognitoIdentityPoolID: "us-east-1:pool", CognitoAuthenticationType: "authenticated",
		CognitoAuthenticationProvider: "cognito-idp.us-east-1.amazonaws.com/us-east-1_x"}}
	for name, want := range map[string]string{
		"identity.accessKey": "AKIA1", "identity.accountId": "123456789012", "identity.userArn": "arn:aws:iam::123456789012:user/alice",
		"identity.cognitoIdentityId": "us-east-1:1", "identity.cognitoIdentityPoolId": "us-east-1:pool",
		"identity.cognitoAuthenticationType": "authenticated", "identity.cognitoAuthenticationProvider": "cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
	} {
		if !paramexpr.ValidContextVar(name) {
			t.Errorf("%s not valid", name)
		}
		if got, ok := c.Var(name); !ok || got != want {
			t.Errorf("%s = %q, %v", name, got, ok)
		}
	}
}
