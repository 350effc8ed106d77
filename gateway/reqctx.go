package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/ctxkey"
)

// requestCtx is the context.Context of a request inside the gateway: the
// server's context carrying the request's apigw.Context, and the gateway's
// per-request scratch space, in one allocation. It is never reused: a
// handler that keeps its context past the request keeps reading its own
// request's Context, as with any Go context.
type requestCtx struct {
	context.Context // the server's: done when the client leaves
	c               apigw.Context

	rw     responseWriter
	iw     integrationWriter
	ictx   integrationCtx
	params [4]param // the router's scratch space for path parameters

	requestIDHeader [1]string
}

func (rc *requestCtx) Value(key any) any {
	if key == ctxkey.Context {
		return &rc.c
	}
	return rc.Context.Value(key)
}

func (rc *requestCtx) String() string { return "apigw.requestContext" }

// integrationCtx is the context an integration runs in: its parent's
// (the request's) with the method's timeout. It makes no timer until
// somebody asks for Done — most in-process handlers never do, and
// context.WithDeadline costs three allocations and a timer per request;
// once Done is asked for it is backed by an ordinary context.WithDeadline,
// so that contexts derived from it propagate cancellation without a
// goroutine of their own. Ending the integration ends this context only:
// the request's own context stays live for the phases around the
// integration (the cache asks it whether the client left).
type integrationCtx struct {
	parent   context.Context
	deadline time.Time // on the real clock

	mu    sync.Mutex // serialises materialize
	inner atomic.Pointer[deadlineInner]
	ended atomic.Bool // release was called before any timer was made
}

type deadlineInner struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (ic *integrationCtx) materialize() context.Context {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if in := ic.inner.Load(); in != nil {
		return in.ctx
	}
	ctx, cancel := context.WithDeadline(ic.parent, ic.deadline)
	if ic.ended.Load() {
		cancel() // asked for after the integration ended: done at once
	}
	ic.inner.Store(&deadlineInner{ctx: ctx, cancel: cancel})
	return ctx
}

// release ends the integration's context, as a CancelFunc would.
func (ic *integrationCtx) release() {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	ic.ended.Store(true)
	if in := ic.inner.Load(); in != nil {
		in.cancel()
	}
}

func (ic *integrationCtx) Deadline() (time.Time, bool) {
	if pd, ok := ic.parent.Deadline(); ok && pd.Before(ic.deadline) {
		return pd, true
	}
	return ic.deadline, true
}

func (ic *integrationCtx) Done() <-chan struct{} {
	if in := ic.inner.Load(); in != nil {
		return in.ctx.Done()
	}
	return ic.materialize().Done()
}

func (ic *integrationCtx) Err() error {
	if in := ic.inner.Load(); in != nil {
		return in.ctx.Err()
	}
	if err := ic.parent.Err(); err != nil {
		return err
	}
	if ic.ended.Load() {
		return context.Canceled
	}
	if !time.Now().Before(ic.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

func (ic *integrationCtx) Value(key any) any { return ic.parent.Value(key) }

func (ic *integrationCtx) String() string { return "apigw.integrationContext" }
