package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// lambdaResponse is a function's answer, checked.
type lambdaResponse struct {
	status  int
	header  http.Header
	body    []byte
	cookies []string
}

// errMalformed is AWS's "Malformed Lambda proxy response".
var errMalformed = errors.New("malformed Lambda proxy response")

// structured is a proxy answer's fields, as 1.0 and 2.0 answers share them.
type structured struct {
	StatusCode        json.RawMessage     `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
	Cookies           []string            `json:"cookies"`
}

var v1Fields = map[string]bool{"statusCode": true, "headers": true, "multiValueHeaders": true, "body": true, "isBase64Encoded": true}

// parseResponseV1 reads a payload 1.0 answer: a JSON object with
// statusCode and, optionally, headers, multiValueHeaders, body and
// isBase64Encoded, nothing else; anything else is malformed, as AWS holds.
// defaultType is the Content-Type of an answer that sets none.
func parseResponseV1(out []byte, defaultType string) (*lambdaResponse, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(out, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("%w: not a JSON object", errMalformed)
	}
	for k := range fields {
		if !v1Fields[k] {
			return nil, fmt.Errorf("%w: unexpected field %q", errMalformed, k)
		}
	}
	if _, ok := fields["statusCode"]; !ok {
		return nil, fmt.Errorf("%w: no statusCode", errMalformed)
	}
	return parseStructured(out, defaultType)
}

// parseResponseV2 reads a payload 2.0 answer as HTTP APIs infer it: a JSON
// object with a statusCode is the structured form; a JSON string is the
// body itself; anything else (other JSON, or not JSON at all) is the body as
// it is. Both are 200 application/json.
func parseResponseV2(out []byte, defaultType string) (*lambdaResponse, error) {
	out = bytes.TrimSpace(out)
	if len(out) > 0 && out[0] == '{' {
		var probe struct {
			StatusCode json.RawMessage `json:"statusCode"`
		}
		if json.Unmarshal(out, &probe) == nil && probe.StatusCode != nil {
			return parseStructured(out, defaultType)
		}
	}
	body := out
	if len(out) > 0 && out[0] == '"' {
		var s string
		if json.Unmarshal(out, &s) == nil {
			body = []byte(s)
		}
	}
	return &lambdaResponse{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: body}, nil
}

func parseStructured(out []byte, defaultType string) (*lambdaResponse, error) {
	var s structured
	if err := json.Unmarshal(out, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	var status int
	if err := json.Unmarshal(s.StatusCode, &status); err != nil {
		return nil, fmt.Errorf("%w: statusCode %s is not an HTTP status", errMalformed, s.StatusCode)
	}
	var body string
	if s.Body != nil {
		body = *s.Body
	}
	return newLambdaResponse(status, s.Headers, s.MultiValueHeaders, body, s.IsBase64Encoded, s.Cookies, defaultType)
}

// responseV1 checks a typed 1.0 answer, as parseResponseV1 checks JSON.
func responseV1(r events.APIGatewayProxyResponse, defaultType string) (*lambdaResponse, error) {
	return newLambdaResponse(r.StatusCode, r.Headers, r.MultiValueHeaders, r.Body, r.IsBase64Encoded, nil, defaultType)
}

// responseV2 checks a typed 2.0 answer, as parseResponseV2 checks JSON.
func responseV2(r events.APIGatewayV2HTTPResponse, defaultType string) (*lambdaResponse, error) {
	return newLambdaResponse(r.StatusCode, r.Headers, r.MultiValueHeaders, r.Body, r.IsBase64Encoded, r.Cookies, defaultType)
}

// newLambdaResponse checks a structured answer: an HTTP status, valid
// headers (a header in both maps: multiValueHeaders wins), a base64 body
// when it says so.
func newLambdaResponse(status int, single map[string]string, multi map[string][]string, body string, isB64 bool, cookies []string, defaultType string) (*lambdaResponse, error) {
	if status < 100 || status > 599 {
		return nil, fmt.Errorf("%w: statusCode %d is not an HTTP status", errMalformed, status)
	}
	resp := &lambdaResponse{status: status, header: make(http.Header, len(single)+len(multi)+1), cookies: cookies}
	for k, v := range single {
		if !validHeader(k, v) {
			return nil, fmt.Errorf("%w: header %q is not a valid HTTP header", errMalformed, k)
		}
		resp.header.Set(k, v)
	}
	for k, vs := range multi {
		resp.header.Del(k) // multiValueHeaders wins over headers
		for _, v := range vs {
			if !validHeader(k, v) {
				return nil, fmt.Errorf("%w: header %q is not a valid HTTP header", errMalformed, k)
			}
			resp.header.Add(k, v)
		}
	}
	for _, ck := range cookies {
		if !validHeader("Set-Cookie", ck) {
			return nil, fmt.Errorf("%w: cookie %q is not a valid header value", errMalformed, ck)
		}
	}
	resp.body = []byte(body)
	if isB64 {
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, fmt.Errorf("%w: body is not base64: %v", errMalformed, err)
		}
		resp.body = b
	}
	if _, ok := resp.header["Content-Type"]; !ok {
		resp.header["Content-Type"] = []string{defaultType}
	}
	return resp, nil
}

func (resp *lambdaResponse) write(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	for _, ck := range resp.cookies {
		h.Add("Set-Cookie", ck)
	}
	h.Del("Content-Length")
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// validHeader reports whether a header could go on the wire.
func validHeader(name, value string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if b <= ' ' || b >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, b) >= 0 {
			return false
		}
	}
	for i := 0; i < len(value); i++ {
		if b := value[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}
