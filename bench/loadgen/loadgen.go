// Package loadgen is the benchmark's own HTTP/1.1 load generator, used when
// wrk is not installed: a fixed number of keep-alive connections to one
// loopback address, each sending the same request as soon as the previous
// answer has arrived (a closed loop, as wrk does), for a warm-up that is
// not counted and then a fixed measured window, latencies kept in a
// histogram.
package loadgen

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
)

// Config describes one load run.
type Config struct {
	// Addr is the server, 127.0.0.1:PORT; other hosts are refused.
	Addr string
	// Request is the request every connection repeats; its URL's host is
	// replaced by Addr.
	Request *http.Request
	// Conns is the number of connections (and of requests in flight).
	Conns int
	// Warmup is run first and not counted; Duration is the measured
	// window that follows.
	Warmup, Duration time.Duration
	// WantStatus is the status every answer must have; WantBody, when not
	// nil, the body. Other answers are counted as Bad.
	WantStatus int
	WantBody   []byte
	// OnMeasure, when not nil, is called when the measured window starts
	// (at once without a warm-up), beside the load; Run returns only once
	// it has returned. It is not called when the run ends before the
	// window starts.
	OnMeasure func()
}

// Result is what a load run measured, during its measured window only.
type Result struct {
	// Requests is the number of answers received in the window.
	Requests int64
	// Bad counts answers with another status or body than wanted, Errors
	// the connection failures (each followed by a reconnection).
	Bad, Errors int64
	// Elapsed is the measured window.
	Elapsed time.Duration
	// P50 and P99 are latency percentiles.
	P50, P99 time.Duration
	// Latency is the histogram P50 and P99 come from; nil from wrk.
	Latency *Histogram
}

// RPS is the throughput: requests per second.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// CheckLoopback refuses an address whose host is not 127.0.0.1.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host != "127.0.0.1" {
		return fmt.Errorf("address %q: the benchmark loads 127.0.0.1 only", addr)
	}
	return nil
}

// Run loads cfg.Addr as cfg says, until the window ends or ctx is done.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := CheckLoopback(cfg.Addr); err != nil {
		return Result{}, err
	}
	if cfg.Conns < 1 || cfg.Duration <= 0 || cfg.Warmup < 0 {
		return Result{}, fmt.Errorf("loadgen: Conns %d, Duration %v, Warmup %v", cfg.Conns, cfg.Duration, cfg.Warmup)
	}
	raw, err := serialize(cfg.Request, cfg.Addr)
	if err != nil {
		return Result{}, err
	}

	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()

	var wg sync.WaitGroup
	if cfg.OnMeasure != nil {
		// In the WaitGroup: what the callback writes is complete when Run
		// returns.
		wg.Go(func() {
			t := time.NewTimer(time.Until(measureFrom))
			defer t.Stop()
			select {
			case <-t.C:
				cfg.OnMeasure()
			case <-ctx.Done():
			}
		})
	}
	workers := make([]*worker, cfg.Conns)
	var fatal atomic.Pointer[error]
	for i := range workers {
		w := &worker{cfg: &cfg, raw: raw, measureFrom: measureFrom, end: end}
		workers[i] = w
		wg.Go(func() {
			if err := w.run(ctx); err != nil {
				fatal.CompareAndSwap(nil, &err)
				cancel()
			}
		})
	}
	// At the end of the window, unblock the workers waiting for answers.
	<-ctx.Done()
	for _, w := range workers {
		w.closeConn()
	}
	wg.Wait()
	if p := fatal.Load(); p != nil {
		return Result{}, *p
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return Result{}, err
	}

	res := Result{Elapsed: cfg.Duration, Latency: new(Histogram)}
	for _, w := range workers {
		res.Latency.Merge(&w.hist)
		res.Bad += w.bad
		res.Errors += w.errors
	}
	res.Requests = int64(res.Latency.Count())
	res.P50 = res.Latency.Quantile(0.50)
	res.P99 = res.Latency.Quantile(0.99)
	return res, nil
}

// serialize writes req as HTTP/1.1 bytes for addr.
func serialize(req *http.Request, addr string) ([]byte, error) {
	r := req.Clone(context.Background())
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = b
	}
	r.URL.Host = addr
	r.Host = addr
	if r.Header.Get("User-Agent") == "" {
		r.Header.Set("User-Agent", "apigw-loadgen")
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxErrors ends a run whose connections keep failing: the server is gone.
const maxErrors = 1000

type worker struct {
	cfg              *Config
	raw              []byte
	measureFrom, end time.Time

	mu     sync.Mutex
	conn   net.Conn
	closed bool

	hist        Histogram
	bad, errors int64
	body        bytes.Buffer
}

func (w *worker) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", w.cfg.Addr)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		c.Close()
		return nil, context.Canceled
	}
	w.conn = c
	return c, nil
}

func (w *worker) closeConn() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.conn != nil {
		w.conn.Close()
	}
}

func (w *worker) run(ctx context.Context) error {
	var conn net.Conn
	var br *bufio.Reader
	// The window's end is checked against the clock as well as ctx: a
	// dial after the deadline fails at once, before ctx's timer has fired.
	over := func() bool { return ctx.Err() != nil || !time.Now().Before(w.end) }
	for !over() {
		if conn == nil {
			c, err := w.dial(ctx)
			if err != nil {
				if over() {
					return nil
				}
				if w.errors++; w.errors > maxErrors {
					return fmt.Errorf("loadgen: %d connection failures, last: %w", w.errors, err)
				}
				continue
			}
			conn, br = c, bufio.NewReaderSize(c, 16<<10)
		}
		sent := time.Now()
		good, reuse, err := w.roundTrip(conn, br)
		done := time.Now()
		if ctx.Err() != nil || done.After(w.end) {
			return nil // the window ended during this request: not counted
		}
		if err != nil {
			if w.errors++; w.errors > maxErrors {
				return fmt.Errorf("loadgen: %d connection failures, last: %w", w.errors, err)
			}
			conn.Close()
			conn = nil
			continue
		}
		if !sent.Before(w.measureFrom) {
			w.hist.Record(done.Sub(sent))
			if !good {
				w.bad++
			}
		}
		if !reuse {
			conn.Close()
			conn = nil
		}
	}
	return nil
}

// roundTrip sends the request and reads the answer. good reports whether
// the answer was the wanted one, reuse whether the connection may carry the
// next request (not after a wrong answer, which may come from a server
// that closes the connection).
func (w *worker) roundTrip(conn net.Conn, br *bufio.Reader) (good, reuse bool, err error) {
	if _, err := conn.Write(w.raw); err != nil {
		return false, false, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return false, false, err
	}
	w.body.Reset()
	_, err = io.Copy(&w.body, resp.Body)
	resp.Body.Close()
	if err != nil {
		return false, false, err
	}
	good = resp.StatusCode == w.cfg.WantStatus && (w.cfg.WantBody == nil || bytes.Equal(w.body.Bytes(), w.cfg.WantBody))
	return good, good && !resp.Close, nil
}
