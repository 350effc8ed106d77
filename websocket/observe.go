package websocket

import (
	"context"
	"time"
)

// Observer watches a WebSocket API's events, for metrics and traces:
// package monitor implements it on the OpenTelemetry API, with AWS's
// WebSocket metrics (ConnectCount, MessageCount, IntegrationError,
// ClientError, ExecutionError, IntegrationLatency). It has the shape of
// gateway.Observer. Without one ([WithObserver]) nothing is recorded, at no
// cost. An Observer must be safe for simultaneous use.
type Observer interface {
	// Event is called when an event starts: an upgrade request (before
	// its authorizer), a message from a client, a $disconnect. It returns
	// the context the event's integration runs under: ctx, or one derived
	// from it (carrying a span).
	Event(ctx context.Context, e *Event) context.Context
	// EventDone is called when the event has been handled, with e's
	// outcome filled in; ctx is the one Event returned.
	EventDone(ctx context.Context, e *Event)
}

// Event is one event of a WebSocket API, as an [Observer] sees it. It is
// valid only during the calls it is passed to.
type Event struct {
	APIID, Stage string
	// Type is EventConnect, EventMessage or EventDisconnect.
	Type string
	// RouteKey is the route that served the event: $connect, $disconnect,
	// $default or a custom key; "" for a message no route took.
	RouteKey     string
	ConnectionID string // "" for an upgrade refused before the integration
	RequestID    string
	Time         time.Time // when the event started, on the API's clock

	// Outcome is how the event ended.
	Outcome Outcome
	// IntegrationLatency is the time the integration took; 0 when it did
	// not run.
	IntegrationLatency time.Duration
	// Status is the integration's status code (for $connect, the
	// answer's when it refused the connection); 0 when it had none.
	Status int
	// Err is what went wrong, for an ExecutionError.
	Err error
}

// Outcome is how an event ended, in the terms of AWS's WebSocket metrics.
type Outcome uint8

// The outcomes of an event.
const (
	// OK: the integration ran and answered 2xx (or, for a message, any
	// answer without a status).
	OK Outcome = iota
	// ClientError: refused by the API before any integration ran (an
	// authorizer or API key refusal, a message no route takes, a request
	// that is not an upgrade).
	ClientError
	// IntegrationError: the integration answered 4xx or 5xx.
	IntegrationError
	// ExecutionError: the integration could not be called, failed or
	// panicked.
	ExecutionError
)

// String is the outcome as AWS's metric names it.
func (o Outcome) String() string {
	switch o {
	case OK:
		return "OK"
	case ClientError:
		return "ClientError"
	case IntegrationError:
		return "IntegrationError"
	case ExecutionError:
		return "ExecutionError"
	}
	return "Outcome(?)"
}

// WithObserver has o watch the API's events (package monitor). nil, the
// default, watches nothing.
func WithObserver(o Observer) Option { return func(c *config) { c.observer = o } }

// eventKey carries a $connect's Event from the upgrade request to its
// integration.
type eventKey struct{}

// startEvent tells the observer that an event starts; nil when the API has
// none.
func (a *API) startEvent(ctx context.Context, typ, route, connID, requestID string, t time.Time) (context.Context, *Event) {
	if a.observer == nil {
		return ctx, nil
	}
	e := &Event{APIID: a.apiID, Stage: a.stage, Type: typ, RouteKey: route, ConnectionID: connID, RequestID: requestID, Time: t, Outcome: ClientError}
	ctx = a.observer.Event(ctx, e)
	if typ == EventConnect {
		ctx = context.WithValue(ctx, eventKey{}, e)
	}
	return ctx, e
}

// endEvent tells the observer how the event ended.
func (a *API) endEvent(ctx context.Context, e *Event) {
	if e != nil {
		a.observer.EventDone(ctx, e)
	}
}

// runObserved runs a route's integration as run does and records its
// outcome and latency in e, when e is not nil.
func (a *API) runObserved(ctx context.Context, rt *route, ev *call, e *Event) (result, error) {
	if e == nil {
		return a.run(ctx, rt, ev)
	}
	start := a.clock.Now()
	res, err := a.run(ctx, rt, ev)
	e.IntegrationLatency = a.clock.Now().Sub(start)
	e.RouteKey, e.ConnectionID, e.Status, e.Err = rt.key, ev.conn.id, res.status, err
	switch {
	case err != nil:
		e.Outcome = ExecutionError
	case res.status >= 400:
		e.Outcome = IntegrationError
	default:
		e.Outcome = OK
	}
	return res, err
}

// APIID returns the API's id ($context.apiId), for metrics and consoles.
func (a *API) APIID() string { return a.apiID }

// Stage returns the API's stage name ($context.stage).
func (a *API) Stage() string { return a.stage }
