package apigw

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/ctxkey"
)

// Context is the Go form of API Gateway's $context: what the gateway knows
// about one request. Phases fill it in pipeline order: the entry sets the
// ids, the stage and the request line, the router the resource, the
// authorizer the Authorizer field, the usage-plan phase the API key.
//
// The zero value is an empty context. A Context belongs to one request and
// is not safe for simultaneous use by multiple goroutines.
type Context struct {
	RequestID         string // $context.requestId, also the x-amzn-RequestId header
	ExtendedRequestID string // $context.extendedRequestId
	AccountID         string // $context.accountId
	APIID             string // $context.apiId
	Region            string // region in method ARNs
	Stage             string // $context.stage
	DeploymentID      string // $context.deploymentId
	IsCanaryRequest   bool   // $context.isCanaryRequest
	// AuthorizerCached reports that a Lambda-style authorizer's answer
	// came from its result cache, without calling the function, whether
	// it allowed or denied the request: for metrics and traces, not a
	// $context variable. (Here rather than in Authorizer, which an
	// authorizer replaces whole: this bool takes the padding after
	// IsCanaryRequest, so a Context is no larger for it.)
	AuthorizerCached bool
	ResourceID       string // $context.resourceId
	ResourcePath     string // $context.resourcePath, the route's template: /artists/{id}
	RouteKey         string // $context.routeKey: "GET /artists/{id}", "ANY /things", "$default"
	HTTPMethod       string // $context.httpMethod
	Path             string // $context.path, the request path, stage prefix included
	// StagePath is the request path without the stage prefix: the path the
	// route matched, the one in the method ARN, the Lambda 1.0 event's path
	// and the one a proxied backend sees. Behind package gateway it is in
	// canonical form (see the gateway's package doc).
	StagePath    string
	Protocol     string // $context.protocol, "HTTP/1.1"
	DomainName   string // $context.domainName
	DomainPrefix string // $context.domainPrefix
	RequestTime  time.Time
	// XRayTraceID is $context.xrayTraceId: the request's trace id in
	// X-Ray's form, 1-5759e988-bd862e3fe1be46a994272793, set by a
	// gateway's observer that traces (package monitor); "" when the
	// request is not traced.
	XRayTraceID string

	// PathParameters holds the values of the route's {parameters}.
	PathParameters map[string]string
	// StageVariables are the stage's variables, canary overrides applied.
	// The map is shared by every request of the stage: read it, never
	// write it.
	StageVariables map[string]string

	Identity   Identity
	Authorizer Authorizer
	Error      ErrorInfo

	Status             int           // $context.status, the status sent to the client
	IntegrationStatus  int           // $context.integrationStatus, $context.integration.status
	IntegrationLatency time.Duration // $context.integrationLatency, $context.integration.latency
	// IntegrationError is the error a Lambda-style function returned
	// ($context.integration.error, $context.integrationErrorMessage); ""
	// when it returned none. A non-proxy method's integration responses
	// select on it.
	IntegrationError string
	ResponseLatency  time.Duration // $context.responseLatency
	ResponseLength   int64         // $context.responseLength

	// Responses customises the gateway responses [WriteError] renders for
	// this request; nil means AWS's defaults.
	Responses *GatewayResponses

	body body
}

// Identity is $context.identity.
type Identity struct {
	SourceIP  string // $context.identity.sourceIp
	UserAgent string // $context.identity.userAgent
	APIKey    string // $context.identity.apiKey
	APIKeyID  string // $context.identity.apiKeyId
	Caller    string // $context.identity.caller
	User      string // $context.identity.user

	// Filled by AWS_IAM (SigV4) authorization.
	AccessKey                     string // $context.identity.accessKey
	AccountID                     string // $context.identity.accountId
	UserARN                       string // $context.identity.userArn
	CognitoIdentityID             string // $context.identity.cognitoIdentityId
	CognitoIdentityPoolID         string // $context.identity.cognitoIdentityPoolId
	CognitoAuthenticationType     string // $context.identity.cognitoAuthenticationType
	CognitoAuthenticationProvider string // $context.identity.cognitoAuthenticationProvider
}

