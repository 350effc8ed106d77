package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/apigw/apigw"
)

// Integration is a method's backend: [Handler], [HTTP], [Lambda],
// [LambdaV2] or [Mock].
type Integration interface {
	// build checks the integration against its route and returns the
	// handler that serves it. It runs once per deployment and stage.
	build(env *buildEnv) (http.Handler, error)
}

// buildEnv is what an integration may know about its route at build time.
type buildEnv struct {
	resourcePath string
	params       []string // the route's path parameter names
	greedy       string   // the name of its {proxy+}, if any
	transport    http.RoundTripper
	timeout      time.Duration
	nonProxy     bool // the method maps its request or response
	httpAPI      bool // the gateway is an HTTP API
	mapsPath     bool // the method's parameter mapping overwrites the path
	binary       []string
	vpcLinks     map[string]*vpcLink
}

// withIntegrationTimeout runs h under the method's timeout and records the
// integration's status and latency. A handler that gives up at the
// deadline without answering (or answers after it) gets AWS's 504. The
// deadline is on the real clock, since it becomes a context's deadline that
// real I/O honours; now, the gateway's clock, times the latency.
func withIntegrationTimeout(h http.Handler, timeout time.Duration, now func() time.Time, realClock bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		// start is on the real clock, with its monotonic reading: the
		// checks below cost one clock read each.
		start := time.Now()
		var fakeStart time.Time
		if !realClock {
			fakeStart = now()
		}
		deadline := start.Add(timeout)
		var iw *integrationWriter
		if rc, ok := r.Context().(*requestCtx); ok && rc.setDeadline(deadline) {
			iw = &rc.iw // the gateway's own request: its scratch space
		} else {
			// A phase replaced the request's context: one of the
			// integration's own, ended when it returns.
			ctx, cancel := context.WithDeadline(r.Context(), deadline)
			defer cancel()
			r = r.WithContext(ctx)
			iw = new(integrationWriter)
		}
		*iw = integrationWriter{ResponseWriter: w, r: r, start: start, limit: timeout}
		defer func() {
			if c != nil {
				if realClock {
					c.IntegrationLatency = time.Since(start)
				} else {
					c.IntegrationLatency = now().Sub(fakeStart)
				}
				c.IntegrationStatus = int(iw.status)
			}
		}()
		defer recoverIntegration(iw, c)
		h.ServeHTTP(iw, r)
		if !iw.started && iw.late() {
			iw.timeout()
		}
	})
}

// recoverIntegration turns a panicking in-process integration into the 502
// a panicking Lambda function gets, with the panic as the access log's
// cause. An answer already started cannot be replaced: the connection is
// aborted (http.ErrAbortHandler), as net/http does for a panic.
func recoverIntegration(iw *integrationWriter, c *apigw.Context) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	err := fmt.Errorf("integration panicked: %v", p)
	if iw.started {
		if c != nil {
			c.Error.Cause = err
		}
		panic(http.ErrAbortHandler)
	}
	iw.started = true
	iw.status = http.StatusBadGateway
	apigw.WriteError(iw.ResponseWriter, iw.r, &apigw.Error{Type: apigw.IntegrationFailure, Status: http.StatusBadGateway, Message: "Internal server error", Err: err})
}

// integrationWriter stands between an integration and the client: it notes
// the integration's status and replaces an answer that starts after the
// deadline by the 504 the client is owed.
type integrationWriter struct {
	http.ResponseWriter
	r        *http.Request
	start    time.Time
	limit    time.Duration
	started  bool
	timedOut bool
	// status is an int32 beside the two bools: eight bytes, so that the
	// request's context (requestCtx) stays in its allocation size class.
	status int32
}

// late reports whether the integration's time is up.
func (w *integrationWriter) late() bool { return time.Since(w.start) >= w.limit }

func (w *integrationWriter) WriteHeader(code int) {
	if w.started {
		return
	}
	if w.late() {
		w.timeout()
		return
	}
	if code >= 200 {
		w.started = true
	}
	w.status = int32(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *integrationWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	if w.timedOut {
		return 0, http.ErrHandlerTimeout
	}
	return w.ResponseWriter.Write(p)
}

func (w *integrationWriter) timeout() {
	w.started, w.timedOut = true, true
	w.status = http.StatusGatewayTimeout
	apigw.WriteError(w.ResponseWriter, w.r, apigw.NewError(apigw.IntegrationTimeout))
}

func (w *integrationWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush on once the answer has started.
func (w *integrationWriter) Flush() {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	if !w.timedOut {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// limitPayload refuses bodies over AWS's 10 MB before any backend sees
// them: at once when Content-Length says so, else by reading the body.
func limitPayload(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > apigw.MaxBodyBytes {
			apigw.WriteError(w, r, apigw.NewError(apigw.RequestTooLarge))
			return
		}
		if r.ContentLength < 0 {
			if c := apigw.FromContext(r.Context()); c != nil {
				if _, err := c.Body(r); errors.Is(err, apigw.ErrBodyTooLarge) {
					apigw.WriteError(w, r, apigw.NewError(apigw.RequestTooLarge))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
