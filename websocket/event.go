package websocket

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/ctxkey"
	"github.com/aws/aws-lambda-go/events"
)

// Event types, requestContext.eventType.
const (
	EventConnect    = "CONNECT"
	EventMessage    = "MESSAGE"
	EventDisconnect = "DISCONNECT"
)

// The predefined route keys.
const (
	RouteConnect    = "$connect"
	RouteDisconnect = "$disconnect"
	RouteDefault    = "$default"
)

// Request describes the event an integration serves. Integrations get it
// with [FromContext]: a [Handler] from its request's context, a [Lambda]
// function from its context argument.
type Request struct {
	// API is the API the connection belongs to: its @connections methods
	// answer, broadcast, or disconnect.
	API *API
	// RouteKey is the route: "$connect", "$disconnect", "$default" or a
	// custom key.
	RouteKey string
	// EventType is CONNECT, MESSAGE or DISCONNECT.
	EventType    string
	ConnectionID string
	// MessageID is set for a MESSAGE.
	MessageID   string
	RequestID   string
	ConnectedAt time.Time
	// DisconnectStatusCode and DisconnectReason say how a connection
	// ended, for a DISCONNECT: the client's close code and reason, 1001
	// "Going away" for the idle timeout, the maximum duration and a server
	// shutdown, 1000 for a @connections DELETE, 1009 for a message over
	// the limit, 1006 for a connection lost without a close frame.
	DisconnectStatusCode int
	DisconnectReason     string
}

type requestKey struct{}

// FromContext returns the Request an integration is serving, or nil.
func FromContext(ctx context.Context) *Request {
	if c, ok := ctx.(*callCtx); ok {
		return &c.req
	}
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// callCtx is the context an integration runs in: one allocation carrying
// the Request and the event's apigw.Context.
type callCtx struct {
	context.Context
	req Request
	c   apigw.Context
}

func (c *callCtx) Value(key any) any {
	switch {
	case key == requestKey{}:
		return &c.req
	case key == ctxkey.Context:
		return &c.c
	}
	return c.Context.Value(key)
}

// call is one event for one integration.
type call struct {
	conn      *conn
	eventType string
	route     string
	requestID string
	messageID string
	time      time.Time
	body      []byte
	binary    bool
	// upgrade is the $connect request.
	upgrade     *http.Request
	closeCode   int
	closeReason string
}

// context returns the context the integration runs in.
func (ev *call) context(parent context.Context) *callCtx {
	cn := ev.conn
	cc := &callCtx{Context: parent}
	cc.req = Request{
		API: cn.api, RouteKey: ev.route, EventType: ev.eventType, ConnectionID: cn.id,
		MessageID: ev.messageID, RequestID: ev.requestID, ConnectedAt: cn.connectedAt,
		DisconnectStatusCode: ev.closeCode, DisconnectReason: ev.closeReason,
	}
	if cn.proto != nil {
		cc.c = *cn.proto
		cc.c.Error = apigw.ErrorInfo{}
	}
	cc.c.RequestID, cc.c.ExtendedRequestID = ev.requestID, ev.requestID
	cc.c.RequestTime = ev.time
	cc.c.ResourcePath, cc.c.RouteKey = ev.route, ev.route
	return cc
}

// event is the Lambda event AWS sends for ev.
func (ev *call) event() events.APIGatewayWebsocketProxyRequest {
	cn := ev.conn
	a := cn.api
	e := events.APIGatewayWebsocketProxyRequest{
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{
			RouteKey:          ev.route,
			EventType:         ev.eventType,
			ExtendedRequestID: ev.requestID,
			RequestID:         ev.requestID,
			RequestTime:       ev.time.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch:  ev.time.UnixMilli(),
			MessageDirection:  "IN",
			Stage:             a.stage,
			ConnectedAt:       cn.connectedAt.UnixMilli(),
			ConnectionID:      cn.id,
			DomainName:        cn.domain,
			APIID:             a.apiID,
			AccountID:         a.accountID,
			Authorizer:        cn.authorizer,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  cn.sourceIP,
				UserAgent: cn.userAgent,
			},
		},
		StageVariables:  a.stageVars,
		IsBase64Encoded: false,
	}
	if cn.proto != nil {
		e.RequestContext.Identity.APIKey = cn.proto.Identity.APIKey
		e.RequestContext.Identity.APIKeyID = cn.proto.Identity.APIKeyID
	}
	switch ev.eventType {
	case EventMessage:
		e.RequestContext.MessageID = ev.messageID
		if ev.binary {
			e.Body = base64.StdEncoding.EncodeToString(ev.body)
			e.IsBase64Encoded = true
		} else {
			e.Body = string(ev.body)
		}
	case EventConnect, EventDisconnect:
		if ev.eventType == EventDisconnect {
			e.RequestContext.DisconnectStatusCode = int64(ev.closeCode)
			reason := ev.closeReason
			e.RequestContext.DisconnectReason = &reason
		}
		if h := cn.header; h != nil {
			e.Headers = make(map[string]string, len(h)+1)
			e.MultiValueHeaders = make(map[string][]string, len(h)+1)
			for name, vals := range h {
				if len(vals) == 0 {
					continue
				}
				e.Headers[name] = vals[len(vals)-1]
				e.MultiValueHeaders[name] = append([]string(nil), vals...)
			}
			if cn.host != "" {
				e.Headers["Host"] = cn.host
				e.MultiValueHeaders["Host"] = []string{cn.host}
			}
		}
		if q := cn.query; len(q) > 0 {
			e.QueryStringParameters = make(map[string]string, len(q))
			e.MultiValueQueryStringParameters = make(map[string][]string, len(q))
			for name, vals := range q {
				e.QueryStringParameters[name] = vals[len(vals)-1]
				e.MultiValueQueryStringParameters[name] = append([]string(nil), vals...)
			}
		}
	}
	return e
}

// authorizerMap is requestContext.authorizer for a connection: the
// principal id and the Lambda authorizer's context entries at the top
// level, as AWS sends them; a JWT authorizer's claims and scopes under
// "claims" and "scopes". nil when no authorizer ran.
func authorizerMap(a apigw.Authorizer) map[string]any {
	if a.PrincipalID == "" && a.Context == nil && a.Claims == nil {
		return nil
	}
	m := make(map[string]any, len(a.Context)+3)
	for k, v := range a.Context {
		m[k] = v
	}
	m["principalId"] = a.PrincipalID
	if a.Claims != nil {
		m["claims"] = a.Claims
	}
	if len(a.Scopes) > 0 {
		m["scopes"] = a.Scopes
	}
	return m
}

// newConnectionID is a connection's id, in newID's form, from crypto/rand:
// unguessable, since whoever knows an id can post to the connection through
// a management endpoint that the embedder exposes.
func newConnectionID() string {
	var raw [11]byte
	_, _ = cryptorand.Read(raw[:]) // never fails (crypto/rand's promise)
	return base64.URLEncoding.EncodeToString(raw[:])
}

// newID returns an id in the form AWS gives connection, message and
// request ids of WebSocket APIs: 16 characters of URL-safe base64, which
// a @connections URL carries unescaped.
func newID() string {
	var raw [11]byte
	a, b := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		raw[i] = byte(a >> (8 * i))
	}
	for i := range 3 {
		raw[8+i] = byte(b >> (8 * i))
	}
	return base64.URLEncoding.EncodeToString(raw[:])
}

// itoa is strconv.Itoa, kept short.
func itoa(n int) string { return strconv.Itoa(n) }