// Authorizer is $context.authorizer: what the method's authorizer decided.
type Authorizer struct {
	PrincipalID string // $context.authorizer.principalId
	// Claims are a JWT authorizer's verified claims
	// ($context.authorizer.claims.<name>).
	Claims map[string]any
	// Scopes are the JWT's scopes.
	Scopes []string
	// Context is a Lambda-style authorizer's context map: strings, numbers
	// and bools only ($context.authorizer.<key>).
	Context map[string]any
	// UsageIdentifierKey is the API key an authorizer chose for the
	// usage plan (API key source AUTHORIZER).
	UsageIdentifierKey string
}

// ErrorInfo is $context.error.
type ErrorInfo struct {
	Message               string       // $context.error.message
	ResponseType          ResponseType // $context.error.responseType
	ValidationErrorString string       // $context.error.validationErrorString
	// Cause is what went wrong inside the gateway, for the access log and
	// the operator; it is never sent to the client.
	Cause error
}

// RequestTimeString is $context.requestTime in AWS's CLF form,
// 04/Mar/2020:19:15:17 +0000.
func (c *Context) RequestTimeString() string {
	return c.RequestTime.UTC().Format("02/Jan/2006:15:04:05 -0700")
}

// RequestTimeEpoch is $context.requestTimeEpoch: milliseconds since the epoch.
func (c *Context) RequestTimeEpoch() int64 { return c.RequestTime.UnixMilli() }

// MethodARN is the ARN a Lambda-style authorizer's policy is matched
// against: arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path},
// with the concrete request path (stage prefix removed); for a WebSocket
// route, whose HTTPMethod is its route key, .../{stage}/$connect.
func (c *Context) MethodARN() string {
	path := c.StagePath
	if path == "" {
		path = "/"
	}
	if strings.HasPrefix(c.HTTPMethod, "$") {
		path = "" // a WebSocket route key ($connect) ends the ARN
	}
	return "arn:aws:execute-api:" + c.Region + ":" + c.AccountID + ":" + c.APIID + "/" + c.Stage + "/" + c.HTTPMethod + path
}

// NewContext returns ctx carrying c.
func NewContext(ctx context.Context, c *Context) context.Context {
	return context.WithValue(ctx, ctxkey.Context, c)
}

// FromContext returns the request's Context, or nil when the request did
// not pass through the gateway or a phase that creates one.
func FromContext(ctx context.Context) *Context {
	c, _ := ctx.Value(ctxkey.Context).(*Context)
	return c
}

// EnsureContext returns r and its Context, creating and attaching a fresh
// one (see [NewRequestContext]) when r has none. Phases used on their own,
// outside package gateway, call it so that they always have a Context to
// read and fill.
func EnsureContext(r *http.Request) (*http.Request, *Context) {
	if c := FromContext(r.Context()); c != nil {
		return r, c
	}
	c := NewRequestContext(r, time.Now())
	return r.WithContext(NewContext(r.Context(), c)), c
}

// NewRequestContext returns a Context for r received at now: fresh request
// ids and the request line, identity and domain filled in from r; the
// request's path is its StagePath.
func NewRequestContext(r *http.Request, now time.Time) *Context {
	// Kept small enough to inline, so that a caller that copies the result
	// into a Context of its own (the gateway's request context) allocates
	// no Context: c stays on the caller's stack.
	c := new(Context)
	c.init(r, now)
	return c
}

func (c *Context) init(r *http.Request, now time.Time) {
	*c = Context{RequestTime: now, HTTPMethod: r.Method, Path: r.URL.Path, StagePath: r.URL.Path, Protocol: r.Proto}
	c.RequestID, c.ExtendedRequestID = newRequestIDs()
	c.DomainName = hostOnly(r.Host)
	if i := strings.IndexByte(c.DomainName, '.'); i > 0 {
		c.DomainPrefix = c.DomainName[:i]
	} else {
		c.DomainPrefix = c.DomainName
	}
	c.Identity.SourceIP = sourceIP(r.RemoteAddr)
	if ua := r.Header["User-Agent"]; len(ua) > 0 {
		c.Identity.UserAgent = ua[0]
	}
}

func hostOnly(host string) string {
	if strings.LastIndexByte(host, ':') < 0 || strings.HasSuffix(host, "]") {
		return strings.Trim(host, "[]")
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

func sourceIP(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

// formatMillis renders d in whole milliseconds, as $context latencies are.
func formatMillis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
