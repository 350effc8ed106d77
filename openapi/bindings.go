package openapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
	"github.com/apigw/apigw/internal/lambdaevent"
	"github.com/apigw/apigw/internal/paramexpr"
	"github.com/apigw/apigw/usageplan"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// Invoker calls a function with a JSON payload and returns its JSON answer,
// as Lambda's Invoke API does. A function error is returned as an error
// whose message is the function's errorMessage, so that a Lambda
// authorizer's "Unauthorized" and a custom integration's selection patterns
// see it. Package lambdainvoke's functions are Invokers.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Bindings say what a definition can only name: the Lambda functions its
// integrations and authorizers invoke, the hosts of its HTTP integrations,
// the keys of its JWT issuers, the credentials of its AWS_IAM callers.
// The zero value binds nothing: a definition that names a function then
// fails to load, and HTTP integrations call the URLs they name.
type Bindings struct {
	// Functions binds Lambda functions to Go functions by the name their
	// ARN gives (hello in arn:aws:lambda:us-east-1:123456789012:function:hello):
	// anything gateway.Lambda accepts, a func with a signature lambda.Start
	// accepts or an Invoker. A key "name:qualifier" binds one version or
	// alias (hello:prod); a name alone serves every qualifier. The same
	// function serves an integration and an authorizer: an authorizer's
	// function gets the authorizer's event (events.APIGatewayCustomAuthorizerRequest
	// for TOKEN, ...RequestTypeRequest for REQUEST).
	Functions map[string]any
	// Invoke serves the functions Functions does not name, such as
	// functions behind a Lambda Invoke endpoint (package lambdainvoke).
	// qualifier is "" for an unqualified ARN. nil: every function must be
	// in Functions.
	Invoke func(function, qualifier string) Invoker

	// Hosts sends the HTTP integrations of a host elsewhere: a key is the
	// scheme and host of integration URIs ("http://petstore.example.com",
	// with :port when the URI has one), its value the base URL that
	// replaces them ("http://127.0.0.1:8081", which may carry a path
	// prefix). The URI's path and query string are kept.
	Hosts map[string]string
	// Handlers serves the HTTP integrations of a host in-process: a key as
	// for Hosts; the handler sees the path and query string of the
	// integration URI (gateway.Handler with gateway.Path).
	Handlers map[string]http.Handler

	// JWT adjusts the configuration of each Cognito and JWT authorizer,
	// named as the definition names it, before it is built: the loader
	// fills Issuer, JWKSURL (a Cognito user pool's is derived; apigw does
	// no OpenID discovery), Audience and Header. Set Keys for a static key
	// set (JWKSURL is then dropped), a Now, an HTTPClient. An issuer that
	// is not a Cognito user pool needs its JWKSURL or Keys set here.
	JWT func(name string, cfg *authorizer.JWTConfig)
	// Credentials looks up the access keys of AWS_IAM callers
	// (x-amazon-apigateway-authtype awsSigv4, x-amazon-apigateway-auth
	// AWS_IAM). Required when the definition uses AWS_IAM.
	Credentials iam.Credentials
	// Region is the region AWS_IAM requests must be signed for. Default:
	// the region of the definition's Lambda ARNs, else us-east-1.
	Region string

	// AWS signs the AWS service integrations (type aws with a service's
	// URI, package awsintegration).
	AWS AWSBindings

	// Authorizers replaces the definition's authorizers by name with
	// authorizers built in Go: for a test with a fake issuer, or for an
	// authorizer that Export wrote under a name only.
	Authorizers map[string]authorizer.Authorizer

	// UsagePlans configures the registry of API keys and usage plans made
	// for a definition whose methods require an API key (Store, Now,
	// AccountThrottle, ...); its KeySource is set from
	// x-amazon-apigateway-api-key-source.
	UsagePlans usageplan.Config

	// Now is the clock of the authorizers' result caches and token checks.
	// Default time.Now.
	Now func() time.Time
}

// AWSBindings say how AWS service integrations call their services.
type AWSBindings struct {
	// Credentials sign the requests. nil: aws-sdk-go-v2's default chain
	// (fixed local credentials with an Endpoint).
	Credentials aws.CredentialsProvider
	// Endpoint replaces the services' AWS endpoints: LocalStack's
	// http://localhost:4566, MinIO, any S3- or SQS-compatible server.
	Endpoint string
	// AssumeRoles makes each integration assume the IAM role its
	// credentials property names (STS AssumeRole, as API Gateway does);
	// default false: the role is API Gateway's business and the requests
	// are signed with Credentials.
	AssumeRoles bool
	// Transport carries the requests. Default http.DefaultTransport.
	Transport http.RoundTripper
}

// lambdaRef is a Lambda function as an ARN names it. name and qualifier
// may hold ${stageVariables.x}, resolved per request.
type lambdaRef struct {
	region, account string
	name, qualifier string
}

func (r lambdaRef) String() string {
	if r.qualifier == "" {
		return r.name
	}
	return r.name + ":" + r.qualifier
}

func (r lambdaRef) dynamic() bool {
	return strings.Contains(r.name, "$") || strings.Contains(r.qualifier, "$")
}

// errNotLambda marks an AWS integration URI of another service than Lambda.
var errNotLambda = fmt.Errorf("not a Lambda function")

