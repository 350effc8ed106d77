package websocket

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/apigw/apigw"
	ws "github.com/coder/websocket"
)

// Close reasons, as AWS words them.
const (
	reasonGoingAway = "Going away"
	reasonNormal    = "Connection Closed Normally"
	reasonTooBig    = "Message too big"
	reasonAbnormal  = "Connection Closed Abnormally"
)

// conn is one WebSocket connection held by this replica.
type conn struct {
	api         *API
	ws          *ws.Conn
	nc          net.Conn
	id          string
	connectedAt time.Time
	lastActive  atomic.Int64 // unix nanoseconds
	// What the events need from the $connect request.
	proto      *apigw.Context
	authorizer map[string]any
	header     http.Header
	query      map[string][]string
	host       string
	domain     string
	sourceIP   string
	userAgent  string
	remoteAddr string

	mu       sync.Mutex
	timer    Timer
	closing  bool
	code     ws.StatusCode
	reason   string
	out      [][]byte
	outBytes int
	writing  bool
	drained  chan struct{}
}

// upgrade is the end of $connect: run the integration, then upgrade.
func (a *API) upgrade(w http.ResponseWriter, r *http.Request) {
	c := apigw.FromContext(r.Context())
	now := a.clock.Now()
	cn := &conn{
		api: a, id: newConnectionID(), connectedAt: now, proto: c,
		authorizer: authorizerMap(c.Authorizer),
		host:       r.Host, domain: c.DomainName, sourceIP: c.Identity.SourceIP,
		userAgent: c.Identity.UserAgent, remoteAddr: r.RemoteAddr,
	}
	cn.lastActive.Store(now.UnixNano())
	// The headers and query string are kept for the $connect and
	// $disconnect events only.
	if a.connect != nil || a.disconnect != nil {
		cn.header = r.Header
		cn.query = r.URL.Query()
	}
	var e *Event // the observer's, if any
	if a.observer != nil {
		e, _ = r.Context().Value(eventKey{}).(*Event)
	}
	var subprotocols []string
	if a.connect != nil {
		ev := &call{conn: cn, eventType: EventConnect, route: RouteConnect, requestID: c.RequestID, time: c.RequestTime, upgrade: r}
		res, err := a.runObserved(r.Context(), a.connect, ev, e)
		if err != nil {
			apigw.WriteError(w, r, &apigw.Error{Type: apigw.IntegrationFailure, Status: http.StatusBadGateway,
				Message: "Internal server error", Err: err})
			return
		}
		if res.status < 200 || res.status > 299 {
			h := w.Header()
			for k, vs := range res.header {
				h[k] = vs
			}
			if c.RequestID != "" {
				h.Set("X-Amzn-Requestid", c.RequestID)
			}
			w.WriteHeader(res.status)
			_, _ = w.Write(res.body)
			return
		}
		if p := res.header.Get("Sec-WebSocket-Protocol"); p != "" {
			subprotocols = []string{p}
		}
	}
	if a.disconnect == nil {
		cn.header, cn.query = nil, nil
	}
	opts := a.accept
	opts.Subprotocols = subprotocols
	// The connection is registered before the handshake completes, so
	// that a client that has its 101 can be posted to at once: until the
	// socket exists, writing is set and posts only queue.
	cn.writing = true
	a.mu.Lock()
	if a.closing.Load() {
		a.mu.Unlock()
		apigw.WriteError(w, r, &apigw.Error{Type: apigw.Default5XX, Status: http.StatusServiceUnavailable,
			Message: "Service Unavailable", Err: errors.New("websocket: the API is shutting down")})
		return
	}
	a.conns[cn.id] = cn
	a.wg.Add(1)
	a.mu.Unlock()
	if a.bus != nil {
		if err := a.bus.Track(context.Background(), cn.info(), true); err != nil {
			a.logger.Warn("websocket: bus: cannot record the connection; other replicas will not reach it until the bus recovers",
				"connectionId", cn.id, "err", err)
		}
	}
	hw := &hijackWriter{ResponseWriter: w, rsize: a.limits.ReadBufferSize, wsize: a.limits.WriteBufferSize}
	wc, err := ws.Accept(hw, r, &opts)
	if e != nil {
		e.ConnectionID = cn.id
		if err != nil {
			e.Outcome, e.Err = ClientError, err
		} else if a.connect == nil {
			e.Outcome = OK
		}
	}
	if err != nil {
		// Accept answered the client. The connection never opened: no
		// $disconnect, as in AWS.
		a.mu.Lock()
		delete(a.conns, cn.id)
		a.mu.Unlock()
		if a.bus != nil {
			_ = a.bus.Track(context.Background(), ConnectionInfo{ConnectionID: cn.id}, false)
		}
		cn.mu.Lock()
		cn.closing, cn.writing, cn.out = true, false, nil
		if cn.drained != nil {
			close(cn.drained)
			cn.drained = nil
		}
		cn.mu.Unlock()
		a.wg.Done()
		return
	}
	wc.SetReadLimit(a.limits.MaxMessageBytes)
	cn.mu.Lock()
	cn.ws, cn.nc = wc, hw.nc
	cn.arm(a.clock.Now())
	cn.mu.Unlock()
	go cn.flush() // what was posted meanwhile, if anything; clears writing
	// The handler returns and net/http lets go of its goroutine and
	// buffers; the connection lives on a fresh goroutine with a small
	// stack.
	go cn.serve()
}

