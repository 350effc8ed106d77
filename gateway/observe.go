package gateway

import (
	"context"
	"net/http"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/stage"
)

// Observer watches the requests a gateway serves, for metrics, traces and
// access logs: package monitor implements it on the OpenTelemetry API. The
// gateway knows nothing of what an Observer does with what it is told;
// without one (no [WithObserver]) each route runs exactly the pipeline it
// runs today, at no cost.
//
// An Observer is called from many requests at once and must be safe for
// simultaneous use. If it also has a method
//
//	WrapTransport(http.RoundTripper) http.RoundTripper
//
// the gateway's [HTTP] integrations send their requests through the
// transport it returns (for client spans and trace propagation).
type Observer interface {
	// Request is called once a request has been routed, before its first
	// phase: c holds what the entry and the router know (ids, stage,
	// resource path, method; the resource path is "" when no route
	// matched). It returns the context the request goes on with: ctx, or
	// one derived from it (carrying a span).
	Request(ctx context.Context, r *http.Request, c *apigw.Context) context.Context
	// Phase is called when a route's pipeline is built (by New, Deploy, a
	// stage's change), once for each phase the route runs, in pipeline
	// order, the integration last. It returns what runs instead of mw:
	// mw wrapped, or mw itself. The integration's mw ignores its next
	// handler.
	Phase(p PhaseInfo, mw func(http.Handler) http.Handler) func(http.Handler) http.Handler
	// Done is called when the answer has been sent, with c complete:
	// status, latencies, integration outcome, error. ctx is the request's
	// context, derived from the one Request returned.
	Done(ctx context.Context, c *apigw.Context)
}

// Phase names a phase of a route's pipeline, in the order the gateway's
// package documentation lists them.
type Phase string

// The phases a route may run, in pipeline order.
const (
	PhaseCORS         Phase = "cors"
	PhasePayloadLimit Phase = "payload limit"
	PhaseAuthorizer   Phase = "authorizer"
	PhaseUsagePlan    Phase = "api key and usage plan"
	PhaseValidation   Phase = "validation"
	PhaseCache        Phase = "cache"
	PhaseMapping      Phase = "mapping" // request and response mapping
	PhaseIntegration  Phase = "integration"
)

// PhaseInfo describes one phase of one route of a stage, as the route is
// built.
type PhaseInfo struct {
	Phase        Phase
	APIID        string
	HTTPAPI      bool         // an HTTP API (WithHTTPAPI), not a REST API
	Stage        *stage.Stage // the stage's configuration: read it, never change it
	Canary       bool         // the route serves the stage's canary
	DeploymentID string
	Method       string // HTTP method, or ANY
	Resource     string // the resource path, /pets/{id}
	Authorizer   string // the method's authorizer, by its name in WithAuthorizer
}

// WithObserver has o watch every request: metrics, traces, access logs
// (package monitor). nil, the default, watches nothing.
func WithObserver(o Observer) Option {
	return gatewayOption(func(c *config) { c.observer = o })
}

// observedRoute wraps the phases of one route for the gateway's observer;
// a nil *observedRoute wraps nothing.
type observedRoute struct {
	o    Observer
	info PhaseInfo
}

// observeRoute returns the wrapper of a route's phases, nil when the
// gateway has no observer or the route is built only to be checked (the
// stage then has no name).
func (g *Gateway) observeRoute(d *deployment, st *stage.Stage, canary bool, method, resource string, m Method) *observedRoute {
	if g.cfg.observer == nil || st.Name == "" {
		return nil
	}
	return &observedRoute{o: g.cfg.observer, info: PhaseInfo{APIID: g.cfg.apiID, HTTPAPI: g.cfg.httpAPI, Stage: st, Canary: canary,
		DeploymentID: d.id, Method: method, Resource: resource, Authorizer: m.Authorizer}}
}

// wrap returns the phase p as the observer wants it run.
func (or *observedRoute) wrap(p Phase, mw middleware) middleware {
	if or == nil {
		return mw
	}
	info := or.info
	info.Phase = p
	return or.o.Phase(info, mw)
}

// wrapIntegration returns the integration as the observer wants it run.
func (or *observedRoute) wrapIntegration(h http.Handler) http.Handler {
	if or == nil {
		return h
	}
	return or.wrap(PhaseIntegration, func(http.Handler) http.Handler { return h })(nil)
}

// observeTransport gives the HTTP integrations the observer's transport.
func (c *config) observeTransport() {
	if w, ok := c.observer.(interface {
		WrapTransport(http.RoundTripper) http.RoundTripper
	}); ok {
		c.transport = w.WrapTransport(c.transport)
	}
}
