package iam_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/gateway"
	"github.com/aws/aws-lambda-go/events"
)

// newGateway serves an API behind AWS_IAM with every integration kind,
// its resource policy denying bob's PUTs (the example).
func newGateway(t *testing.T) *httptest.Server {
	t.Helper()
	a := newAuthorizer(t, nil)
	rp := authorizer.MustResourcePolicy(authorizer.ResourcePolicyConfig{
		Document: `{"Version":"2012-10-17","Statement":[
			{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"execute-api:Invoke","Resource":"execute-api:/*/PUT/*"}]}`,
		Region: region, AccountID: account, APIID: "abc123",
	})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_ = json.NewEncoder(w).Encode(map[string]string{"path": r.URL.Path, "body": string(body), "auth": r.Header.Get("Authorization")})
	}))
	t.Cleanup(backend.Close)
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := apigw.FromContext(r.Context()).Identity
		_ = json.NewEncoder(w).Encode(map[string]string{"accessKey": id.AccessKey, "userArn": id.UserARN, "accountId": id.AccountID})
	})
	lambdaV1 := func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		b, _ := json.Marshal(ev.RequestContext.Identity)
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(b)}, nil
	}
	lambdaV2 := func(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		b, _ := json.Marshal(ev.RequestContext.Authorizer)
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: string(b)}, nil
	}
	gw, err := gateway.New(
		gateway.WithAPIID("abc123"), gateway.WithRegion(region), gateway.WithAccountID(account),
		gateway.WithClock(func() time.Time { return testNow }),
		gateway.WithAuthorizer("iam", rp.Guard(authorizer.AuthIAM, a)),
		gateway.Route("GET /whoami", gateway.Method{Authorizer: "iam", Integration: gateway.Handler(whoami)}),
		gateway.Route("PUT /files/{name}", gateway.Method{Authorizer: "iam", Integration: gateway.HTTP(backend.URL + "/store/{name}")}),
		gateway.Route("GET /files/{name}", gateway.Method{Authorizer: "iam", Integration: gateway.HTTP(backend.URL + "/store/{name}")}),
		gateway.Route("POST /v1", gateway.Method{Authorizer: "iam", Integration: gateway.Lambda(lambdaV1)}),
		gateway.Route("POST /v2", gateway.Method{Authorizer: "iam", Integration: gateway.LambdaV2(lambdaV2)}),
		gateway.Route("GET /mock", gateway.Method{Authorizer: "iam", Integration: gateway.Mock(200, `{"ok":true}`)}),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv
}

// TestThroughGateway signs real HTTP requests with aws-sdk-go-v2 and sends
// them through gateway.New to every integration kind.
func TestThroughGateway(t *testing.T) {
	srv := newGateway(t)
	do := func(method, path string, body []byte, key, secret string) (int, string, http.Header) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		r, err := http.NewRequest(method, srv.URL+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if key != "" {
			sign(t, r, key, secret, "", body, testNow)
		}
		res, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	for _, tt := range []struct {
		name, method, path string
		body               []byte
		key, secret        string
		code               int
		want               string
	}{
		{"handler sees the identity", "GET", "/whoami", nil, aliceKey, aliceSecret, 200,
			`{"accessKey":"AKIAALICE00000000001","accountId":"123456789012","userArn":"arn:aws:iam::123456789012:user/alice"}`},
		{"HTTP integration", "PUT", "/files/a.txt", []byte("hello"), aliceKey, aliceSecret, 200, `"body":"hello"`},
		{"HTTP integration gets the Authorization header", "GET", "/files/a.txt", nil, bobKey, bobSecret, 200, `"auth":"AWS4-HMAC-SHA256 Credential=AKIABOB0000000000001/20300102/us-east-1/execute-api/aws4_request`},
		{"Lambda 1.0 event identity", "POST", "/v1", []byte(`{}`), aliceKey, aliceSecret, 200,
			`"accountId":"123456789012","caller":"AIDAALICE","accessKey":"AKIAALICE00000000001"`},
		{"Lambda 2.0 event authorizer.iam", "POST", "/v2", []byte(`{}`), aliceKey, aliceSecret, 200,
			`"iam":{"accessKey":"AKIAALICE00000000001","accountId":"123456789012","callerId":"AIDAALICE"`},
		{"mock", "GET", "/mock", nil, aliceKey, aliceSecret, 200, `{"ok":true}`},
		{"unsigned", "GET", "/mock", nil, "", "", 403, `{"message":"Missing Authentication Token"}`},
		{"wrong secret", "GET", "/mock", nil, aliceKey, bobSecret, 403, `{"message":"The request signature we calculated does not match`},
		{"bob's PUT: the resource policy's explicit deny", "PUT", "/files/a.txt", []byte("x"), bobKey, bobSecret, 403,
			`{"Message":"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/default/PUT/files/a.txt with an explicit deny"}`},
		{"bob's POST: his identity policy allows GET only", "POST", "/v1", []byte(`{}`), bobKey, bobSecret, 403,
			`{"Message":"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/default/POST/v1"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body, h := do(tt.method, tt.path, tt.body, tt.key, tt.secret)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Fatalf("%d %s\nwant %d with %s", code, body, tt.code, tt.want)
			}
			if code == 403 && h.Get("X-Amzn-Errortype") == "" {
				t.Fatal("no x-amzn-ErrorType")
			}
		})
	}
}

// TestGatewayPresigned: a presigned URL works through the gateway, and
// the backend does not get the signature's query parameters trimmed.
func TestGatewayPresigned(t *testing.T) {
	srv := newGateway(t)
	r, _ := http.NewRequest("GET", srv.URL+"/whoami", nil)
	u := presign(t, r, aliceKey, aliceSecret, "", 5*time.Minute, testNow)
	res, err := srv.Client().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), aliceKey) {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
}
