package scenario

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"time"
)

// InProcess are the figures of a handler called directly, without a
// network or an HTTP server around it: what the handler itself costs.
type InProcess struct {
	AllocsPerOp float64
	BytesPerOp  float64
	NsPerOp     float64 // one goroutine, back to back
	N           int     // requests measured
}

// discardWriter is a ResponseWriter that allocates nothing, so that the
// figures are the handler's and not a recorder's.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *discardWriter) reset() {
	clear(w.h)
	w.status = 0
}

// body is a request body that is rewound, not reallocated, per request.
type body struct{ bytes.Reader }

func (*body) Close() error { return nil }

// driver serves a scenario's request through a handler directly, over
// and over, with the same *http.Request (its body rewound each time) and a
// ResponseWriter that allocates nothing.
type driver struct {
	h       http.Handler
	req     *http.Request
	payload []byte
	body    body
	w       discardWriter
}

// newDriver checks h's answer to s's request, twice (a cache answers from
// its entry the second time), and returns the driver that repeats it.
func newDriver(s *Scenario, h http.Handler, token string) (*driver, error) {
	sr := s.Request(token)
	req := httptest.NewRequest(sr.Method, sr.Path, nil)
	req.RemoteAddr = "127.0.0.1:40000"
	for k, v := range sr.Header {
		req.Header[k] = v
	}
	d := &driver{h: h, req: req, payload: []byte(sr.Body), w: discardWriter{h: http.Header{}}}
	if len(d.payload) > 0 {
		req.ContentLength = int64(len(d.payload))
	}
	for i := range 2 {
		r := req.Clone(req.Context())
		if len(d.payload) > 0 {
			r.Body = &body{Reader: *bytes.NewReader(d.payload)}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if err := s.Check(rec.Code, rec.Header(), rec.Body.Bytes(), i == 1); err != nil {
			return nil, fmt.Errorf("in-process: %w", err)
		}
	}
	for range 50 {
		d.serve()
	}
	if d.w.status != s.WantStatus {
		return nil, fmt.Errorf("in-process: status %d, want %d", d.w.status, s.WantStatus)
	}
	return d, nil
}

func (d *driver) serve() {
	if len(d.payload) > 0 {
		d.body.Reset(d.payload)
		d.req.Body = &d.body
	}
	d.w.reset()
	d.h.ServeHTTP(&d.w, d.req)
}

// Measure serves s's request through h (s's handler) directly: first once
// into a recorder, checking the answer, then back to back for at least
// minTime (and at least 100 requests), reading runtime.MemStats around the
// loop. The backend process, for a scenario that has one, must be running.
func Measure(s *Scenario, h http.Handler, token string, minTime time.Duration) (InProcess, error) {
	d, err := newDriver(s, h, token)
	if err != nil {
		return InProcess{}, err
	}
	// Size the loop so that it takes about minTime.
	n := 100
	start := time.Now()
	for range n {
		d.serve()
	}
	if per := time.Since(start) / time.Duration(n); per > 0 && minTime > 0 {
		n = max(100, int(minTime/per))
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start = time.Now()
	for range n {
		d.serve()
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	// Whole allocations and bytes per request, rounded down as testing.B
	// reports them: the few the runtime makes in the background during the
	// loop do not tip a request's count.
	return InProcess{
		AllocsPerOp: float64((after.Mallocs - before.Mallocs) / uint64(n)),
		BytesPerOp:  float64((after.TotalAlloc - before.TotalAlloc) / uint64(n)),
		NsPerOp:     float64(elapsed.Nanoseconds()) / float64(n),
		N:           n,
	}, nil
}
