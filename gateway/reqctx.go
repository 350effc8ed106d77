package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
)

// requestCtx is the context.Context of a request inside the gateway. It
// answers apigw.FromContext itself, from the pooled requestState, and it
// carries the integration's deadline without a timer until somebody asks
// for Done (most in-process handlers never do; context.WithTimeout costs
// three allocations and a timer per request). Once Done is asked for, it is
// backed by an ordinary context.WithDeadline, so contexts derived from it
// propagate cancellation without a goroutine of their own.
//
// It is not pooled, and neither is what may outlive the request (the
// request ids, the header value): a handler may keep its context past the
// request, and net/http reads the response headers after the handler
// returns. Once the request ends its Context is gone: apigw.FromContext of
// a kept context returns nil.
type requestCtx struct {
	parent   context.Context
	st       *requestState
	gen      uint64       // st.gen while the request lasts
	deadline atomic.Int64 // unix nanoseconds on the real clock; 0: none of its own

	mu    sync.Mutex // serialises materialize
	inner atomic.Pointer[deadlineInner]

	requestIDHeader [1]string
	ids             [apigw.RequestIDsLen]byte // written once, then only read
}

// requestState is the request's apigw.Context and the gateway's scratch
// space, pooled: nothing in it outlives the request.
type requestState struct {
	gen    atomic.Uint64 // bumped when the request ends
	c      apigw.Context
	rw     responseWriter
	iw     integrationWriter
	params [4]param
	// pathParams is the Context's PathParameters, cleared and reused.
	pathParams map[string]string
}

var requestStatePool = sync.Pool{New: func() any { return new(requestState) }}

func getRequestState() *requestState { return requestStatePool.Get().(*requestState) }

// put ends the request's use of st: a context kept past the request no
// longer finds it, and its next user starts from zero.
func (st *requestState) put() {
	st.gen.Add(1)
	clear(st.pathParams)
	st.c = apigw.Context{}
	st.rw = responseWriter{}
	st.iw = integrationWriter{}
	st.params = [4]param{}
	requestStatePool.Put(st)
}

// context returns the request's Context while the request lasts, else nil.
func (rc *requestCtx) context() *apigw.Context {
	if rc.st.gen.Load() != rc.gen {
		return nil
	}
	return &rc.st.c
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
		return rc.context()
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
