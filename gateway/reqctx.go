package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
)

// requestCtx is the context.Context of a request inside the gateway, made
// in one allocation with the request's apigw.Context: it answers
// apigw.FromContext itself, and it carries the integration's deadline
// without a timer until somebody asks for Done (most in-process handlers
// never do; context.WithTimeout costs three allocations and a timer per
// request). Once Done is asked for, it is backed by an ordinary
// context.WithDeadline, so contexts derived from it propagate cancellation
// without a goroutine of their own.
//
// It is not pooled: a handler may keep its context past the request.
type requestCtx struct {
	c        apigw.Context
	parent   context.Context
	deadline atomic.Int64 // unix nanoseconds on the real clock; 0: none of its own

	mu    sync.Mutex // serialises materialize
	inner atomic.Pointer[deadlineInner]

	// Scratch space of the gateway itself, here to save allocations.
	rw              responseWriter
	iw              integrationWriter
	params          [4]param
	requestIDHeader [1]string
	ids             [apigw.RequestIDsLen]byte // written once, then only read
}

type deadlineInner struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// setDeadline starts the integration's timeout. It reports false when the
// context is already backed by a timer, which a second deadline cannot
// change: the caller then derives a context of its own.
func (rc *requestCtx) setDeadline(t time.Time) bool {
	if rc.inner.Load() != nil {
		return false
	}
	rc.deadline.Store(t.UnixNano())
	return true
}

// release stops the timer, if one was made, as a CancelFunc would.
func (rc *requestCtx) release() {
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
	if apigw.IsContextKey(key) {
		return &rc.c
	}
	if in := rc.inner.Load(); in != nil {
		return in.ctx.Value(key)
	}
	return rc.parent.Value(key)
}

func (rc *requestCtx) String() string { return "apigw.requestContext" }

// deadlineCtx gives a context the integration's deadline when it is not the
// gateway's own requestCtx (a phase replaced it): the slow path.
func deadlineCtx(parent context.Context, d time.Time) (context.Context, context.CancelFunc) {
	return context.WithDeadline(parent, d)
}
