package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/authzvalue"
	"github.com/apigw/apigw/internal/lambdaevent"
	"github.com/aws/aws-lambda-go/events"
)

// buildEventV1 fills a payload 1.0 event as AWS's Lambda proxy integration
// does. Maps with nothing in them are null, as AWS sends them.
func buildEventV1(r *http.Request, c *apigw.Context) (events.APIGatewayProxyRequest, error) {
	body, isB64, err := eventBody(r, c)
	if err != nil {
		return events.APIGatewayProxyRequest{}, err
	}
	ev := events.APIGatewayProxyRequest{
		Resource:        c.ResourcePath,
		Path:            c.StagePath,
		HTTPMethod:      r.Method,
		PathParameters:  nilIfEmpty(c.PathParameters),
		StageVariables:  nilIfEmpty(c.StageVariables),
		Body:            body,
		IsBase64Encoded: isB64,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         c.AccountID,
			ResourceID:        c.ResourceID,
			Stage:             c.Stage,
			DomainName:        c.DomainName,
			DomainPrefix:      c.DomainPrefix,
			RequestID:         c.RequestID,
			ExtendedRequestID: c.ExtendedRequestID,
			Protocol:          c.Protocol,
			ResourcePath:      c.ResourcePath,
			Path:              c.Path,
			HTTPMethod:        r.Method,
			RequestTime:       c.RequestTimeString(),
			RequestTimeEpoch:  c.RequestTimeEpoch(),
			APIID:             c.APIID,
			Authorizer:        authorizerV1(c),
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  c.Identity.SourceIP,
				UserAgent: c.Identity.UserAgent,
				APIKey:    c.Identity.APIKey,
				APIKeyID:  c.Identity.APIKeyID,
				Caller:    c.Identity.Caller,
				User:      c.Identity.User,

				AccessKey:                     c.Identity.AccessKey,
				AccountID:                     c.Identity.AccountID,
				UserArn:                       c.Identity.UserARN,
				CognitoIdentityID:             c.Identity.CognitoIdentityID,
				CognitoIdentityPoolID:         c.Identity.CognitoIdentityPoolID,
				CognitoAuthenticationType:     c.Identity.CognitoAuthenticationType,
				CognitoAuthenticationProvider: c.Identity.CognitoAuthenticationProvider,
			},
		},
	}
	ev.Headers, ev.MultiValueHeaders = lambdaevent.HeadersV1(r)
	ev.QueryStringParameters, ev.MultiValueQueryStringParameters = lambdaevent.QueryV1(r)
	return ev, nil
}

// authorizerV1 is requestContext.authorizer: a Lambda authorizer's
// principalId and context (values as strings), or a JWT's claims.
func authorizerV1(c *apigw.Context) map[string]any {
	a := c.Authorizer
	if a.PrincipalID == "" && len(a.Claims) == 0 && len(a.Context) == 0 {
		return nil
	}
	m := make(map[string]any, len(a.Context)+2)
	for k, v := range a.Context {
		m[k] = authzvalue.String(v)
	}
	if a.PrincipalID != "" {
		m["principalId"] = a.PrincipalID
	}
	if len(a.Claims) > 0 {
		m["claims"] = stringClaims(a.Claims)
	}
	return m
}

func stringClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		out[k] = authzvalue.String(v)
	}
	return out
}

// buildEventV2 fills a payload 2.0 event as AWS's HTTP APIs do: header names
// lower-cased, repeated headers and query parameters joined with commas,
// cookies apart.
func buildEventV2(r *http.Request, c *apigw.Context) (events.APIGatewayV2HTTPRequest, error) {
	body, isB64, err := eventBody(r, c)
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	routeKey := c.HTTPMethod + " " + c.ResourcePath
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               c.Path,
		RawQueryString:        r.URL.RawQuery,
		QueryStringParameters: lambdaevent.QueryV2(r),
		PathParameters:        nilIfEmpty(c.PathParameters),
		StageVariables:        nilIfEmpty(c.StageVariables),
		Body:                  body,
		IsBase64Encoded:       isB64,
		RequestContext:        lambdaevent.RequestContextV2(r, c, routeKey, c.Path),
	}
	ev.RequestContext.Authorizer = authorizerV2(c)
	ev.Headers, ev.Cookies = lambdaevent.HeadersV2(r)
	return ev, nil
}

