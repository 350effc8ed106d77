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
// runs unchanged; it is invoked with the same JSON round trip. fn may also
// be [Aliases]. A function error, a panic or a malformed response is AWS's
// 502 {"message": "Internal server error"}.
func Lambda(fn any) Integration { return &lambdaIntegration{fn: fn, version: payloadV1} }

// LambdaV2 is [Lambda] with payload format 2.0: fn receives an
// events.APIGatewayV2HTTPRequest and answers with an
// events.APIGatewayV2HTTPResponse — or with any JSON, which becomes a 200
// application/json body.
func LambdaV2(fn any) Integration { return &lambdaIntegration{fn: fn, version: payloadV2} }

func (li *lambdaIntegration) build(env *buildEnv) (http.Handler, error) {
	if a, ok := li.fn.(Aliases); ok {
		return li.buildAliases(a, env.nonProxy)
	}
	h, err := lambdaevent.NewInvoker(li.fn)
	if err != nil {
		return nil, fmt.Errorf("Lambda: %w", err)
	}
	return &lambdaHandler{invoke: h, version: li.version, custom: env.nonProxy}, nil
}

func (li *lambdaIntegration) buildAliases(a Aliases, custom bool) (http.Handler, error) {
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
		h, err := lambdaevent.NewInvoker(a.Functions[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("Lambda: Aliases.Functions[%q]: %w", name, err))
			continue
		}
		byName[name] = &lambdaHandler{invoke: h, version: li.version, alias: name, custom: custom}
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
	invoke  lambdaevent.Invoker
	version payloadVersion
	alias   string
	// custom is AWS's Lambda custom (non-proxy) integration: the event is
	// the integration request's body, the function's result the
	// integration response's body.
	custom bool
}

// errLambdaPanic stands for a function that panicked.
var errLambdaPanic = errors.New("function panicked")

func (h *lambdaHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := apigw.FromContext(r.Context())
	if c == nil {
		r, c = apigw.EnsureContext(r)
	}
	payload, err := h.event(r, c)
	if errors.Is(err, apigw.ErrBodyTooLarge) {
		apigw.WriteError(w, r, apigw.NewError(apigw.RequestTooLarge))
		return
	}
	if err != nil {
		writeLambdaError(w, r, fmt.Errorf("building the event: %w", err))
		return
	}
	out, err := h.call(r.Context(), c, payload)
	if err != nil && errors.Is(err, context.DeadlineExceeded) {
		return // the timeout phase answers 504
	}
	if h.custom {
		writeCustomResult(w, c, out, err)
		return
	}
	if err != nil {
		writeLambdaError(w, r, err)
		return
	}
	var resp *lambdaResponse
	if h.version == payloadV2 {
		resp, err = parseResponseV2(out)
	} else {
		resp, err = parseResponseV1(out)
	}
	if err != nil {
		writeLambdaError(w, r, err)
		return
	}
	resp.write(w)
}

// event is the JSON the function receives.
func (h *lambdaHandler) event(r *http.Request, c *apigw.Context) ([]byte, error) {
	if h.custom {
		body, err := c.Body(r)
		if err != nil || len(bytes.TrimSpace(body)) > 0 {
			return body, err
		}
		return []byte("{}"), nil
	}
	if h.version == payloadV2 {
		ev, err := buildEventV2(r, c)
		if err != nil {
			return nil, err
		}
		return json.Marshal(ev)
	}
	ev, err := buildEventV1(r, c)
	if err != nil {
		return nil, err
	}
	return json.Marshal(ev)
}

// call invokes the function on its own goroutine, so that a function that
// ignores its context still yields to the timeout, as AWS stops waiting for
// a Lambda function that overruns.
func (h *lambdaHandler) call(ctx context.Context, c *apigw.Context, payload []byte) ([]byte, error) {
	lc := &lambdacontext.LambdaContext{
		AwsRequestID:       c.RequestID,
		InvokedFunctionArn: "arn:aws:lambda:" + c.Region + ":" + c.AccountID + ":function:" + c.APIID + c.ResourcePath,
	}
	if h.alias != "" {
		lc.InvokedFunctionArn += ":" + h.alias
	}
	ctx = lambdacontext.NewContext(ctx, lc)
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("%w: %v", errLambdaPanic, p)}
			}
		}()
		out, err := h.invoke.Invoke(ctx, payload)
		done <- result{out: out, err: err}
	}()
	select {
	case res := <-done:
		return res.out, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
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
