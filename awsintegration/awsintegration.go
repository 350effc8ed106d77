package awsintegration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/apigw/apigw"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Config configures one AWS service integration.
type Config struct {
	// URI names the service and what to call, as AWS's integration URI
	// does; required:
	//
	//	arn:aws:apigateway:us-east-1:sqs:action/SendMessage
	//	arn:aws:apigateway:us-east-1:s3:path/{bucket}/{key}
	//	arn:aws:apigateway:us-east-1:mybucket.s3:path/{key}
	//
	// In a path, {name} takes the integration request's path parameter
	// name (integration.request.path.name, mapped by Method.Request), else
	// the method request's path parameter of that name, and
	// ${stageVariables.name} the stage variable.
	URI string
	// HTTPMethod is the method of the service request, AWS's
	// integration httpMethod. Default POST.
	HTTPMethod string
	// Credentials are the gateway's own, which sign every request. nil
	// loads aws-sdk-go-v2's default credential chain (environment, shared
	// files, SSO, web identity, container and instance roles) in New:
	// give one provider (config.LoadDefaultConfig's Credentials, or
	// credentials.NewStaticCredentialsProvider) to every integration to
	// load it once. They are cached until they expire.
	Credentials aws.CredentialsProvider
	// RoleARN, when set, is the role the gateway assumes to call the
	// service, as AWS's integration credentials: STS AssumeRole signed
	// with Credentials, at Endpoint when set.
	RoleARN string
	// Endpoint replaces the service's AWS endpoint
	// (https://{service}.{region}.amazonaws.com): LocalStack's
	// http://localhost:4566, or any S3- or SQS-compatible server. A path
	// style request's path follows the endpoint's path; a subdomain in
	// the URI is put before the endpoint's host.
	Endpoint string
	// Transport carries the requests. Default http.DefaultTransport.
	Transport http.RoundTripper
	// Now is the signing clock; nil means time.Now.
	Now func() time.Time
}

// Integration calls an AWS service API, as API Gateway's AWS integration
// type does. It is an http.Handler that turns the request it receives, the
// integration request, into a SigV4-signed request to the service, and
// writes the service's answer (status, headers, body) back: give it to
// gateway.Handler with a Method.Request that builds the service's request
// (the body, integration.request.path/querystring/header parameters) and a
// Method.Response that maps the answer. It is safe for simultaneous use by
// multiple goroutines.
type Integration struct {
	t         *target
	svc       service
	method    string
	base      url.URL // scheme, host and path prefix of the endpoint
	creds     aws.CredentialsProvider
	signer    *v4.Signer
	transport http.RoundTripper
	now       func() time.Time
	target    []string // X-Amz-Target, JSON protocol
	jsonType  []string // Content-Type, JSON protocol
	query     url.Values
}

// New checks cfg and returns its integration. The error names each
// mistake.
func New(cfg Config) (*Integration, error) {
	var errs []error
	t, err := parseURI(cfg.URI)
	if err != nil {
		return nil, fmt.Errorf("awsintegration: URI %w", err)
	}
	in := &Integration{t: t, method: cfg.HTTPMethod, transport: cfg.Transport, now: cfg.Now}
	in.svc = services[t.service] // unknown: the query protocol
	if in.method == "" {
		in.method = http.MethodPost
	}
	if !validMethod(in.method) {
		errs = append(errs, fmt.Errorf("awsintegration: HTTPMethod %q: not an HTTP method", cfg.HTTPMethod))
	}
	if t.action != "" {
		switch in.svc.protocol {
		case restProtocol:
			errs = append(errs, fmt.Errorf("awsintegration: URI %q: %s has no actions: use path/", cfg.URI, t.service))
		case jsonProtocol:
			in.target = []string{in.svc.target + "." + t.action}
			in.jsonType = []string{"application/x-amz-json-" + in.svc.jsonVersion}
		case queryProtocol:
			in.query = url.Values{"Action": {t.action}}
			if in.svc.version != "" {
				in.query["Version"] = []string{in.svc.version}
			}
		}
	}
	base, err := endpoint(cfg.Endpoint, t)
	if err != nil {
		errs = append(errs, err)
	} else {
		in.base = *base
	}
	if in.transport == nil {
		in.transport = http.DefaultTransport
	}
	if in.now == nil {
		in.now = time.Now
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	creds, err := credentials(cfg, t.region)
	if err != nil {
		return nil, fmt.Errorf("awsintegration: Credentials: %w", err)
	}
	in.creds = creds
	s3 := t.service == "s3"
	in.signer = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 })
	return in, nil
}