// parseLambdaURI reads the function out of an integration or authorizer
// URI: arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations,
// or the function ARN itself (HTTP APIs).
func parseLambdaURI(uri string) (lambdaRef, error) {
	arn := uri
	// arn:PARTITION:apigateway:REGION:SERVICE:path|action/...
	if parts := strings.SplitN(uri, ":", 6); len(parts) >= 3 && parts[0] == "arn" && parts[2] == "apigateway" {
		if len(parts) < 6 {
			return lambdaRef{}, fmt.Errorf("%q is not an API Gateway integration ARN", uri)
		}
		if parts[4] != "lambda" {
			return lambdaRef{}, fmt.Errorf("%q integrates the AWS service %q: %w", uri, parts[4], errNotLambda)
		}
		p, ok := strings.CutPrefix(parts[5], "path/")
		if !ok {
			return lambdaRef{}, fmt.Errorf("%q: a Lambda integration URI has the form arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations", uri)
		}
		_, fn, ok := strings.Cut(p, "/functions/")
		fn, ok2 := strings.CutSuffix(fn, "/invocations")
		if !ok || !ok2 {
			return lambdaRef{}, fmt.Errorf("%q: a Lambda integration URI has the form arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations", uri)
		}
		arn = fn
	}
	// arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
	parts := strings.SplitN(arn, ":", 8)
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" || parts[6] == "" {
		return lambdaRef{}, fmt.Errorf("%q is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])", arn)
	}
	ref := lambdaRef{region: parts[3], account: parts[4], name: parts[6]}
	if len(parts) == 8 {
		ref.qualifier = parts[7]
	}
	return ref, nil
}

// function returns what serves the Lambda function ref: the bound Go
// function or Invoker for a literal ARN, or a dispatcher that resolves the
// stage variables of ref per request. check is true for apigw check, which
// has no bindings: every function then resolves to one that fails.
func (b *Bindings) function(ref lambdaRef, check bool) (any, error) {
	if check {
		return unbound{ref}, nil
	}
	if ref.dynamic() {
		d := &dispatch{b: b}
		var err error
		if d.name, err = paramexpr.ParseTemplate(ref.name, paramexpr.Kinds(paramexpr.StageVariable)); err != nil {
			return nil, fmt.Errorf("function name %q: %v", ref.name, err)
		}
		if d.qualifier, err = paramexpr.ParseTemplate(ref.qualifier, paramexpr.Kinds(paramexpr.StageVariable)); err != nil {
			return nil, fmt.Errorf("qualifier %q: %v", ref.qualifier, err)
		}
		if b.Invoke == nil && len(b.Functions) == 0 {
			return nil, fmt.Errorf("function %s is not bound (Bindings.Functions or Bindings.Invoke)", ref)
		}
		return d, nil
	}
	fn := b.lookup(ref.name, ref.qualifier)
	if fn == nil {
		return nil, fmt.Errorf("function %s is not bound (Bindings.Functions or Bindings.Invoke)", ref)
	}
	return fn, nil
}

// lookup finds what serves name:qualifier, or nil.
func (b *Bindings) lookup(name, qualifier string) any {
	if qualifier != "" {
		if fn, ok := b.Functions[name+":"+qualifier]; ok {
			return fn
		}
	}
	if fn, ok := b.Functions[name]; ok {
		return fn
	}
	if b.Invoke != nil {
		if inv := b.Invoke(name, qualifier); inv != nil {
			return inv
		}
	}
	return nil
}

// dispatch is a function whose ARN names it through stage variables
// (function:${stageVariables.fn}, function:hello:${stageVariables.alias}):
// each request resolves them from its stage and invokes what is bound to
// the result.
type dispatch struct {
	b               *Bindings
	name, qualifier *paramexpr.Template
	invokers        sync.Map // "name:qualifier" -> lambdaevent.Invoker
}

func (d *dispatch) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var vars map[string]string
	if c := apigw.FromContext(ctx); c != nil {
		vars = c.StageVariables
	}
	req := &paramexpr.Request{StageVariables: vars}
	name, qualifier := d.name.Render(req), d.qualifier.Render(req)
	if qualifier == "" {
		// A stage variable may name the qualifier with the function:
		// function:${stageVariables.fn} with fn=hello:prod.
		name, qualifier, _ = strings.Cut(name, ":")
	}
	key := name + ":" + qualifier
	if inv, ok := d.invokers.Load(key); ok {
		return inv.(lambdaevent.Invoker).Invoke(ctx, payload)
	}
	fn := d.b.lookup(name, qualifier)
	if name == "" || fn == nil {
		return nil, fmt.Errorf("openapi: function %q (qualifier %q), named by the stage's variables, is not bound", name, qualifier)
	}
	inv, err := lambdaevent.NewInvoker(fn)
	if err != nil {
		return nil, fmt.Errorf("openapi: function %s: %w", key, err)
	}
	d.invokers.Store(key, inv)
	return inv.Invoke(ctx, payload)
}

// unbound stands for a function when a definition is only checked.
type unbound struct{ ref lambdaRef }

func (u unbound) Invoke(context.Context, []byte) ([]byte, error) {
	return nil, fmt.Errorf("openapi: function %s is not bound", u.ref)
}

// invoker returns fn as a lambdaevent.Invoker.
func invoker(fn any) (lambdaevent.Invoker, error) {
	return lambdaevent.NewInvoker(fn)
}
