package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apigw/apigw"
	"github.com/aws/aws-lambda-go/events"
)

// kind is one integration kind under test: it builds an integration for a
// route, counts the calls that reach the backend, and answers 200 with
// {"kind":..., "path":..., "params":{...}} as the backend saw them.
// Phases are tested through every kind, since a phase that works with one
// (a context-blind handler) can fail with another (one that reads its
// context, a Lambda function, a remote endpoint).
type kind struct {
	name  string
	build func(resourcePath string) Integration
	calls *atomic.Int64
	// echoes is false for the kinds that cannot report what they saw (Mock).
	echoes bool
}

// kindConfig is what the backends of everyKind do beyond answering.
type kindConfig struct {
	// hold runs in every backend but the mock before it answers, with the
	// backend's context: to block it until the test lets it go.
	hold func(ctx context.Context)
	// header gives headers every backend but the mock adds to its answer,
	// from the request's headers as the backend received them.
	header func(req http.Header) map[string]string
}

type kindOption func(*kindConfig)

func holding(f func(ctx context.Context)) kindOption {
	return func(c *kindConfig) { c.hold = f }
}

func answering(f func(req http.Header) map[string]string) kindOption {
	return func(c *kindConfig) { c.header = f }
}

// seen is a kind's answer.
type seen struct {
	Kind   string            `json:"kind"`
	Path   string            `json:"path"`
	Params map[string]string `json:"params"`
}

func writeSeen(w http.ResponseWriter, s seen) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
}

// everyKind returns one of each integration kind: an in-process handler
// that reads its context (as most real handlers do), one that never does,
// an HTTP endpoint, Lambda functions with payload 1.0 and 2.0, and a mock.
func everyKind(t *testing.T, opts ...kindOption) []kind {
	t.Helper()
	var cfg kindConfig
	for _, o := range opts {
		o(&cfg)
	}
	wait := func(ctx context.Context) {
		if cfg.hold != nil {
			cfg.hold(ctx)
		}
	}
	extra := func(req http.Header) map[string]string {
		if cfg.header == nil {
			return nil
		}
		return cfg.header(req)
	}
	setExtra := func(w http.ResponseWriter, req http.Header) {
		for k, v := range extra(req) {
			w.Header().Set(k, v)
		}
	}
	withExtra := func(h map[string]string, req http.Header) map[string]string {
		for k, v := range extra(req) {
			h[k] = v
		}
		return h
	}
	counter := func() *atomic.Int64 { return new(atomic.Int64) }
	handler, blind, remote, v1, v2, mock := counter(), counter(), counter(), counter(), counter(), counter()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remote.Add(1)
		wait(r.Context())
		setExtra(w, r.Header)
		writeSeen(w, seen{Kind: "http", Path: r.URL.EscapedPath()})
	}))
	t.Cleanup(srv.Close)

	return []kind{
		{name: "handler", calls: handler, echoes: true, build: func(string) Integration {
			return Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select { // a handler that watches its context, as real ones do
				case <-r.Context().Done():
					http.Error(w, "context done", http.StatusServiceUnavailable)
					return
				default:
				}
				handler.Add(1)
				wait(r.Context())
				setExtra(w, r.Header)
				c := apigw.FromContext(r.Context())
				writeSeen(w, seen{Kind: "handler", Path: r.URL.Path, Params: c.PathParameters})
			}))
		}},
		{name: "handler-blind", calls: blind, echoes: true, build: func(string) Integration {
			return Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				blind.Add(1)
				wait(context.Background())
				setExtra(w, r.Header)
				writeSeen(w, seen{Kind: "handler-blind", Path: r.URL.Path})
			}))
		}},
		{name: "http", calls: remote, echoes: true, build: func(resource string) Integration {
			return HTTP(srv.URL + strings.ReplaceAll(resource, "+}", "}"))
		}},
		{name: "lambda", calls: v1, echoes: true, build: func(string) Integration {
			return Lambda(func(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
				v1.Add(1)
				wait(ctx)
				b, _ := json.Marshal(seen{Kind: "lambda", Path: ev.Path, Params: ev.PathParameters})
				return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(b),
					Headers: withExtra(map[string]string{"Content-Type": "application/json"}, http.Header(ev.MultiValueHeaders))}, nil
			})
		}},
		{name: "lambda-v2", calls: v2, echoes: true, build: func(string) Integration {
			return LambdaV2(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				v2.Add(1)
				wait(ctx)
				b, _ := json.Marshal(seen{Kind: "lambda-v2", Path: ev.RawPath, Params: ev.PathParameters})
				req := http.Header{}
				for k, v := range ev.Headers {
					req.Set(k, v)
				}
				return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: string(b),
					Headers: withExtra(map[string]string{"Content-Type": "application/json"}, req)}, nil
			})
		}},
		{name: "mock", calls: mock, build: func(string) Integration {
			return Mock(200, `{"kind":"mock"}`)
		}},
	}
}