// endpoint is the service's base URL.
func endpoint(raw string, t *target) (*url.URL, error) {
	if raw == "" {
		suffix := "amazonaws.com"
		if t.partition == "aws-cn" {
			suffix = "amazonaws.com.cn"
		}
		host := t.service + "." + t.region + "." + suffix
		if t.subdomain != "" {
			host = t.subdomain + "." + host
		}
		return &url.URL{Scheme: "https", Host: host}, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("awsintegration: Endpoint %q: not an http or https URL without query", raw)
	}
	if t.subdomain != "" {
		u.Host = t.subdomain + "." + u.Host
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	return u, nil
}

// ServeHTTP sends the integration request r to the service and writes its
// answer. A service that cannot be reached is a 502 and one that does not
// answer before r's context ends (the method's timeout) a 504, as for
// HTTP integrations; credentials that cannot be had are a 500.
// AWSServiceIntegration marks in as an AWS service integration for
// package gateway: API Gateway has no proxy mode for these, so a method
// without a request mapping still gets the empty one, and only what it maps
// (no client header but Content-Type, no client query parameter) reaches
// the service.
func (in *Integration) AWSServiceIntegration() {}

func (in *Integration) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := apigw.FromContext(r.Context())
	req, err := in.newRequest(r, c)
	if err != nil {
		apigw.WriteError(w, r, err)
		return
	}
	resp, err := in.transport.RoundTrip(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(r.Context().Err(), context.DeadlineExceeded) {
			apigw.WriteError(w, r, &apigw.Error{Type: apigw.IntegrationTimeout, Err: err})
			return
		}
		apigw.WriteError(w, r, &apigw.Error{Type: apigw.IntegrationFailure, Status: http.StatusBadGateway,
			Message: "Internal server error", Err: fmt.Errorf("awsintegration: %s %s: %w", in.t.service, req.URL.Redacted(), err)})
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		if hopHeaders[k] {
			continue
		}
		h[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// hopHeaders are the service's response headers that do not pass.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Content-Length": true,
}

// droppedHeaders are the integration request's headers never sent to the
// service: hop-by-hop ones, and the client's own credentials, which a
// proxy-mode request (no Method.Request) would still carry.
var droppedHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authorization": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Host": true, "Content-Length": true, "Expect": true,
	"Authorization": true, "X-Amz-Date": true, "X-Amz-Security-Token": true, "X-Amz-Content-Sha256": true,
	"X-Api-Key": true, "Cookie": true,
}

// newRequest builds and signs the service request.
func (in *Integration) newRequest(r *http.Request, c *apigw.Context) (*http.Request, error) {
	body, err := readBody(r, c)
	if err != nil {
		return nil, err
	}
	u := in.base
	if in.t.path != nil {
		rest, ok := expandPath(in.t.path, r.PathValue, c)
		if !ok {
			return nil, &apigw.Error{Type: apigw.BadRequestParameters, Message: "Invalid request parameters",
				Err: errors.New("awsintegration: a path parameter's value has a . or .. segment")}
		}
		p := u.EscapedPath() + rest
		u.Path, err = url.PathUnescape(p)
		if err != nil {
			return nil, &apigw.Error{Type: apigw.APIConfigurationError, Err: fmt.Errorf("awsintegration: path %q: %w", p, err)}
		}
		u.RawPath = p
	} else {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	u.RawQuery = in.rawQuery(r.URL.RawQuery)
	var rd io.Reader = http.NoBody
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(r.Context(), in.method, u.String(), rd)
	if err != nil {
		return nil, &apigw.Error{Type: apigw.APIConfigurationError, Err: fmt.Errorf("awsintegration: %w", err)}
	}
	for k, vs := range r.Header {
		if !droppedHeaders[k] {
			req.Header[k] = vs
		}
	}
	if in.target != nil {
		req.Header["X-Amz-Target"] = in.target
		req.Header["Content-Type"] = in.jsonType
	}
	req.Header["User-Agent"] = userAgent
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if in.t.service == "s3" {
		req.Header["X-Amz-Content-Sha256"] = []string{hash}
	}
	creds, err := in.creds.Retrieve(r.Context())
	if err != nil {
		return nil, &apigw.Error{Type: apigw.APIConfigurationError, Err: fmt.Errorf("awsintegration: credentials: %w", err)}
	}
	if err := in.signer.SignHTTP(r.Context(), creds, req, hash, in.t.service, in.t.region, in.now()); err != nil {
		return nil, &apigw.Error{Type: apigw.APIConfigurationError, Err: fmt.Errorf("awsintegration: signing: %w", err)}
	}
	return req, nil
}

var userAgent = []string{"apigw"}

// rawQuery is the integration request's query string with the action's
// Action and Version, which replace any the request has.
func (in *Integration) rawQuery(q string) string {
	if in.query == nil {
		return q
	}
	vs, _ := url.ParseQuery(q)
	if vs == nil {
		vs = url.Values{}
	}
	vs["Action"] = in.query["Action"]
	if v := in.query["Version"]; v != nil && vs.Get("Version") == "" {
		vs["Version"] = v
	}
	return vs.Encode()
}

// readBody is the integration request's body: through the Context, which
// the gateway's request mapping filled, or read here (up to AWS's 10 MB).
func readBody(r *http.Request, c *apigw.Context) ([]byte, error) {
	if c != nil {
		b, err := c.Body(r)
		if err != nil {
			if errors.Is(err, apigw.ErrBodyTooLarge) {
				return nil, &apigw.Error{Type: apigw.RequestTooLarge, Err: err}
			}
			return nil, &apigw.Error{Type: apigw.BadRequestBody, Err: err}
		}
		return b, nil
	}
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, apigw.MaxBodyBytes+1))
	if err != nil {
		return nil, &apigw.Error{Type: apigw.BadRequestBody, Err: err}
	}
	if len(b) > apigw.MaxBodyBytes {
		return nil, &apigw.Error{Type: apigw.RequestTooLarge, Err: apigw.ErrBodyTooLarge}
	}
	return b, nil
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}
