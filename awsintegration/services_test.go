package awsintegration_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/awsintegration"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// integration returns the AWS integration of uri against the fake, signed
// with the gateway's credentials, as a gateway integration.
func integration(t *testing.T, f *fakeAWS, method, uri string) gateway.Integration {
	t.Helper()
	in, err := awsintegration.New(awsintegration.Config{URI: uri, HTTPMethod: method, Endpoint: f.srv.URL,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return f.creds, nil })})
	if err != nil {
		t.Fatal(err)
	}
	return gateway.Handler(in)
}

// newServicesGateway is an API whose methods are service integrations of
// every service the issue names, each with the mapping templates AWS's
// tutorials give them.
func newServicesGateway(t *testing.T, f *fakeAWS) http.Handler {
	t.Helper()
	const arn = "arn:aws:apigateway:us-east-1:"
	gw, err := gateway.New(
		// SQS, action style: the queue and the message as query parameters.
		gateway.Route("POST /queue", gateway.Method{
			Integration: integration(t, f, "POST", arn+"sqs:action/SendMessage"),
			Request: mapping.RequestConfig{Parameters: map[string]string{
				"integration.request.querystring.QueueUrl":    "'https://sqs.us-east-1.amazonaws.com/123456789012/orders'",
				"integration.request.querystring.MessageBody": "method.request.body",
			}},
			Response: mapping.Expr(`{"messageId": util.parseXml(input.body).SendMessageResponse.SendMessageResult.MessageId}`),
		}),
		// SQS, path style: the queue in the path, the action in a form body.
		gateway.Route("POST /orders", gateway.Method{
			Integration: integration(t, f, "POST", arn+"sqs:path/123456789012/orders"),
			Request: mapping.RequestConfig{
				Parameters: map[string]string{"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
				Templates:  map[string]*mapping.Template{"application/json": mapping.MustCompileText(`Action=SendMessage&MessageBody={{ util.urlEncode(input.body) }}`)},
			},
			Response: mapping.Expr(`{"messageId": util.parseXml(input.body).SendMessageResponse.SendMessageResult.MessageId}`),
		}),
		gateway.Route("PUT /items/{id}", gateway.Method{
			Integration: integration(t, f, "POST", arn+"dynamodb:action/PutItem"),
			Request:     mapping.Expr(`{"TableName": "items", "Item": {"id": {"S": input.params.path.id}, "name": {"S": input.json.name}}}`),
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{
				{Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"stored": input.params.path.id}`)}},
				{SelectionPattern: `4\d\d`, StatusCode: 400, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"error": input.json.__type}`)}},
			}},
		}),
		gateway.Route("GET /items/{id}", gateway.Method{
			Integration: integration(t, f, "POST", arn+"dynamodb:action/GetItem"),
			Request:     mapping.Expr(`{"TableName": "items", "Key": {"id": {"S": input.params.path.id}}}`),
			Response:    mapping.Expr(`has(input.json.Item) ? {"id": input.json.Item.id.S, "name": input.json.Item.name.S} : {}`),
		}),
		gateway.Route("PUT /files/{name}", gateway.Method{
			Integration: integration(t, f, "PUT", arn+"s3:path/{bucket}/{key}"),
			Request: mapping.RequestConfig{Parameters: map[string]string{
				"integration.request.path.bucket":         "'files'",
				"integration.request.path.key":            "method.request.path.name",
				"integration.request.header.Content-Type": "method.request.header.Content-Type",
			}},
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{
				{StatusCode: 200, Parameters: map[string]string{"method.response.header.ETag": "integration.response.header.ETag"}},
			}},
		}),
		gateway.Route("GET /files/{name}", gateway.Method{
			Integration: integration(t, f, "GET", arn+"s3:path/{bucket}/{key}"),
			Request: mapping.RequestConfig{Parameters: map[string]string{
				"integration.request.path.bucket": "'files'",
				"integration.request.path.key":    "method.request.path.name",
			}},
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{
				{Parameters: map[string]string{"method.response.header.Content-Type": "integration.response.header.Content-Type"}},
				{SelectionPattern: "404", StatusCode: 404, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"message": "no such file"}`)}},
			}},
		}),
		gateway.Route("POST /streams/{stream}", gateway.Method{
			Integration: integration(t, f, "POST", arn+"kinesis:action/PutRecord"),
			Request:     mapping.Expr(`{"StreamName": input.params.path.stream, "Data": util.base64Encode(input.body), "PartitionKey": context.requestId}`),
			Response:    mapping.Expr(`{"sequence": input.json.SequenceNumber, "shard": input.json.ShardId}`),
		}),
		gateway.Route("POST /executions", gateway.Method{
			Integration: integration(t, f, "POST", arn+"states:action/StartExecution"),
			Request:     mapping.Expr(`{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:orders", "input": input.body}`),
			Response:    mapping.Expr(`{"executionArn": input.json.executionArn}`),
		}),
		gateway.Route("POST /events", gateway.Method{
			Integration: integration(t, f, "POST", arn+"events:action/PutEvents"),
			Request:     mapping.Expr(`{"Entries": [{"Source": "apigw.test", "DetailType": "order", "Detail": input.body, "EventBusName": "default"}]}`),
			Response:    mapping.Expr(`{"failed": input.json.FailedEntryCount, "id": input.json.Entries[0].EventId}`),
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

// TestServices calls each service's action through gateway.New: the fake
// checks the signature and the protocol, and the test the request each
// service received and the method response the integration response made.
func TestServices(t *testing.T) {
	f := newFakeAWS(t, gatewayCreds)
	gw := newServicesGateway(t, f)
	tests := []struct {
		name               string
		method, path, body string
		header             map[string]string
		service            string
		status             int
		want               string
		check              func(t *testing.T, got *seenRequest)
	}{
		{name: "SQS SendMessage, action style", method: "POST", path: "/queue", body: `{"order": 1}`, service: "sqs",
			status: 200, want: `{"messageId":"5fea7756-0ea4-451a-a703-a558b933e274"}`,
			check: func(t *testing.T, got *seenRequest) {
				q := got.Query
				if got.Path != "/" || q.Get("Action") != "SendMessage" || q.Get("Version") != "2012-11-05" ||
					q.Get("QueueUrl") != "https://sqs.us-east-1.amazonaws.com/123456789012/orders" || q.Get("MessageBody") != `{"order": 1}` {
					t.Errorf("SQS got %s %v", got.Path, q)
				}
			}},
		{name: "SQS SendMessage, path style", method: "POST", path: "/orders", body: `{"order": 2}`, service: "sqs",
			status: 200, want: `{"messageId":"5fea7756-0ea4-451a-a703-a558b933e274"}`,
			check: func(t *testing.T, got *seenRequest) {
				if got.Path != "/123456789012/orders" || got.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
					string(got.Body) != "Action=SendMessage&MessageBody=%7B%22order%22%3A+2%7D" {
					t.Errorf("SQS got %s %q %q", got.Path, got.Header.Get("Content-Type"), got.Body)
				}
			}},
		{name: "DynamoDB PutItem", method: "PUT", path: "/items/42", body: `{"name": "Ada"}`, service: "dynamodb",
			status: 200, want: `{"stored":"42"}`,
			check: func(t *testing.T, got *seenRequest) {
				wantJSON(t, got.Body, `{"TableName":"items","Item":{"id":{"S":"42"},"name":{"S":"Ada"}}}`)
				if got.Header.Get("X-Amz-Target") != "DynamoDB_20120810.PutItem" {
					t.Errorf("X-Amz-Target %q", got.Header.Get("X-Amz-Target"))
				}
			}},
		{name: "DynamoDB GetItem", method: "GET", path: "/items/42", service: "dynamodb",
			status: 200, want: `{"id":"42","name":"Ada"}`,
			check: func(t *testing.T, got *seenRequest) {
				wantJSON(t, got.Body, `{"TableName":"items","Key":{"id":{"S":"42"}}}`)
				if got.Header.Get("X-Amz-Target") != "DynamoDB_20120810.GetItem" || got.Method != "POST" {
					t.Errorf("%s X-Amz-Target %q", got.Method, got.Header.Get("X-Amz-Target"))
				}
			}},
		{name: "DynamoDB GetItem, no such item", method: "GET", path: "/items/7", service: "dynamodb", status: 200, want: `{}`},
		{name: "S3 PutObject", method: "PUT", path: "/files/notes%20one.txt", body: "hello, S3", header: map[string]string{"Content-Type": "text/plain"},
			service: "s3", status: 200, want: "",
			check: func(t *testing.T, got *seenRequest) {
				if got.Method != "PUT" || got.Path != "/files/notes%20one.txt" || got.Header.Get("Content-Type") != "text/plain" {
					t.Errorf("S3 got %s %s %q", got.Method, got.Path, got.Header.Get("Content-Type"))
				}
			}},
		{name: "S3 GetObject", method: "GET", path: "/files/notes%20one.txt", service: "s3", status: 200, want: "hello, S3",
			check: func(t *testing.T, got *seenRequest) {
				if got.Method != "GET" || got.Path != "/files/notes%20one.txt" {
					t.Errorf("S3 got %s %s", got.Method, got.Path)
				}
			}},
		{name: "S3 GetObject, no such key", method: "GET", path: "/files/missing", service: "s3", status: 404, want: `{"message":"no such file"}`},
		{name: "Kinesis PutRecord", method: "POST", path: "/streams/clicks", body: "click", service: "kinesis",
			status: 200, want: `{"sequence":"49590338271490256608559692538361571095921575989136588898","shard":"shardId-000000000000"}`,
			check: func(t *testing.T, got *seenRequest) {
				var in map[string]string
				_ = json.Unmarshal(got.Body, &in)
				if d, _ := base64.StdEncoding.DecodeString(in["Data"]); string(d) != "click" || in["StreamName"] != "clicks" || in["PartitionKey"] == "" {
					t.Errorf("Kinesis got %s", got.Body)
				}
			}},
		{name: "Step Functions StartExecution", method: "POST", path: "/executions", body: `{"order":3}`, service: "states",
			status: 200, want: `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:orders:exec-1"}`,
			check: func(t *testing.T, got *seenRequest) {
				wantJSON(t, got.Body, `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:orders","input":"{\"order\":3}"}`)
			}},
		{name: "EventBridge PutEvents", method: "POST", path: "/events", body: `{"order":4}`, service: "events",
			status: 200, want: `{"failed":0,"id":"11710aed-b79e-4468-a20b-bb3c0c3b4860"}`,
			check: func(t *testing.T, got *seenRequest) {
				wantJSON(t, got.Body, `{"Entries":[{"Detail":"{\"order\":4}","DetailType":"order","EventBusName":"default","Source":"apigw.test"}]}`)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// S3 GetObject reads what PutObject wrote: the cases run in order.
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			r.Header.Set("Authorization", "Bearer client-token") // never sent on
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, r)
			if w.Code != tt.status || strings.TrimSpace(w.Body.String()) != tt.want {
				t.Fatalf("%s %s: %d %s, want %d %s", tt.method, tt.path, w.Code, w.Body, tt.status, tt.want)
			}
			got := f.seen(tt.service)
			if got == nil {
				t.Fatalf("%s received nothing", tt.service)
			}
			if strings.Contains(got.Header.Get("Authorization"), "client-token") {
				t.Errorf("the client's Authorization reached %s", tt.service)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func wantJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	_ = json.Unmarshal([]byte(want), &w)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("got %s, want %s", gb, wb)
	}
}