// hijackWriter gives coder/websocket socket buffers of the API's sizes
// instead of net/http's 4 KiB ones, and keeps the net.Conn for write
// deadlines.
type hijackWriter struct {
	http.ResponseWriter
	rsize, wsize int
	nc           net.Conn
}

func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.nc = nc
	n := brw.Reader.Buffered()
	size := max(h.rsize, n)
	var br *bufio.Reader
	if n > 0 {
		early, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc), size)
		_, _ = br.Peek(n)
	} else {
		br = bufio.NewReaderSize(nc, size)
	}
	return nc, bufio.NewReadWriter(br, bufio.NewWriterSize(nc, h.wsize)), nil
}

// info returns the connection's GetConnection answer.
func (c *conn) info() ConnectionInfo {
	return ConnectionInfo{
		ConnectionID: c.id, ConnectedAt: c.connectedAt,
		LastActiveAt: time.Unix(0, c.lastActive.Load()).In(c.connectedAt.Location()),
		Identity:     Identity{SourceIP: c.sourceIP, UserAgent: c.userAgent},
		Replica:      c.api.replica,
	}
}

// arm sets the timer for the next idle or maximum-duration deadline.
// c.mu is held.
func (c *conn) arm(now time.Time) {
	if c.closing {
		return
	}
	l := &c.api.limits
	next := c.connectedAt.Add(l.MaxDuration)
	if idle := time.Unix(0, c.lastActive.Load()).Add(l.IdleTimeout); idle.Before(next) {
		next = idle
	}
	c.timer = c.api.clock.AfterFunc(next.Sub(now), c.check)
}

// check runs when a deadline may have passed.
func (c *conn) check() {
	now := c.api.clock.Now()
	l := &c.api.limits
	if !now.Before(c.connectedAt.Add(l.MaxDuration)) || !now.Before(time.Unix(0, c.lastActive.Load()).Add(l.IdleTimeout)) {
		c.closeWith(ws.StatusGoingAway, reasonGoingAway)
		return
	}
	c.mu.Lock()
	c.arm(now)
	c.mu.Unlock()
}

