package websocket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/apigw/apigw"
	ws "github.com/coder/websocket"
)

// PostToConnection sends data to a connection, held by this replica or,
// through the bus, by another: AWS's @connections POST. Data that is valid
// UTF-8 goes as a text message, other data as binary. It returns once the
// replica holding the connection has accepted the data (queued it for the
// client), ErrGone when no replica holds the connection, ErrLimitExceeded
// when the client has too much data waiting, ErrPayloadTooLarge beyond
// the message limit, or the bus's error when it cannot reach the others.
// data is copied.
func (a *API) PostToConnection(ctx context.Context, id string, data []byte) error {
	if int64(len(data)) > a.limits.MaxMessageBytes {
		return ErrPayloadTooLarge
	}
	data = bytes.Clone(data)
	if data == nil {
		data = []byte{}
	}
	if c := a.lookup(id); c != nil {
		return c.send(data, false)
	}
	if a.bus == nil {
		return ErrGone
	}
	return a.bus.Send(ctx, Command{Kind: Post, ConnectionID: id, Data: data})
}

// GetConnection returns a connection's info: AWS's @connections GET. For a
// connection another replica holds, LastActiveAt is as fresh as that
// replica's last report to the bus.
func (a *API) GetConnection(ctx context.Context, id string) (ConnectionInfo, error) {
	if c := a.lookup(id); c != nil {
		return c.info(), nil
	}
	if a.bus == nil {
		return ConnectionInfo{}, ErrGone
	}
	return a.bus.Lookup(ctx, id)
}

// DeleteConnection closes a connection: AWS's @connections DELETE. The
// client gets status 1000 after the data already queued for it, and
// $disconnect runs with 1000 "Connection Closed Normally".
func (a *API) DeleteConnection(ctx context.Context, id string) error {
	if c := a.lookup(id); c != nil {
		c.closeWith(ws.StatusNormalClosure, reasonNormal)
		return nil
	}
	if a.bus == nil {
		return ErrGone
	}
	return a.bus.Send(ctx, Command{Kind: Delete, ConnectionID: id})
}

// ConnectionsHandler returns the @connections management API over HTTP,
// in the shape of AWS's callback URL: POST, GET and DELETE on
// .../@connections/{connectionId}, wherever it is mounted (the handler
// reads the id after the last "/@connections/" of the path). Answers: POST
// 200 with no body; GET 200 with {"connectedAt","identity":{"sourceIp",
// "userAgent"},"lastActiveAt"}; DELETE 204; a gone connection 410
// GoneException; a body over the message limit 413
// PayloadTooLargeException; a client with too much data waiting 429
// LimitExceededException; other paths and methods 403 Missing
// Authentication Token, as AWS. Mount it where only your backend reaches
// it: AWS requires IAM-signed calls, this handler checks nothing.
func (a *API) ConnectionsHandler() http.Handler {
	return http.HandlerFunc(a.serveConnections)
}

func (a *API) serveConnections(w http.ResponseWriter, r *http.Request) {
	r, _ = apigw.EnsureContext(r)
	const marker = "/@connections/"
	i := strings.LastIndex(r.URL.Path, marker)
	id := ""
	if i >= 0 {
		id = r.URL.Path[i+len(marker):]
	}
	if id == "" || strings.Contains(id, "/") {
		apigw.WriteError(w, r, apigw.NewError(apigw.MissingAuthenticationToken))
		return
	}
	var err error
	switch r.Method {
	case http.MethodPost:
		var body []byte
		body, err = io.ReadAll(io.LimitReader(r.Body, a.limits.MaxMessageBytes+1))
		if err == nil {
			if int64(len(body)) > a.limits.MaxMessageBytes {
				err = ErrPayloadTooLarge
			} else {
				err = a.PostToConnection(r.Context(), id, body)
			}
		}
		if err == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
	case http.MethodGet:
		var info ConnectionInfo
		info, err = a.GetConnection(r.Context(), id)
		if err == nil {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(connectionJSON{
				ConnectedAt: info.ConnectedAt.UTC().Format(isoMillis), Identity: info.Identity,
				LastActiveAt: info.LastActiveAt.UTC().Format(isoMillis),
			})
			return
		}
	case http.MethodDelete:
		err = a.DeleteConnection(r.Context(), id)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	default:
		apigw.WriteError(w, r, apigw.NewError(apigw.MissingAuthenticationToken))
		return
	}
	apigw.WriteError(w, r, managementError(err))
}

// isoMillis is the timestamp form of GetConnection.
const isoMillis = "2006-01-02T15:04:05.000Z"

type connectionJSON struct {
	ConnectedAt  string   `json:"connectedAt"`
	Identity     Identity `json:"identity"`
	LastActiveAt string   `json:"lastActiveAt"`
}

// managementError is the answer of the management API to err: the
// management API's exceptions are not gateway responses, so the type is
// left empty and x-amzn-ErrorType set by hand.
func managementError(err error) *apigw.Error {
	exc := func(status int, typ, msg string) *apigw.Error {
		return &apigw.Error{Status: status, Message: msg, NullMessage: msg == "",
			Header: http.Header{"X-Amzn-Errortype": {typ}}, Err: err}
	}
	switch {
	case errors.Is(err, ErrGone):
		return exc(http.StatusGone, "GoneException", "")
	case errors.Is(err, ErrLimitExceeded):
		return exc(http.StatusTooManyRequests, "LimitExceededException", "Limit Exceeded")
	case errors.Is(err, ErrPayloadTooLarge):
		return exc(http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Request Too Long")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return exc(http.StatusGatewayTimeout, "InternalServerErrorException", "Endpoint request timed out")
	}
	return exc(http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
}
