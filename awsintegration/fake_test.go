package awsintegration_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/apigw/apigw/internal/awsfake"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// gatewayCreds are the gateway's own credentials in these tests.
var gatewayCreds = aws.Credentials{AccessKeyID: "AKIAGATEWAY000000001", SecretAccessKey: "gateway/secret/key/000000000000000000001"}

const region = "us-east-1"

// fakeAWS is LocalStack in miniature: one endpoint for SQS, DynamoDB, S3,
// Kinesis, Step Functions and EventBridge. Every request must be signed
// with creds for the service its credential scope names, and be shaped as
// that service's protocol wants it (the query protocol's Action and
// Version, the JSON protocols' X-Amz-Target and Content-Type, S3's REST
// paths); a request that is not gets the service's 4xx, and fails the test.
type fakeAWS struct {
	t     *testing.T
	creds aws.Credentials
	s3    *awsfake.S3
	srv   *httptest.Server

	mu    sync.Mutex
	last  map[string]*seenRequest // by service
	items map[string]json.RawMessage
}

// seenRequest is what a service received, after its checks.
type seenRequest struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

func newFakeAWS(t *testing.T, creds aws.Credentials) *fakeAWS {
	t.Helper()
	f := &fakeAWS{t: t, creds: creds, s3: awsfake.NewS3(creds, region, "files"), last: map[string]*seenRequest{}, items: map[string]json.RawMessage{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAWS) seen(service string) *seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last[service]
}

// jsonServices are the JSON-protocol services the fake speaks: X-Amz-Target
// prefix and Content-Type.
var jsonServices = map[string][2]string{
	"dynamodb": {"DynamoDB_20120810", "application/x-amz-json-1.0"},
	"kinesis":  {"Kinesis_20131202", "application/x-amz-json-1.1"},
	"states":   {"AWSStepFunctions", "application/x-amz-json-1.0"},
	"events":   {"AWSEvents", "application/x-amz-json-1.1"},
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	service := scopeService(r.Header.Get("Authorization"))
	if service == "s3" {
		f.s3.ServeHTTP(w, r)
		f.record(service, r, nil)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if err := awsfake.Verify(r, body, f.creds, region, service); err != nil {
		f.t.Errorf("%s: %v", service, err)
		http.Error(w, `{"__type":"InvalidSignatureException","message":"signature"}`, http.StatusForbidden)
		return
	}
	f.record(service, r, body)
	if service == "sqs" {
		f.sqs(w, r, body)
		return
	}
	js, ok := jsonServices[service]
	if !ok {
		f.t.Errorf("unexpected service %q", service)
		http.Error(w, "unknown service", http.StatusBadRequest)
		return
	}
	action, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), js[0]+".")
	if !ok || r.Header.Get("Content-Type") != js[1] || r.Method != http.MethodPost || r.URL.Path != "/" {
		f.t.Errorf("%s: %s %s X-Amz-Target %q Content-Type %q", service, r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"))
		jsonError(w, http.StatusBadRequest, "UnknownOperationException", "")
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		jsonError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	w.Header().Set("Content-Type", js[1])
	switch service + "." + action {
	case "dynamodb.PutItem", "dynamodb.GetItem":
		f.dynamodb(w, action, in)
	case "kinesis.PutRecord":
		if in["StreamName"] == nil || in["PartitionKey"] == nil || in["Data"] == nil {
			jsonError(w, http.StatusBadRequest, "ValidationException", "StreamName, PartitionKey and Data are required")
			return
		}
		fmt.Fprint(w, `{"SequenceNumber":"49590338271490256608559692538361571095921575989136588898","ShardId":"shardId-000000000000"}`)
	case "states.StartExecution":
		if in["stateMachineArn"] == nil {
			jsonError(w, http.StatusBadRequest, "ValidationException", "stateMachineArn is required")
			return
		}
		fmt.Fprintf(w, `{"executionArn":"%s:exec-1","startDate":1.7E9}`, strings.Replace(in["stateMachineArn"].(string), ":stateMachine:", ":execution:", 1))
	case "events.PutEvents":
		entries, _ := in["Entries"].([]any)
		if len(entries) == 0 {
			jsonError(w, http.StatusBadRequest, "ValidationException", "Entries is required")
			return
		}
		fmt.Fprint(w, `{"FailedEntryCount":0,"Entries":[{"EventId":"11710aed-b79e-4468-a20b-bb3c0c3b4860"}]}`)
	default:
		jsonError(w, http.StatusBadRequest, "UnknownOperationException", action)
	}
}

func (f *fakeAWS) record(service string, r *http.Request, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last[service] = &seenRequest{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
}

// dynamodb keeps items of table "items" by their "id" string attribute.
func (f *fakeAWS) dynamodb(w http.ResponseWriter, action string, in map[string]any) {
	if in["TableName"] != "items" {
		jsonError(w, http.StatusBadRequest, "ResourceNotFoundException", "Requested resource not found")
		return
	}
	key := func(m any) (string, bool) {
		id, _ := m.(map[string]any)["id"].(map[string]any)
		s, ok := id["S"].(string)
		return s, ok
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch action {
	case "PutItem":
		id, ok := key(in["Item"])
		if !ok {
			jsonError(w, http.StatusBadRequest, "ValidationException", "One of the required keys was not given a value")
			return
		}
		f.items[id], _ = json.Marshal(in["Item"])
		fmt.Fprint(w, `{}`)
	case "GetItem":
		id, _ := key(in["Key"])
		if item, ok := f.items[id]; ok {
			fmt.Fprintf(w, `{"Item":%s}`, item)
			return
		}
		fmt.Fprint(w, `{}`)
	}
}

// sqs answers SendMessage of the query protocol: Action and Version (which
// SQS lets one omit) in the query string or the form body, the queue as
// QueueUrl or the path.
func (f *fakeAWS) sqs(w http.ResponseWriter, r *http.Request, body []byte) {
	params := r.URL.Query()
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	if params.Get("Action") != "SendMessage" || (params.Has("Version") && params.Get("Version") != "2012-11-05") ||
		(params.Get("QueueUrl") == "" && r.URL.Path == "/") || params.Get("MessageBody") == "" {
		f.t.Errorf("sqs: %s %s params %v", r.Method, r.URL.Path, params)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code></Error></ErrorResponse>`)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_ = xml.NewEncoder(w).Encode(struct {
		XMLName xml.Name `xml:"SendMessageResponse"`
		Result  struct {
			MessageID string `xml:"MessageId"`
			MD5       string `xml:"MD5OfMessageBody"`
		} `xml:"SendMessageResult"`
	}{Result: struct {
		MessageID string `xml:"MessageId"`
		MD5       string `xml:"MD5OfMessageBody"`
	}{MessageID: "5fea7756-0ea4-451a-a703-a558b933e274", MD5: "fafb00f5732ab283681e124bf8747ed1"}})
}

// jsonError answers as AWS's JSON services do, X-Amzn-ErrorType included.
func jsonError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// scopeService is the service of a SigV4 Authorization header's credential
// scope.
func scopeService(auth string) string {
	_, cred, _ := strings.Cut(auth, "Credential=")
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}
