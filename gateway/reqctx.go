package gateway

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/ctxkey"
)

// requestCtx is the context.Context of a request inside the gateway: the
// server's context carrying the request's apigw.Context, the integration's
// deadline, and the gateway's per-request scratch space, in one
// allocation. It is never reused: a handler that keeps its context past
// the request keeps reading its own request's Context, as with any Go
// context.
//
// The integration's deadline costs no timer until somebody asks for Done
// (most in-process handlers never do; context.WithDeadline costs three
// allocations and a timer per request); once Done is asked for, the
// context is backed by an ordinary context.WithDeadline, so that contexts
// derived from it propagate cancellation without a goroutine of their own.
// That timer is stopped when the request ends, not when the integration
// returns, so that the phases around the integration (the cache asks
// whether the client left) see the client's context, not an ended one.
type requestCtx struct {
	parent context.Context // the server's: done when the client leaves
	c      apigw.Context

	deadline atomic.Int64 // the integration's, unix nanoseconds; 0: none yet
	mu       sync.Mutex   // serialises materialize
	inner    atomic.Pointer[deadlineInner]

	rw     responseWriter
	iw     integrationWriter
	params [3]param // the router's scratch space for path parameters (more grow on the heap)

	requestIDHeader [1]string

	// client is the request as it arrived, before its canonical form:
	// ctxkey.RequestTarget answers its RequestURI. (A pointer, not the
	// string, and three parameters of scratch, not four: with the 8-byte
	// header the allocator adds, the struct stays in its 1,152-byte size
	// class; one byte more costs 128 per request.)
	client *http.Request
}

type deadlineInner struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// setDeadline gives the request the integration's deadline. It reports
// false when the context is already backed by a timer, which a deadline
// set now could not change: the caller then derives a context of its own.
func (rc *requestCtx) setDeadline(t time.Time) bool {
	if rc.inner.Load() != nil {
		return false
	}
	rc.deadline.Store(t.UnixNano())
	return true
}

// end stops the timer, if one was made, when the request ends.
func (rc *requestCtx) end() {
	if in := rc.inner.Load(); in != nil {
		in.cancel()
	}
}

func (rc *requestCtx) ownDeadline() (time.Time, bool) {
	if ns := rc.deadline.Load(); ns != 0 {
		return time.Unix(0, ns), true
	}
	return time.Time{}, false
}

func (rc *requestCtx) materialize(d time.Time) context.Context {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if in := rc.inner.Load(); in != nil {
		return in.ctx
	}
	ctx, cancel := context.WithDeadline(rc.parent, d)
	rc.inner.Store(&deadlineInner{ctx: ctx, cancel: cancel})
	return ctx
}

func (rc *requestCtx) Deadline() (time.Time, bool) {
	d, ok := rc.ownDeadline()
	if pd, pok := rc.parent.Deadline(); pok && (!ok || pd.Before(d)) {
		return pd, true
	}
	return d, ok
}

func (rc *requestCtx) Done() <-chan struct{} {
	if in := rc.inner.Load(); in != nil {
		return in.ctx.Done()
	}
	d, ok := rc.ownDeadline()
	if !ok {
		return rc.parent.Done()
	}
	return rc.materialize(d).Done()
}

func (rc *requestCtx) Err() error {
	if in := rc.inner.Load(); in != nil {
		return in.ctx.Err()
	}
	if err := rc.parent.Err(); err != nil {
		return err
	}
	if d, ok := rc.ownDeadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func (rc *requestCtx) Value(key any) any {
	if key == ctxkey.Context {
		return &rc.c
	}
	if key == ctxkey.RequestTarget && rc.client != nil {
		return rc.client.RequestURI
	}
	if in := rc.inner.Load(); in != nil {
		return in.ctx.Value(key)
	}
	return rc.parent.Value(key)
}

func (rc *requestCtx) String() string { return "apigw.requestContext" }