func authorizerV2(c *apigw.Context) *events.APIGatewayV2HTTPRequestContextAuthorizerDescription {
	a, id := c.Authorizer, c.Identity
	switch {
	case id.AccessKey != "": // AWS_IAM
		return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
			AccessKey: id.AccessKey, AccountID: id.AccountID, CallerID: id.Caller, UserARN: id.UserARN, UserID: id.User,
			CognitoIdentity: events.APIGatewayV2HTTPRequestContextAuthorizerCognitoIdentity{IdentityID: id.CognitoIdentityID, IdentityPoolID: id.CognitoIdentityPoolID},
		}}
	case len(a.Claims) > 0:
		return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: stringClaims(a.Claims), Scopes: a.Scopes},
		}
	case a.PrincipalID != "" || len(a.Context) > 0:
		m := make(map[string]any, len(a.Context)+1)
		for k, v := range a.Context {
			m[k] = v
		}
		if a.PrincipalID != "" {
			m["principalId"] = a.PrincipalID
		}
		return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: m}
	}
	return nil
}

// eventBody is the body as an event carries it: text as it is, anything
// that is not UTF-8 in base64.
func eventBody(r *http.Request, c *apigw.Context) (string, bool, error) {
	b, err := c.Body(r)
	if err != nil {
		return "", false, err
	}
	if utf8.Valid(b) {
		return string(b), false, nil
	}
	return base64.StdEncoding.EncodeToString(b), true, nil
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// lambdaResponse is a function's answer, checked.
type lambdaResponse struct {
	status  int
	header  http.Header
	body    []byte
	cookies []string
}

// errMalformed is AWS's "Malformed Lambda proxy response".
var errMalformed = errors.New("malformed Lambda proxy response")

var v1Fields = map[string]bool{"statusCode": true, "headers": true, "multiValueHeaders": true, "body": true, "isBase64Encoded": true}

// parseResponseV1 reads a payload 1.0 answer: a JSON object with
// statusCode and, optionally, headers, multiValueHeaders, body and
// isBase64Encoded, nothing else; anything else is malformed, as AWS holds.
func parseResponseV1(out []byte) (*lambdaResponse, error) {
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
	return parseStructured(fields)
}

// parseResponseV2 reads a payload 2.0 answer: with a statusCode, the
// structured form; any other JSON is a 200 application/json body.
func parseResponseV2(out []byte) (*lambdaResponse, error) {
	if !json.Valid(out) {
		return nil, fmt.Errorf("%w: not JSON", errMalformed)
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(out, &fields) == nil && fields != nil {
		if _, ok := fields["statusCode"]; ok {
			return parseStructured(fields)
		}
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &lambdaResponse{status: http.StatusOK, header: h, body: bytes.TrimSpace(out)}, nil
}

func parseStructured(fields map[string]json.RawMessage) (*lambdaResponse, error) {
	var status int
	if err := json.Unmarshal(fields["statusCode"], &status); err != nil || status < 100 || status > 599 {
		return nil, fmt.Errorf("%w: statusCode %s is not an HTTP status", errMalformed, fields["statusCode"])
	}
	resp := &lambdaResponse{status: status, header: http.Header{}}
	var single map[string]string
	if err := unmarshalOptional(fields, "headers", &single); err != nil {
		return nil, err
	}
	var multi map[string][]string
	if err := unmarshalOptional(fields, "multiValueHeaders", &multi); err != nil {
		return nil, err
	}
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
	var body string
	if err := unmarshalOptional(fields, "body", &body); err != nil {
		return nil, err
	}
	var isB64 bool
	if err := unmarshalOptional(fields, "isBase64Encoded", &isB64); err != nil {
		return nil, err
	}
	if err := unmarshalOptional(fields, "cookies", &resp.cookies); err != nil {
		return nil, err
	}
	for _, ck := range resp.cookies {
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
	if resp.header.Get("Content-Type") == "" {
		resp.header.Set("Content-Type", "application/json")
	}
	return resp, nil
}

func unmarshalOptional(fields map[string]json.RawMessage, name string, v any) error {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %s: %v", errMalformed, name, err)
	}
	return nil
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
