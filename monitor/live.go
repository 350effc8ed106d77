package monitor

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
)

// window is how many seconds of live figures the console shows.
const window = 60

// Latency histogram of the live figures: bucket i holds latencies from
// latBase·latFactor^i to latBase·latFactor^(i+1); the quantiles it gives
// are within 12 % of the truth.
const (
	latBase    = 10 * time.Microsecond
	latFactor  = 1.25
	numLatBins = 80 // up to about 9 minutes
)

var logFactor = math.Log(latFactor)

// liveStats are the console's live figures: per route, a minute of
// per-second counts and latency histograms; and the last requests. They
// are approximate (a second's bucket is reused without a lock) and cost a
// few atomic additions per request.
type liveStats struct {
	now func() time.Time

	mu     sync.Mutex // guards routes
	routes map[routeKey]*routeLive

	// The last requests: at most recentPerWindow of each recentWindow
	// are kept, so that under load a request costs no lock (the list
	// would change faster than anyone reads it anyway).
	window atomic.Int64 // (unix nanoseconds / recentWindow) << 8 | requests kept in it
	ringMu sync.Mutex
	ring   []recentRequest
	next   int
	filled bool
}

const (
	recentWindow    = 10 * time.Millisecond
	recentPerWindow = 8
)

// routeLive are one route's figures.
type routeLive struct {
	key  routeKey
	secs [window]liveSecond
}

type liveSecond struct {
	sec                    atomic.Int64
	count, e4xx, e5xx      atomic.Uint64
	cacheHits, cacheMisses atomic.Uint64
	lat                    [numLatBins]atomic.Uint32
}

// recentRequest is one line of the console's last requests.
type recentRequest struct {
	Time      time.Time
	RequestID string
	API       string
	Stage     string
	Method    string
	Path      string
	Resource  string
	Status    int
	Latency   time.Duration
	Error     string
	Canary    bool
	TraceID   string
}

func newLiveStats(n int, now func() time.Time) *liveStats {
	return &liveStats{now: now, routes: map[routeKey]*routeLive{}, ring: make([]recentRequest, n)}
}

// route returns the figures of route k, the same across redeployments.
func (l *liveStats) route(k routeKey) *routeLive {
	l.mu.Lock()
	defer l.mu.Unlock()
	rl := l.routes[k]
	if rl == nil {
		rl = &routeLive{key: k}
		l.routes[k] = rl
	}
	return rl
}

// second returns the bucket of second sec, emptied when it last held an
// older second.
func (rl *routeLive) second(sec int64) *liveSecond {
	b := &rl.secs[sec%window]
	if old := b.sec.Load(); old != sec && b.sec.CompareAndSwap(old, sec) {
		b.count.Store(0)
		b.e4xx.Store(0)
		b.e5xx.Store(0)
		b.cacheHits.Store(0)
		b.cacheMisses.Store(0)
		for i := range b.lat {
			b.lat[i].Store(0)
		}
	}
	return b
}

// latBin is the histogram bucket of latency d.
func latBin(d time.Duration) int {
	if d <= latBase {
		return 0
	}
	i := int(math.Log(float64(d)/float64(latBase)) / logFactor)
	return min(i, numLatBins-1)
}

// binValue is a bucket's middle, for quantiles.
func binValue(i int) time.Duration {
	return time.Duration(float64(latBase) * math.Pow(latFactor, float64(i)+0.5))
}

func (rl *routeLive) record(now time.Time, c *apigw.Context, cache cacheOutcome) {
	b := rl.second(now.Unix())
	b.count.Add(1)
	switch {
	case c.Status >= 500:
		b.e5xx.Add(1)
	case c.Status >= 400:
		b.e4xx.Add(1)
	}
	switch cache {
	case cacheHit:
		b.cacheHits.Add(1)
	case cacheMiss:
		b.cacheMisses.Add(1)
	}
	b.lat[latBin(c.ResponseLatency)].Add(1)
}

