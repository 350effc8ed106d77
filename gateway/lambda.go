package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/lambdaevent"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Aliases is a Lambda-style integration with several versions of a function,
// chosen per request by Selector, a text with ${stageVariables.name}: the
// integration URI arn:...:function:hello:${stageVariables.ver} of AWS, where
// each stage (or canary) names the alias it serves.
//
//	gateway.Lambda(gateway.Aliases{
//		Selector:  "${stageVariables.ver}",
//		Functions: map[string]any{"prod": helloV1, "beta": helloV2},
//	})
//
// A selector that names no alias is AWS's 500, with the reason in the
// access log.
type Aliases struct {
	Selector  string
	Functions map[string]any
}

// lambdaIntegration invokes a Go function as AWS invokes a Lambda function
// behind a proxy integration.
type lambdaIntegration struct {
	fn      any
	version payloadVersion
}

type payloadVersion int

const (
	payloadV1 payloadVersion = 1
	payloadV2 payloadVersion = 2
)

// Lambda integrates a Lambda-style Go function as AWS's Lambda proxy
// integration with payload format 1.0: fn receives an
// events.APIGatewayProxyRequest, filled as AWS fills it, and answers with an
// events.APIGatewayProxyResponse. fn may have any signature
// lambda.Start accepts (func(ctx, events.APIGatewayProxyRequest)
// (events.APIGatewayProxyResponse, error), or other input and output types
// that read and write the same JSON), so a handler written for AWS Lambda
// runs unchanged. A function of the events types is called with the event
// itself; any other goes through the same JSON round trip as on AWS. fn may
// also be [Aliases], or a value with an Invoke(ctx, payload []byte) ([]byte,
// error) method (lambda.Handler's, or a remote function's). A function
// error, a panic or a malformed response is AWS's 502 {"message": "Internal
// server error"} (an HTTP API's 500 {"message":"Internal Server Error"}).
//
// A function that takes a context runs on the request's goroutine and is
// told of the timeout by its context's deadline; one that takes none runs on
// a goroutine of its own, so that the client gets the 504 at the timeout even
// if the function never returns, as AWS stops waiting for a Lambda function
// that overruns.
func Lambda(fn any) Integration { return &lambdaIntegration{fn: fn, version: payloadV1} }

// LambdaV2 is [Lambda] with payload format 2.0: fn receives an
// events.APIGatewayV2HTTPRequest and answers with an
// events.APIGatewayV2HTTPResponse — or with any JSON, which HTTP APIs infer
// as a 200 application/json body (a JSON string is the body itself).
func LambdaV2(fn any) Integration { return &lambdaIntegration{fn: fn, version: payloadV2} }

func (li *lambdaIntegration) build(env *buildEnv) (http.Handler, error) {
	if a, ok := li.fn.(Aliases); ok {
		return li.buildAliases(a, env)
	}
	h, err := li.handler(li.fn, "", env)
	if err != nil {
		return nil, fmt.Errorf("Lambda: %w", err)
	}
	return h, nil
}

// handler resolves fn, at build time, into the handler that invokes it.
func (li *lambdaIntegration) handler(fn any, alias string, env *buildEnv) (*lambdaHandler, error) {
	inv, err := lambdaevent.NewInvoker(fn)
	if err != nil {
		return nil, err
	}
	h := &lambdaHandler{invoke: inv, version: li.version, alias: alias, custom: env.nonProxy, defaultType: "application/json", binary: env.binary}
	if env.httpAPI {
		// AWS's HTTP API emulator (the Lambda Test Tool) reproduces this
		// default for structured answers without a Content-Type.
		h.defaultType = "text/plain; charset=utf-8"
	}
	switch fn := fn.(type) {
	case func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error):
		h.v1, h.takesCtx = fn, true
	case func(events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error):
		h.v1 = func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return fn(ev)
		}
	case func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error):
		h.v2, h.takesCtx = fn, true
	case func(events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error):
		h.v2 = func(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return fn(ev)
		}
	}
	return h, nil
}

func (li *lambdaIntegration) buildAliases(a Aliases, env *buildEnv) (http.Handler, error) {
	sel, err := compileURLTemplate(a.Selector, nil, "")
	if err != nil {
		return nil, fmt.Errorf("Lambda: Aliases.Selector: %w", err)
	}
	if sel.literal() {
		return nil, fmt.Errorf("Lambda: Aliases.Selector %q: names no ${stageVariables.name}", a.Selector)
	}
	if len(a.Functions) == 0 {
		return nil, errors.New("Lambda: Aliases.Functions: empty")
	}
	byName := map[string]*lambdaHandler{}
	var errs []error
	for _, name := range sortedKeys(a.Functions) {
		h, err := li.handler(a.Functions[name], name, env)
		if err != nil {
			errs = append(errs, fmt.Errorf("Lambda: Aliases.Functions[%q]: %w", name, err))
			continue
		}
		byName[name] = h
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	names := sortedKeys(a.Functions)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		alias := sel.expand(c)
		h := byName[alias]
		if h == nil {
			apigw.WriteError(w, r, &apigw.Error{Type: apigw.APIConfigurationError,
				Err: fmt.Errorf("Lambda alias %q (from %s) does not exist; aliases are %s", alias, a.Selector, strings.Join(names, ", "))})
			return
		}
		h.ServeHTTP(w, r)
	}), nil
}