// serve reads the client's messages until the connection ends, then runs
// $disconnect: the one place it runs, so exactly once.
func (c *conn) serve() {
	defer c.api.wg.Done()
	ctx := context.Background()
	var err error
	for {
		var typ ws.MessageType
		var r io.Reader
		typ, r, err = c.ws.Reader(ctx)
		if err != nil {
			break
		}
		if typ == ws.MessageBinary {
			// AWS takes no binary frames from clients: it closes the
			// connection with 1003 and routes nothing.
			err = errors.New("websocket: a binary frame from the client")
			_ = c.ws.Close(ws.StatusUnsupportedData, "binary frames are not supported")
			break
		}
		buf := getBuffer()
		_, err = buf.ReadFrom(r)
		if err != nil {
			putBuffer(buf)
			break
		}
		c.lastActive.Store(c.api.clock.Now().UnixNano())
		c.api.message(c, typ, buf.Bytes())
		putBuffer(buf)
	}
	c.finish(err)
}

// bufferPool: measured (BenchmarkThroughput/api-* -count 6, interleaved): handler 15 allocs, 2.5 KB/op with the pool, 18
// and 4.0 KB without; lambda 13, 2.1 KB with it, 16, 3.7 KB without (io.ReadAll: 14, 2.6 KB); times within noise.
var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { b := bufferPool.Get().(*bytes.Buffer); b.Reset(); return b }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 64<<10 {
		bufferPool.Put(b)
	}
}

// finish ends the connection after its read loop: records how it ended,
// drops it from the replica and the bus, runs $disconnect.
func (c *conn) finish(err error) {
	c.mu.Lock()
	if !c.closing {
		c.closing = true
		c.code, c.reason = closeOf(err)
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	code, reason := c.code, c.reason
	c.mu.Unlock()
	if errors.Is(err, ws.ErrMessageTooBig) {
		code, reason = ws.StatusMessageTooBig, reasonTooBig
	}
	_ = c.ws.CloseNow()
	a := c.api
	a.mu.Lock()
	delete(a.conns, c.id)
	a.mu.Unlock()
	if a.bus != nil {
		if err := a.bus.Track(context.Background(), ConnectionInfo{ConnectionID: c.id}, false); err != nil {
			a.logger.Warn("websocket: bus: cannot remove the connection", "connectionId", c.id, "err", err)
		}
	}
	if a.disconnect != nil {
		now := a.clock.Now()
		ev := &call{conn: c, eventType: EventDisconnect, route: RouteDisconnect, requestID: newID(), time: now,
			closeCode: int(code), closeReason: reason}
		ctx, e := a.startEvent(context.Background(), EventDisconnect, RouteDisconnect, c.id, ev.requestID, now)
		if _, err := a.runObserved(ctx, a.disconnect, ev, e); err != nil {
			a.logger.Error("websocket: $disconnect integration failed", "connectionId", c.id, "err", err)
		}
		a.endEvent(ctx, e)
	}
}

// closeOf says how a connection the server did not close ended.
func closeOf(err error) (ws.StatusCode, string) {
	var ce ws.CloseError
	switch {
	case errors.As(err, &ce):
		return ce.Code, ce.Reason
	case errors.Is(err, ws.ErrMessageTooBig):
		return ws.StatusMessageTooBig, reasonTooBig
	}
	return ws.StatusAbnormalClosure, reasonAbnormal
}

// closeWith closes the connection from the server's side, once: the data
// already queued is written first, then the close frame. The read loop
// then ends and runs $disconnect with code and reason.
func (c *conn) closeWith(code ws.StatusCode, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing, c.code, c.reason = true, code, reason
	if c.timer != nil {
		c.timer.Stop()
	}
	var drained chan struct{}
	if c.writing {
		drained = make(chan struct{})
		c.drained = drained
	}
	c.mu.Unlock()
	c.api.wg.Add(1)
	go func() {
		defer c.api.wg.Done()
		if drained != nil {
			<-drained
		}
		c.mu.Lock()
		wc := c.ws
		c.mu.Unlock()
		if wc != nil {
			_ = wc.Close(code, reason)
		}
	}()
}

// send queues data for the client. inline writes on the calling goroutine
// when nothing else is being written (the read loop answering its own
// client); otherwise a writer goroutine starts, which ends once the queue
// is empty, so an idle connection has none.
func (c *conn) send(data []byte, inline bool) error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return ErrGone
	}
	if c.outBytes+len(data) > c.api.limits.MaxQueuedBytes && c.outBytes > 0 {
		c.mu.Unlock()
		return ErrLimitExceeded
	}
	c.out = append(c.out, data)
	c.outBytes += len(data)
	if c.writing {
		c.mu.Unlock()
		return nil
	}
	c.writing = true
	c.mu.Unlock()
	if inline {
		c.flush()
	} else {
		go c.flush()
	}
	return nil
}

