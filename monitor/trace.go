package monitor

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// XRayHeader is X-Ray's trace header, read from requests that carry no
// traceparent and written on HTTP integration requests beside it.
const XRayHeader = "X-Amzn-Trace-Id"

// startSpan starts a request's server span, a child of the caller's trace
// when the request carries one, and gives the request its
// $context.xrayTraceId. It returns the context the request goes on with.
func (m *Monitor) startSpan(ctx context.Context, r *http.Request, s *reqState) context.Context {
	if !m.tracing {
		return ctx
	}
	ctx = m.extract(ctx, r.Header)
	ctx, span := m.tracer.Start(ctx, s.route.name, m.serverSpan...)
	sc := span.SpanContext()
	if sc.IsValid() {
		s.c.XRayTraceID = xrayTraceID(sc.TraceID())
	}
	if !span.IsRecording() {
		return ctx
	}
	s.span = span
	c := s.c
	kvs := make([]attribute.KeyValue, 0, 9)
	kvs = append(kvs,
		attribute.String("http.request.method", c.HTTPMethod),
		attribute.String("url.path", c.Path),
		attribute.String("client.address", c.Identity.SourceIP),
		attribute.String("apigw.api_id", c.APIID),
		attribute.String("apigw.stage", c.Stage),
		attribute.String("apigw.request_id", c.RequestID),
	)
	if c.ResourcePath != "" {
		kvs = append(kvs, attribute.String("http.route", c.ResourcePath))
	}
	if c.IsCanaryRequest {
		kvs = append(kvs, attribute.Bool("apigw.canary", true))
	}
	if c.Identity.UserAgent != "" {
		kvs = append(kvs, attribute.String("user_agent.original", c.Identity.UserAgent))
	}
	span.SetAttributes(kvs...)
	return ctx
}

// extract reads the caller's trace context: the propagator's headers
// (traceparent), else X-Amzn-Trace-Id.
// A request without any of the propagator's headers costs no call.
func (m *Monitor) extract(ctx context.Context, h http.Header) context.Context {
	for _, f := range m.propFields {
		if len(h[f]) > 0 {
			ctx = m.prop.Extract(ctx, propagation.HeaderCarrier(h))
			break
		}
	}
	if trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	v := h[XRayHeader]
	if len(v) == 0 {
		return ctx
	}
	if sc, ok := parseXRay(v[0]); ok {
		return trace.ContextWithRemoteSpanContext(ctx, sc)
	}
	return ctx
}

// parseXRay reads an X-Amzn-Trace-Id header,
// Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1,
// as the remote parent it names. A header without Parent names no parent
// span and is ignored.
func parseXRay(v string) (trace.SpanContext, bool) {
	var cfg trace.SpanContextConfig
	var haveRoot, haveParent bool
	for part := range strings.SplitSeq(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			// 1-{8 hex digits}-{24 hex digits}
			if len(val) != 35 || val[0] != '1' || val[1] != '-' || val[10] != '-' {
				return trace.SpanContext{}, false
			}
			b, err := hex.DecodeString(val[2:10] + val[11:])
			if err != nil {
				return trace.SpanContext{}, false
			}
			copy(cfg.TraceID[:], b)
			haveRoot = true
		case "Parent":
			b, err := hex.DecodeString(val)
			if err != nil || len(b) != 8 {
				return trace.SpanContext{}, false
			}
			copy(cfg.SpanID[:], b)
			haveParent = true
		case "Sampled":
			if val == "1" {
				cfg.TraceFlags = trace.FlagsSampled
			}
		}
	}
	if !haveRoot || !haveParent {
		return trace.SpanContext{}, false
	}
	cfg.Remote = true
	sc := trace.NewSpanContext(cfg)
	return sc, sc.IsValid()
}

// xrayTraceID writes a trace id in X-Ray's form: 1-{first 8 hex
// digits}-{the other 24}.
func xrayTraceID(id trace.TraceID) string {
	var b [35]byte
	b[0], b[1], b[10] = '1', '-', '-'
	hex.Encode(b[2:10], id[:4])
	hex.Encode(b[11:], id[4:])
	return string(b[:])
}

// xrayHeader is the X-Amzn-Trace-Id of a request sent from span sc.
func xrayHeader(sc trace.SpanContext) string {
	sampled := "0"
	if sc.IsSampled() {
		sampled = "1"
	}
	sid := sc.SpanID()
	return "Root=" + xrayTraceID(sc.TraceID()) + ";Parent=" + hex.EncodeToString(sid[:]) + ";Sampled=" + sampled
}

// WrapTransport returns rt with a client span around each request sent
// from a traced request (an HTTP integration's), and the trace context
// injected into it: traceparent (the Propagator's headers) and
// X-Amzn-Trace-Id. package gateway calls it when the monitor is its
// observer.
func (m *Monitor) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	if !m.tracing {
		return rt
	}
	return &transport{m: m, base: rt}
}

type transport struct {
	m    *Monitor
	base http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return t.base.RoundTrip(req)
	}
	ctx, span := t.m.tracer.Start(ctx, req.Method, t.m.clientSpan...)
	defer span.End()
	req = req.Clone(ctx)
	t.m.prop.Inject(ctx, propagation.HeaderCarrier(req.Header))
	req.Header.Set(XRayHeader, xrayHeader(span.SpanContext()))
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String("http.request.method", req.Method),
			attribute.String("server.address", req.URL.Hostname()),
			attribute.String("url.full", req.URL.Scheme+"://"+req.URL.Host+req.URL.Path), // no query: it may hold secrets
		)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, resp.Status)
	}
	return resp, nil
}