// lambdaHandler serves one request by invoking the function.
type lambdaHandler struct {
	invoke  lambdaevent.Invoker // through JSON
	version payloadVersion
	alias   string
	// custom is AWS's Lambda custom (non-proxy) integration: the event is
	// the integration request's body, the function's result the
	// integration response's body.
	custom bool
	// v1 or v2 is the function itself when it takes and returns the events
	// types of its payload version: called without JSON.
	v1       func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)
	v2       func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	takesCtx bool // the function reads its context, so it can be told of the deadline
	// defaultType is the Content-Type of a structured answer that sets none.
	defaultType string
	binary      mapping.BinaryMediaTypes // the API's binary media types
}

// errLambdaPanic stands for a function that panicked.
var errLambdaPanic = errors.New("function panicked")

func (h *lambdaHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := apigw.FromContext(r.Context())
	if c == nil {
		r, c = apigw.EnsureContext(r)
	}
	resp, err := h.serve(r, c)
	switch {
	case errors.Is(err, apigw.ErrBodyTooLarge):
		apigw.WriteError(w, r, apigw.NewError(apigw.RequestTooLarge))
	case errors.Is(err, context.DeadlineExceeded):
		// the timeout phase answers 504
	case h.custom:
		var out []byte
		if resp != nil {
			out = resp.body
		}
		writeCustomResult(w, c, out, err)
	case err != nil:
		writeLambdaError(w, r, err)
	default:
		resp.write(w)
	}
}

// serve invokes the function for r and returns its checked answer (for a
// custom integration, its result as the body).
func (h *lambdaHandler) serve(r *http.Request, c *apigw.Context) (*lambdaResponse, error) {
	ctx := lambdacontext.NewContext(r.Context(), h.lambdaContext(c))
	switch {
	case h.custom:
		payload, err := c.Body(r)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(payload)) == 0 {
			payload = []byte("{}")
		}
		out, err := call(ctx, false, func(ctx context.Context) ([]byte, error) { return h.invoke.Invoke(ctx, payload) })
		return &lambdaResponse{body: out}, err
	case h.version == payloadV2:
		ev, err := buildEventV2(r, c, h.binary)
		if err != nil {
			return nil, fmt.Errorf("building the event: %w", err)
		}
		if h.v2 != nil {
			out, err := call(ctx, h.takesCtx, func(ctx context.Context) (events.APIGatewayV2HTTPResponse, error) { return h.v2(ctx, ev) })
			if err != nil {
				return nil, err
			}
			return responseV2(out, h.defaultType)
		}
		out, err := h.invokeJSON(ctx, wireEventV2(&ev))
		if err != nil {
			return nil, err
		}
		return parseResponseV2(out, h.defaultType)
	default:
		ev, err := buildEventV1(r, c, h.binary)
		if err != nil {
			return nil, fmt.Errorf("building the event: %w", err)
		}
		if h.v1 != nil {
			out, err := call(ctx, h.takesCtx, func(ctx context.Context) (events.APIGatewayProxyResponse, error) { return h.v1(ctx, ev) })
			if err != nil {
				return nil, err
			}
			return responseV1(out, h.defaultType)
		}
		out, err := h.invokeJSON(ctx, &ev)
		if err != nil {
			return nil, err
		}
		return parseResponseV1(out, h.defaultType)
	}
}

// invokeJSON calls the function through JSON, as the Lambda runtime does.
func (h *lambdaHandler) invokeJSON(ctx context.Context, ev any) ([]byte, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encoding the event: %w", err)
	}
	return call(ctx, false, func(ctx context.Context) ([]byte, error) { return h.invoke.Invoke(ctx, payload) })
}

// lambdaContext is what lambdacontext.FromContext gives the function.
func (h *lambdaHandler) lambdaContext(c *apigw.Context) *lambdacontext.LambdaContext {
	lc := &lambdacontext.LambdaContext{
		AwsRequestID:       c.RequestID,
		InvokedFunctionArn: "arn:aws:lambda:" + c.Region + ":" + c.AccountID + ":function:" + c.APIID + c.ResourcePath,
	}
	if h.alias != "" {
		lc.InvokedFunctionArn += ":" + h.alias
	}
	return lc
}

// call runs fn, turning a panic into an error. A function that reads its
// context (inline) runs on this goroutine; any other on a goroutine of its
// own, so that the deadline ends the wait even if it never returns (its
// result is then dropped: nothing the caller reads is written after the
// call returns).
func call[T any](ctx context.Context, inline bool, fn func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	run := func() (res result) {
		defer func() {
			if p := recover(); p != nil {
				res.err = fmt.Errorf("%w: %v", errLambdaPanic, p)
			}
		}()
		res.v, res.err = fn(ctx)
		return res
	}
	if inline {
		res := run()
		return res.v, res.err
	}
	done := make(chan result, 1)
	go func() { done <- run() }()
	select {
	case res := <-done:
		return res.v, res.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// writeCustomResult hands a custom integration's result to the
// integration response: the function's JSON, or AWS Lambda's error
// document, its message recorded as the Context's IntegrationError for the
// integration responses to select on.
func writeCustomResult(w http.ResponseWriter, c *apigw.Context, out []byte, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		errorType := "Error"
		if errors.Is(err, errLambdaPanic) {
			errorType = "Runtime.Panic"
		}
		c.IntegrationError = err.Error()
		doc, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": errorType})
		_, _ = w.Write(doc)
		return
	}
	_, _ = w.Write(out)
}

// writeLambdaError is AWS's answer to a failed Lambda proxy integration.
func writeLambdaError(w http.ResponseWriter, r *http.Request, err error) {
	apigw.WriteError(w, r, &apigw.Error{Type: apigw.IntegrationFailure, Status: http.StatusBadGateway, Message: "Internal server error", Err: err})
}
