package websocket

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/apigw/apigw/internal/lambdaevent"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Integration serves a route: [Lambda] or [Handler].
type Integration interface {
	compile() (invoker, error)
}

// invoker runs an integration for one event.
type invoker interface {
	invoke(ctx context.Context, ev *call) (result, error)
}

// result is an integration's answer: AWS's proxy response.
type result struct {
	status int
	header http.Header
	body   []byte
}

// LambdaFunc is the signature a Lambda function for a WebSocket API
// usually has; [Lambda] calls a function of exactly this type directly,
// without the JSON round trip other signatures go through.
type LambdaFunc = func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)

// Lambda integrates a Lambda-style Go function, as AWS's Lambda proxy
// integration of a WebSocket route: fn receives an
// events.APIGatewayWebsocketProxyRequest filled as AWS fills it and answers
// with an events.APIGatewayProxyResponse, whose Body a two-way route sends
// back to the client and whose StatusCode decides a $connect. fn may have
// any signature lambda.Start accepts (other input and output types that
// read and write the same JSON); those are invoked through a JSON round
// trip, so a handler written for AWS Lambda runs unchanged. An answer that
// is not a proxy response (no statusCode nor body) is the body itself.
//
// The function's context carries a lambdacontext.LambdaContext and the
// [Request] ([FromContext]), whose API field reaches the @connections
// methods. An error or a panic is AWS's "Internal server error".
func Lambda(fn any) Integration { return lambdaIntegration{fn: fn} }

type lambdaIntegration struct{ fn any }

func (li lambdaIntegration) compile() (invoker, error) {
	if fn, ok := li.fn.(LambdaFunc); ok {
		if fn == nil {
			return nil, errors.New("Lambda: nil function")
		}
		return directLambda(fn), nil
	}
	f, err := newFuncInvoker(li.fn)
	if err != nil {
		return nil, fmt.Errorf("Lambda: %w", err)
	}
	return f, nil
}

// directLambda is a function of the usual signature, called without JSON.
type directLambda LambdaFunc

func (f directLambda) invoke(ctx context.Context, ev *call) (result, error) {
	ctx = lambdaContext(ctx, ev)
	resp, err := f(ctx, ev.event())
	if err != nil {
		return result{}, err
	}
	return proxyResult(resp)
}

// lambdaContext adds what the Lambda runtime puts in a function's context.
func lambdaContext(ctx context.Context, ev *call) context.Context {
	a := ev.conn.api
	return lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       ev.requestID,
		InvokedFunctionArn: "arn:aws:lambda:" + a.region + ":" + a.accountID + ":function:" + a.apiID + "-" + strings.TrimPrefix(ev.route, "$"),
	})
}

func proxyResult(resp events.APIGatewayProxyResponse) (result, error) {
	r := result{status: resp.StatusCode, body: []byte(resp.Body)}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return result{}, fmt.Errorf("body marked isBase64Encoded is not base64: %w", err)
		}
		r.body = b
	}
	if len(resp.Headers) > 0 || len(resp.MultiValueHeaders) > 0 {
		r.header = http.Header{}
		for k, v := range resp.Headers {
			r.header.Set(k, v)
		}
		for k, vs := range resp.MultiValueHeaders {
			for _, v := range vs {
				r.header.Add(k, v)
			}
		}
	}
	return r, nil
}

// funcInvoker calls a Go function of any signature lambda.Start accepts,
// with the event as JSON decoded into its argument, as the Lambda runtime
// does.
type funcInvoker struct{ fn lambdaevent.Invoker }

func newFuncInvoker(fn any) (*funcInvoker, error) {
	inv, err := lambdaevent.NewInvoker(fn)
	if err != nil {
		return nil, err
	}
	return &funcInvoker{fn: inv}, nil
}

func (f *funcInvoker) invoke(ctx context.Context, ev *call) (result, error) {
	payload, err := json.Marshal(ev.event())
	if err != nil {
		return result{}, fmt.Errorf("encoding the event: %w", err)
	}
	out, err := f.fn.Invoke(lambdaContext(ctx, ev), payload)
	if err != nil {
		return result{}, err
	}
	return parseAnswer(out)
}

// parseAnswer reads a function's JSON answer: a proxy response when it is
// an object with statusCode or body, else the answer itself as the body (a
// JSON string's text, null nothing).
func parseAnswer(out []byte) (result, error) {
	out = bytes.TrimSpace(out)
	switch {
	case len(out) == 0 || string(out) == "null":
		return result{status: http.StatusOK}, nil
	case out[0] == '"':
		var s string
		if err := json.Unmarshal(out, &s); err != nil {
			return result{}, err
		}
		return result{status: http.StatusOK, body: []byte(s)}, nil
	case out[0] == '{':
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(out, &probe); err != nil {
			return result{}, err
		}
		_, hasStatus := probe["statusCode"]
		_, hasBody := probe["body"]
		if hasStatus || hasBody {
			var resp events.APIGatewayProxyResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				return result{}, fmt.Errorf("malformed proxy response: %w", err)
			}
			return proxyResult(resp)
		}
	}
	return result{status: http.StatusOK, body: out}, nil
}

// Handler integrates an in-process http.Handler. For $connect it receives
// the upgrade request as the client sent it (GET, its path, headers and
// query string) and refuses the connection by answering a status other
// than 2xx, the status and body going to the client. For a message it
// receives POST /{routeKey} with the message as the body; a two-way route
// sends the body it answers back to the client. For $disconnect it
// receives POST /$disconnect with an empty body. [FromContext] on the
// request's context gives the connection id, route, event type and the
// API; apigw.FromContext gives the $context (request id, stage, identity,
// authorizer).
func Handler(h http.Handler) Integration { return handlerIntegration{h: h} }

type handlerIntegration struct{ h http.Handler }

func (hi handlerIntegration) compile() (invoker, error) {
	if hi.h == nil {
		return nil, errors.New("Handler: nil http.Handler")
	}
	return hi, nil
}

func (hi handlerIntegration) invoke(ctx context.Context, ev *call) (result, error) {
	var req *http.Request
	if ev.upgrade != nil {
		req = ev.upgrade.WithContext(ctx)
	} else {
		req = newMessageRequest(ctx, ev)
	}
	rec := recorder{status: 0}
	hi.h.ServeHTTP(&rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return result{status: rec.status, header: rec.header, body: rec.body.Bytes()}, nil
}

// newMessageRequest is the request a Handler integration gets for a
// message or a disconnect.
func newMessageRequest(ctx context.Context, ev *call) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
	req.URL.Path = "/" + ev.route
	req.RequestURI = req.URL.Path
	req.Host = ev.conn.domain
	req.RemoteAddr = ev.conn.remoteAddr
	if ev.body != nil {
		// A copy: the message's buffer is reused once the integration
		// returns, while the handler may have handed its request on.
		req.Body = &bodyReader{Reader: *bytes.NewReader(bytes.Clone(ev.body))}
		req.ContentLength = int64(len(ev.body))
		req.GetBody = nil
	}
	return req
}

type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

// recorder collects a Handler integration's answer.
type recorder struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header {
	if r.header == nil {
		r.header = http.Header{}
	}
	return r.header
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
