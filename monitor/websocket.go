package monitor

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/apigw/apigw/websocket"
)

// wsKey names one route of a WebSocket API.
type wsKey struct{ api, stage, route string }

// wsDims are a WebSocket route's dimensions: ApiId, Stage, Route.
type wsDims struct {
	stage, route dims
}

// wsState is the monitor's state of one WebSocket event, and its context.
type wsState struct {
	context.Context
	span trace.Span
}

func (s *wsState) Value(key any) any {
	if key == (stateKey{}) {
		return s
	}
	return s.Context.Value(key)
}

// wsRoutes caches the dimensions of WebSocket routes: route keys come from
// the API's definition (a message no route takes has none), so they are
// bounded.
type wsRoutes struct {
	mu sync.Mutex
	m  map[wsKey]*wsDims
}

func (w *wsRoutes) get(k wsKey) *wsDims {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d := w.m[k]; d != nil {
		return d
	}
	if w.m == nil {
		w.m = map[wsKey]*wsDims{}
	}
	d := &wsDims{
		stage: newDims(attribute.String(dimAPIID, k.api), attribute.String(dimStage, k.stage)),
		route: newDims(attribute.String(dimAPIID, k.api), attribute.String(dimStage, k.stage), attribute.String(dimRoute, k.route)),
	}
	w.m[k] = d
	return d
}

// Event starts watching a WebSocket event: a span named by its event type
// when traced.
func (m *Monitor) Event(ctx context.Context, e *websocket.Event) context.Context {
	if !m.tracing {
		return ctx
	}
	ctx, span := m.tracer.Start(ctx, "WebSocket "+e.Type, m.serverSpan...)
	if !span.IsRecording() {
		return ctx
	}
	span.SetAttributes(attribute.String("apigw.api_id", e.APIID), attribute.String("apigw.stage", e.Stage),
		attribute.String("apigw.request_id", e.RequestID))
	return &wsState{Context: ctx, span: span}
}

// EventDone records a WebSocket event in AWS's WebSocket metrics:
// ConnectCount, MessageCount, IntegrationLatency, and the errors by kind.
func (m *Monitor) EventDone(ctx context.Context, e *websocket.Event) {
	in := m.inst
	d := m.ws.get(wsKey{e.APIID, e.Stage, e.RouteKey})
	switch e.Type {
	case websocket.EventConnect:
		in.wsConnect.Add(ctx, 1, d.route.add...)
	case websocket.EventMessage:
		in.wsMessage.Add(ctx, 1, d.route.add...)
	}
	switch e.Outcome {
	case websocket.ClientError:
		in.wsClientError.Add(ctx, 1, d.route.add...)
	case websocket.IntegrationError:
		in.wsIntegrationError.Add(ctx, 1, d.route.add...)
	case websocket.ExecutionError:
		in.wsExecError.Add(ctx, 1, d.route.add...)
	}
	if e.IntegrationLatency > 0 || e.Outcome != websocket.ClientError {
		in.integrationLatency.Record(ctx, millis(e.IntegrationLatency), d.route.rec...)
	}
	s, _ := ctx.Value(stateKey{}).(*wsState)
	if s == nil {
		return
	}
	s.span.SetName("WebSocket " + e.Type + " " + e.RouteKey)
	s.span.SetAttributes(attribute.String("apigw.route_key", e.RouteKey), attribute.String("apigw.connection_id", e.ConnectionID),
		attribute.String("apigw.outcome", e.Outcome.String()))
	if e.Outcome == websocket.ExecutionError || e.Outcome == websocket.IntegrationError {
		msg := e.Outcome.String()
		if e.Err != nil {
			msg = e.Err.Error()
		}
		s.span.SetStatus(codes.Error, msg)
	}
	s.span.End()
}
