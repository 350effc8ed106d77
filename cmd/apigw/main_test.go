package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/lambdainvoke"
	"github.com/aws/aws-lambda-go/events"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
		"x-amazon-apigateway-frobnicate": true,
		"paths": {"/s3": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "GET",
			"uri": "arn:aws:apigateway:us-east-1:s3:path/bucket/key"}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// A key written twice: CloudFormation keeps the last; the file was
	// refused as "not JSON or YAML".
	twice := filepath.Join(dir, "twice.yaml")
	if err := os.WriteFile(twice, []byte("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"+
		"    Properties:\n      Handler: a\n      Handler: b\n      Events:\n        Get: {Type: Api, Properties: {Path: /, Method: get}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		status int
		out    string
	}{
		{[]string{"check", twice}, 0, ""},
		{[]string{"check", "../../openapi/testdata/aws-petstore-example.json"}, 0, ""},
		{[]string{"check", "../../sam/testdata/token-authorizer.yaml"}, 0, ""},
		{[]string{"check", bad}, 1, "/paths/~1s3/get/x-amazon-apigateway-integration/uri: an AWS service integration is of type aws, not aws_proxy: \"arn:aws:apigateway:us-east-1:s3:path/bucket/key\" integrates the AWS service \"s3\": not a Lambda function\n" +
			"/x-amazon-apigateway-frobnicate: apigw does not know this API Gateway extension\n"},
		{[]string{"check"}, 2, ""},
		{[]string{"frobnicate"}, 2, ""},
	} {
		var stdout, stderr bytes.Buffer
		if got := run(context.Background(), tc.args, &stdout, &stderr, nil); got != tc.status {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, got, tc.status, stderr.String())
		}
		if stdout.String() != tc.out {
			t.Errorf("%v: printed\n%s\nwant\n%s", tc.args, stdout.String(), tc.out)
		}
	}
}

// syncBuffer is a buffer the server's goroutines write to while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServe serves `sam init`'s hello-world template with its function
// behind a Lambda Invoke API (as `sam local start-lambda` serves it), then
// stops it as SIGINT does.
func TestServe(t *testing.T) {
	h, err := lambdainvoke.NewHandler(map[string]any{
		"HelloWorldFunction": func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: "Hello from " + req.RequestContext.Stage + ", " + req.StageVariables["who"]}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lambda := httptest.NewServer(h)
	defer lambda.Close()

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-lambda-endpoint", lambda.URL, "-var", "who=apigw",
			"../../sam/testdata/hello-world.yaml"}, io.Discard, &stderr, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case status := <-done:
		t.Fatalf("serve exited %d: %s", status, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	resp, err := http.Get("http://" + addr + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "Hello from Prod, apigw" {
		t.Errorf("GET /hello: %d %q", resp.StatusCode, body)
	}
	cancel()
	if status := <-done; status != 0 {
		t.Errorf("exit %d: %s", status, stderr.String())
	}
	if log := stderr.String(); strings.Count(log, "msg=request") != 1 || !strings.Contains(log, "status=200") {
		t.Errorf("the access log is not one line for the request:\n%s", log)
	}
}

func TestServeRefusesUnboundFunctions(t *testing.T) {
	var stderr bytes.Buffer
	status := run(context.Background(), []string{"serve", "../../sam/testdata/hello-world.yaml"}, io.Discard, &stderr, nil)
	if status != 1 || !strings.Contains(stderr.String(), "function HelloWorldFunction is not bound") {
		t.Errorf("exit %d: %s", status, stderr.String())
	}
}

// TestServeRedis runs two replicas of a template whose usage plan allows
// two requests a day, sharing Redis: the third request, to either, is over
// the quota.
func TestServeRedis(t *testing.T) {
	if c, err := net.DialTimeout("tcp", "127.0.0.1:6379", time.Second); err != nil {
		t.Skip("no Redis on 127.0.0.1:6379")
	} else {
		c.Close()
	}
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tmpl, []byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        swagger: "2.0"
        info: {title: t, version: "1"}
        paths:
          /ping:
            get:
              security: [{api_key: []}]
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: 200}}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Enabled: true, Value: redis-test-key-00000001}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: prod}]
      Quota: {Limit: 2, Period: DAY}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("apigw:test:cmd:%d:", time.Now().UnixNano())
	var addrs []string
	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-redis", "127.0.0.1:6379", "-redis-prefix", prefix, tmpl}, io.Discard, io.Discard, ready)
		}()
		select {
		case a := <-ready:
			addrs = append(addrs, a)
		case status := <-done:
			t.Fatalf("serve exited %d", status)
		}
		t.Cleanup(func() { cancel(); <-done })
	}
	for i, want := range []int{200, 200, 429} {
		req, _ := http.NewRequest("GET", "http://"+addrs[i%2]+"/ping", nil)
		req.Header.Set("x-api-key", "redis-test-key-00000001")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("request %d to replica %d: %d, want %d", i, i%2, resp.StatusCode, want)
		}
	}
}

// TestServeAdmin: with -admin-addr, serve answers Prometheus text at
// /metrics and the console at /; with an OTLP endpoint set, the requests
// to the Lambda Invoke API carry the trace (traceparent).
func TestServeAdmin(t *testing.T) {
	h, err := lambdainvoke.NewHandler(map[string]any{
		"HelloWorldFunction": func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: "hello"}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var traceparent atomic.Value
	lambda := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traceparent.Store(r.Header.Get("Traceparent"))
		h.ServeHTTP(w, r)
	}))
	defer lambda.Close()
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	adminAddr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-admin-addr", adminAddr, "-lambda-endpoint", lambda.URL,
			"../../sam/testdata/hello-world.yaml"}, io.Discard, &stderr, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case status := <-done:
		t.Fatalf("serve exited %d: %s", status, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	get := func(url string) (int, string) {
		t.Helper()
		for range 100 { // the admin server may start a moment after the API
			resp, err := http.Get(url)
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(body)
		}
		t.Fatalf("GET %s: no answer", url)
		return 0, ""
	}
	if status, body := get("http://" + addr + "/hello"); status != 200 || body != "hello" {
		t.Fatalf("GET /hello: %d %q", status, body)
	}
	if tp, _ := traceparent.Load().(string); !strings.HasPrefix(tp, "00-") {
		t.Errorf("the Invoke request's traceparent = %q", tp)
	}
	if _, metrics := get("http://" + adminAddr + "/metrics"); !strings.Contains(metrics, "apigw_Count_total{") {
		t.Errorf("/metrics:\n%s", metrics)
	}
	if _, page := get("http://" + adminAddr + "/"); !strings.Contains(page, "apigw console") || !strings.Contains(page, "/hello") {
		t.Errorf("console: %.300s", page)
	}
	cancel()
	if status := <-done; status != 0 {
		t.Errorf("exit %d: %s", status, stderr.String())
	}
}
