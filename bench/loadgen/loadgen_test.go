package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 255, 256, 257, 511, 512, 1000, 12345, 1e6, 1e9, 1 << 62} {
		i := bucketOf(v)
		if low, high := bucketLow(i), bucketHigh(i); v < low || v >= high {
			t.Errorf("%d in bucket %d = [%d, %d)", v, i, low, high)
		} else if high-low > 1 && float64(high-low)/float64(low) > 1.0/64 {
			t.Errorf("bucket %d = [%d, %d) too wide", i, low, high)
		}
	}
	if bucketOf(1<<63-1) >= maxBuckets {
		t.Error("the largest duration has no bucket")
	}
}

func TestHistogramQuantiles(t *testing.T) {
	tests := []struct {
		name   string
		values []time.Duration
		q      float64
		want   time.Duration
		within float64
	}{
		{"empty", nil, 0.5, 0, 0},
		{"one", []time.Duration{time.Millisecond}, 0.99, time.Millisecond, 0.01},
		{"median of 1..100 µs", seq(100, time.Microsecond), 0.5, 50 * time.Microsecond, 0.01},
		{"p99 of 1..100 µs", seq(100, time.Microsecond), 0.99, 99 * time.Microsecond, 0.01},
		{"p99 with an outlier tail", append(seq(990, 0), repeat(10, time.Second)...), 0.99, 0, 0.01},
		{"p99 past the tail", append(seq(980, 0), repeat(20, time.Second)...), 0.99, time.Second, 0.01},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h Histogram
			for _, v := range tc.values {
				h.Record(v)
			}
			got := h.Quantile(tc.q)
			if diff := float64(got - tc.want); diff > tc.within*float64(tc.want)+1 || -diff > tc.within*float64(tc.want)+1 {
				t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
			}
			var m Histogram
			m.Merge(&h)
			if m.Count() != uint64(len(tc.values)) || m.Quantile(tc.q) != got {
				t.Errorf("merged: count %d, quantile %v", m.Count(), m.Quantile(tc.q))
			}
		})
	}
}

// seq is n durations 1·unit .. n·unit (all 0 with unit 0).
func seq(n int, unit time.Duration) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = time.Duration(i+1) * unit
	}
	return s
}

func repeat(n int, d time.Duration) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = d
	}
	return s
}

func TestRun(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Header.Get("X-Token") != "t" || r.Method != "POST" {
			w.WriteHeader(400)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	newReq := func() *http.Request {
		req, _ := http.NewRequest("POST", srv.URL+"/x", strings.NewReader(`{"a":1}`))
		req.Header.Set("X-Token", "t")
		return req
	}
	res, err := Run(t.Context(), Config{Addr: addr, Request: newReq(), Conns: 2, Warmup: 50 * time.Millisecond,
		Duration: 200 * time.Millisecond, WantStatus: 200, WantBody: []byte("ok")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Bad != 0 || res.Errors != 0 {
		t.Fatalf("result %+v", res)
	}
	if res.Requests > served.Load() {
		t.Errorf("%d requests counted, %d served", res.Requests, served.Load())
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.RPS() <= 0 {
		t.Errorf("p50 %v p99 %v rps %v", res.P50, res.P99, res.RPS())
	}

	// Wrong answers are counted as bad.
	res, err = Run(t.Context(), Config{Addr: addr, Request: newReq(), Conns: 1, Duration: 50 * time.Millisecond,
		WantStatus: 200, WantBody: []byte("other")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Bad != res.Requests {
		t.Errorf("bad answers: %+v", res)
	}

	// Only 127.0.0.1 is loaded.
	if _, err := Run(t.Context(), Config{Addr: "localhost:80", Request: newReq(), Conns: 1, Duration: time.Millisecond}); err == nil {
		t.Error("a non-loopback address was accepted")
	}
	// A server that is gone ends the run with an error.
	srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := Run(ctx, Config{Addr: addr, Request: newReq(), Conns: 1, Duration: 5 * time.Second}); err == nil {
		t.Error("no error from a closed server")
	}
}
