package gateway

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/authzvalue"
	"github.com/apigw/apigw/internal/lambdaevent"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-lambda-go/events"
)

// buildEventV1 fills a payload 1.0 event as AWS's Lambda proxy integration
// does. Maps with nothing in them are null, as AWS sends them.
func buildEventV1(r *http.Request, c *apigw.Context, binary mapping.BinaryMediaTypes) (events.APIGatewayProxyRequest, error) {
	body, isB64, err := eventBody(r, c, binary)
	if err != nil {
		return events.APIGatewayProxyRequest{}, err
	}
	ev := events.APIGatewayProxyRequest{
		Resource:        c.ResourcePath,
		Path:            c.StagePath,
		HTTPMethod:      r.Method,
		PathParameters:  cloneOrNil(c.PathParameters),
		StageVariables:  cloneOrNil(c.StageVariables),
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
	if ev.Headers == nil {
		ev.Headers, ev.MultiValueHeaders = map[string]string{}, map[string][]string{}
	}
	for _, h := range proxyHeaders(r, c) {
		ev.Headers[h.name] = h.value
		ev.MultiValueHeaders[h.name] = []string{h.value}
	}
	ev.QueryStringParameters, ev.MultiValueQueryStringParameters = lambdaevent.QueryV1(r)
	return ev, nil
}

// header is one header the gateway adds to an event.
type header struct{ name, value string }

// proxyHeaders are the headers API Gateway adds to what the integration
// receives, as aws-lambda-go's fixtures show them: X-Forwarded-For (the
// client's address appended to what it sent), X-Forwarded-Port,
// X-Forwarded-Proto and X-Amzn-Trace-Id (the client's, or a new one).
func proxyHeaders(r *http.Request, c *apigw.Context) [4]header {
	xff := c.Identity.SourceIP
	if prior := r.Header.Values("X-Forwarded-For"); len(prior) > 0 {
		xff = strings.Join(prior, ", ") + ", " + xff
	}
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil && p != "" {
		port = p
	}
	trace := r.Header.Get("X-Amzn-Trace-Id")
	if trace == "" {
		trace = newTraceID(c.RequestTime)
	}
	return [4]header{{"X-Forwarded-For", xff}, {"X-Forwarded-Port", port}, {"X-Forwarded-Proto", proto}, {"X-Amzn-Trace-Id", trace}}
}

// newTraceID is an X-Ray trace header for a request received at t:
// Root=1-{8 hex digits of epoch seconds}-{24 random hex digits}.
func newTraceID(t time.Time) string {
	var b [40]byte
	n := copy(b[:], "Root=1-")
	n += hex.Encode(b[n:], binary.BigEndian.AppendUint32(nil, uint32(t.Unix())))
	b[n] = '-'
	n++
	var raw [12]byte
	binary.LittleEndian.PutUint64(raw[:8], rand.Uint64())
	binary.LittleEndian.PutUint32(raw[8:], rand.Uint32())
	n += hex.Encode(b[n:], raw[:])
	return string(b[:n])
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
		// map[string]any, as a function decoding AWS's JSON gets it
		claims := make(map[string]any, len(a.Claims))
		for k, v := range a.Claims {
			claims[k] = authzvalue.String(v)
		}
		m["claims"] = claims
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
func buildEventV2(r *http.Request, c *apigw.Context, binary mapping.BinaryMediaTypes) (events.APIGatewayV2HTTPRequest, error) {
	body, isB64, err := eventBody(r, c, binary)
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	routeKey := c.RouteKey
	if routeKey == "" {
		routeKey = c.HTTPMethod + " " + c.ResourcePath
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               c.Path,
		RawQueryString:        r.URL.RawQuery,
		QueryStringParameters: lambdaevent.QueryV2(r),
		PathParameters:        cloneOrNil(c.PathParameters),
		StageVariables:        cloneOrNil(c.StageVariables),
		Body:                  body,
		IsBase64Encoded:       isB64,
		RequestContext:        lambdaevent.RequestContextV2(r, c, routeKey, c.Path),
	}
	ev.RequestContext.Authorizer = authorizerV2(c)
	ev.RequestContext.Authentication.ClientCert = clientCert(r)
	ev.Headers, ev.Cookies = lambdaevent.HeadersV2(r)
	for _, h := range proxyHeaders(r, c) {
		ev.Headers[strings.ToLower(h.name)] = h.value
	}
	if _, ok := ev.Headers["content-length"]; !ok {
		b, _ := c.Body(r)
		ev.Headers["content-length"] = strconv.Itoa(len(b))
	}
	return ev, nil
}

// wireEvent2 is a 2.0 event as it goes on the wire to a function that
// reads JSON: aws-lambda-go's type has no way to leave out
// requestContext.authentication (a struct, not a pointer), which AWS sends
// only with mutual TLS.
type wireEvent2 struct {
	*events.APIGatewayV2HTTPRequest
	RequestContext wireContext2 `json:"requestContext"`
}

type wireContext2 struct {
	events.APIGatewayV2HTTPRequestContext
	Authentication *events.APIGatewayV2HTTPRequestContextAuthentication `json:"authentication,omitempty"`
}

func wireEventV2(ev *events.APIGatewayV2HTTPRequest) *wireEvent2 {
	w := &wireEvent2{APIGatewayV2HTTPRequest: ev, RequestContext: wireContext2{APIGatewayV2HTTPRequestContext: ev.RequestContext}}
	if ev.RequestContext.Authentication.ClientCert.ClientCertPem != "" {
		w.RequestContext.Authentication = &ev.RequestContext.Authentication
	}
	return w
}

// clientCert is requestContext.authentication.clientCert of a request made
// with a client certificate (mutual TLS), as AWS fills it; zero without one.
func clientCert(r *http.Request) events.APIGatewayV2HTTPRequestContextAuthenticationClientCert {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return events.APIGatewayV2HTTPRequestContextAuthenticationClientCert{}
	}
	cert := r.TLS.PeerCertificates[0]
	var cc events.APIGatewayV2HTTPRequestContextAuthenticationClientCert
	cc.ClientCertPem = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	cc.SubjectDN = distinguishedName(cert.RawSubject)
	cc.IssuerDN = distinguishedName(cert.RawIssuer)
	cc.SerialNumber = cert.SerialNumber.String()
	cc.Validity.NotBefore = cert.NotBefore.UTC().Format(certTime)
	cc.Validity.NotAfter = cert.NotAfter.UTC().Format(certTime)
	return cc
}

// distinguishedName writes a certificate's subject or issuer as AWS's
// events do: the attributes in the certificate's order,
// "C=US,ST=Washington,L=Seattle,O=...,CN=My Client" (RFC 4514 writes them
// the other way round).
func distinguishedName(raw []byte) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 {
		return ""
	}
	var b strings.Builder
	for _, rdn := range seq {
		for _, atv := range rdn {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			// One attribute at a time, through pkix's own RFC 4514 writer
			// (names and escaping).
			b.WriteString(pkix.RDNSequence{{atv}}.String())
		}
	}
	return b.String()
}

// certTime is the validity dates' form in AWS's events: "Aug 29 00:28:21 2020 GMT".
const certTime = "Jan _2 15:04:05 2006 GMT"

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

// eventBody is the body as an event carries it: in base64 when its
// Content-Type is one of the API's binary media types, as AWS sends it, or
// when it is not UTF-8 (which AWS would garble); else as it is.
func eventBody(r *http.Request, c *apigw.Context, binary mapping.BinaryMediaTypes) (string, bool, error) {
	b, err := c.Body(r)
	if err != nil {
		return "", false, err
	}
	if len(b) > 0 && binary.Match(r.Header.Get("Content-Type")) {
		return base64.StdEncoding.EncodeToString(b), true, nil
	}
	if utf8.Valid(b) {
		return string(b), false, nil
	}
	return base64.StdEncoding.EncodeToString(b), true, nil
}

// cloneOrNil is the event's own copy of m, nil when m is empty, as AWS
// sends empty maps: a function that writes into its event cannot reach the
// Context's maps (the stage variables are the stage's own).
func cloneOrNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}