// recent adds a request to the last requests, unless enough were added
// in the last moment.
func (l *liveStats) recent(now time.Time, c *apigw.Context) {
	w := now.UnixNano() / int64(recentWindow) << 8
	for {
		old := l.window.Load()
		next := w + 1
		if old&^0xff == w {
			if old&0xff >= recentPerWindow {
				return
			}
			next = old + 1
		}
		if l.window.CompareAndSwap(old, next) {
			break
		}
	}
	r := recentRequest{Time: now, RequestID: c.RequestID, API: c.APIID, Stage: c.Stage, Method: c.HTTPMethod,
		Path: c.Path, Resource: c.ResourcePath, Status: c.Status, Latency: c.ResponseLatency, Canary: c.IsCanaryRequest,
		TraceID: c.XRayTraceID}
	if c.Error.ResponseType != "" {
		r.Error = string(c.Error.ResponseType)
	}
	l.ringMu.Lock()
	l.ring[l.next] = r
	l.next++
	if l.next == len(l.ring) {
		l.next, l.filled = 0, true
	}
	l.ringMu.Unlock()
}

// recents returns the last requests, newest first.
func (l *liveStats) recents() []recentRequest {
	l.ringMu.Lock()
	defer l.ringMu.Unlock()
	n := l.next
	if l.filled {
		n = len(l.ring)
	}
	out := make([]recentRequest, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, l.ring[(l.next-i+len(l.ring))%len(l.ring)])
	}
	return out
}

// RouteSeries are one route's live figures over the last minute, one
// value per second, oldest first.
type RouteSeries struct {
	API      string    `json:"api"`
	Stage    string    `json:"stage"`
	Method   string    `json:"method"`
	Resource string    `json:"resource"`
	Requests []uint64  `json:"requests"` // per second
	Errors   []uint64  `json:"errors"`   // 4XX and 5XX per second
	P50      []float64 `json:"p50"`      // milliseconds; 0 for a second without requests
	P99      []float64 `json:"p99"`
	// Totals over the minute.
	Count       uint64  `json:"count"`
	Errors4XX   uint64  `json:"errors4xx"`
	Errors5XX   uint64  `json:"errors5xx"`
	CacheHits   uint64  `json:"cacheHits"`
	CacheMisses uint64  `json:"cacheMisses"`
	P50Minute   float64 `json:"p50Minute"`
	P99Minute   float64 `json:"p99Minute"`
}

// series returns every route's figures for the minute ending at now, the
// routes that served nothing in it left out, sorted.
func (l *liveStats) series(now time.Time) []RouteSeries {
	l.mu.Lock()
	routes := make([]*routeLive, 0, len(l.routes))
	for _, rl := range l.routes {
		routes = append(routes, rl)
	}
	l.mu.Unlock()
	var out []RouteSeries
	end := now.Unix()
	for _, rl := range routes {
		s := RouteSeries{API: rl.key.api, Stage: rl.key.stage, Method: rl.key.method, Resource: rl.key.resource}
		var minute [numLatBins]uint64
		for sec := end - window + 1; sec <= end; sec++ {
			b := &rl.secs[sec%window]
			if b.sec.Load() != sec {
				s.Requests = append(s.Requests, 0)
				s.Errors = append(s.Errors, 0)
				s.P50 = append(s.P50, 0)
				s.P99 = append(s.P99, 0)
				continue
			}
			var hist [numLatBins]uint64
			for i := range b.lat {
				hist[i] = uint64(b.lat[i].Load())
				minute[i] += hist[i]
			}
			n, e4, e5 := b.count.Load(), b.e4xx.Load(), b.e5xx.Load()
			s.Requests = append(s.Requests, n)
			s.Errors = append(s.Errors, e4+e5)
			s.P50 = append(s.P50, millis(quantile(&hist, 0.50)))
			s.P99 = append(s.P99, millis(quantile(&hist, 0.99)))
			s.Count += n
			s.Errors4XX += e4
			s.Errors5XX += e5
			s.CacheHits += b.cacheHits.Load()
			s.CacheMisses += b.cacheMisses.Load()
		}
		if s.Count == 0 {
			continue
		}
		s.P50Minute, s.P99Minute = millis(quantile(&minute, 0.50)), millis(quantile(&minute, 0.99))
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.API != b.API {
			return a.API < b.API
		}
		if a.Stage != b.Stage {
			return a.Stage < b.Stage
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Method < b.Method
	})
	return out
}

// quantile is the q-quantile of a histogram; 0 when it is empty.
func quantile(h *[numLatBins]uint64, q float64) time.Duration {
	var total uint64
	for _, n := range h {
		total += n
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, n := range h {
		seen += n
		if seen >= rank {
			return binValue(i)
		}
	}
	return binValue(numLatBins - 1)
}