// flush writes the queue until it is empty.
func (c *conn) flush() {
	timeout := c.api.limits.WriteTimeout
	for {
		c.mu.Lock()
		if len(c.out) == 0 {
			c.writing = false
			if cap(c.out) > 8 {
				c.out = nil
			}
			if c.drained != nil {
				close(c.drained)
				c.drained = nil
			}
			c.mu.Unlock()
			if c.nc != nil {
				_ = c.nc.SetWriteDeadline(time.Time{})
			}
			return
		}
		data := c.out[0]
		c.out[0] = nil
		c.out = c.out[1:]
		c.outBytes -= len(data)
		c.mu.Unlock()
		if c.nc != nil {
			_ = c.nc.SetWriteDeadline(time.Now().Add(timeout))
		}
		typ := ws.MessageText
		if !utf8.Valid(data) {
			typ = ws.MessageBinary
		}
		if err := c.ws.Write(context.Background(), typ, data); err != nil {
			// The socket is broken: drop what is queued; the read loop
			// ends and runs $disconnect.
			c.mu.Lock()
			c.out, c.outBytes = nil, 0
			c.mu.Unlock()
			_ = c.ws.CloseNow()
		}
	}
}

// message routes one message and runs its integration.
func (a *API) message(c *conn, typ ws.MessageType, data []byte) {
	var rt *route
	if typ == ws.MessageText {
		if key, ok := a.sel.eval(data); ok {
			rt = a.routes[string(key)]
		}
	}
	if rt == nil {
		rt = a.defRoute
	}
	requestID := newID()
	now := a.clock.Now()
	ctx, e := a.startEvent(context.Background(), EventMessage, "", c.id, requestID, now)
	defer a.endEvent(ctx, e)
	if rt == nil {
		_ = c.send(errorFrame("Forbidden", c.id, requestID), true)
		return
	}
	ev := &call{conn: c, eventType: EventMessage, route: rt.key, requestID: requestID, messageID: newID(),
		time: now, body: data, binary: typ == ws.MessageBinary}
	res, err := a.runObserved(ctx, rt, ev, e)
	if err != nil {
		a.logger.Warn("websocket: integration failed", "route", rt.key, "connectionId", c.id, "requestId", requestID, "err", err)
		_ = c.send(errorFrame("Internal server error", c.id, requestID), true)
		return
	}
	if rt.twoWay && len(res.body) > 0 {
		_ = c.send(res.body, true)
	}
}

// errorFrame is AWS's error message to a client:
// {"message": "Forbidden", "connectionId":"...", "requestId":"..."}. The ids
// are URL-safe base64 and need no escaping.
func errorFrame(msg, connID, requestID string) []byte {
	return []byte(`{"message": "` + msg + `", "connectionId":"` + connID + `", "requestId":"` + requestID + `"}`)
}

// errPanic marks an integration that panicked.
var errPanic = errors.New("websocket: integration panicked")

// run invokes a route's integration, turning a panic into an error.
func (a *API) run(parent context.Context, rt *route, ev *call) (res result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errPanic, p)
		}
	}()
	ctx := ev.context(parent)
	return rt.inv.invoke(ctx, ev)
}
