package usageplan

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// MemoryStoreConfig configures [NewMemoryStore]. The zero value works.
type MemoryStoreConfig struct {
	// MaxClients bounds the number of counter IDs (a key in a plan) whose
	// token buckets are kept; the least recently used are dropped beyond it
	// (a dropped bucket comes back full, which an idle client's bucket is
	// anyway). Default 1,048,576.
	MaxClients int
	// Retention is how long daily usage records are kept. Default 90 days.
	Retention time.Duration
}

// MemoryStore is the in-process [Store]: token buckets from
// golang.org/x/time/rate in a sharded LRU, quota counters and daily usage
// records in maps. It suits one replica; replicas that must share a quota
// use package usageplan/redisstore.
//
// Quota counters are kept for every key that made a request in the current
// period, and usage records for Retention; buckets are bounded by
// MaxClients. A MemoryStore is safe for simultaneous use by multiple
// goroutines and starts no goroutine.
type MemoryStore struct {
	seed      maphash.Seed
	retention Date
	shards    [memShards]memShard
}

const memShards = 64

var _ Store = (*MemoryStore)(nil)

type memShard struct {
	mu       sync.Mutex
	clients  *simplelru.LRU[string, *memClient] // bounded: the buckets
	counters map[string]*memCounter             // the quota state, never evicted
	swept    Date
}

// memClient holds the buckets of one counter ID and a shortcut to its
// counter.
type memClient struct {
	client  memBucket
	methods map[string]*memBucket // per-client per-method buckets, few
	counter *memCounter
}

type memBucket struct {
	lim   *rate.Limiter // nil until first used
	rate  float64
	burst int
}

type memCounter struct {
	period Date
	used   int64
	last   Date       // last day with activity, for sweeping
	days   []DayUsage // ascending, within retention
}

// NewMemoryStore returns an in-process [Store].
func NewMemoryStore(opts MemoryStoreConfig) (*MemoryStore, error) {
	if opts.MaxClients < 0 {
		return nil, fmt.Errorf("usageplan: MemoryStoreConfig.MaxClients %d: must be 0 or more", opts.MaxClients)
	}
	if opts.Retention < 0 {
		return nil, fmt.Errorf("usageplan: MemoryStoreConfig.Retention %v: must be 0 or more", opts.Retention)
	}
	if opts.MaxClients == 0 {
		opts.MaxClients = 1 << 20
	}
	if opts.Retention == 0 {
		opts.Retention = 90 * 24 * time.Hour
	}
	s := &MemoryStore{seed: maphash.MakeSeed(), retention: Date((opts.Retention + 24*time.Hour - 1) / (24 * time.Hour))}
	per := (opts.MaxClients + memShards - 1) / memShards
	for i := range s.shards {
		lru, err := simplelru.NewLRU[string, *memClient](per, nil)
		if err != nil {
			return nil, fmt.Errorf("usageplan: %w", err)
		}
		s.shards[i].clients = lru
		s.shards[i].counters = make(map[string]*memCounter)
	}
	return s, nil
}

func (s *MemoryStore) shard(id string) *memShard {
	return &s.shards[maphash.String(s.seed, id)%memShards]
}

// Admit implements [Store].
func (s *MemoryStore) Admit(_ context.Context, req AdmitRequest) (Decision, error) {
	sh := s.shard(req.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.sweep(req.Today, s.retention)
	if req.Backlog.N > 0 {
		sh.counter(req.ID, req.Backlog.Period).count(req.Backlog.Period, req.Backlog.Today, req.Backlog.N, -2, s.retention)
	}
	mc := sh.client(req.ID)
	c := mc.counter
	c.roll(req.Period)

	dec := Decision{Remaining: -1, Tokens: -1}
	if req.N < 0 { // a refund
		c.count(req.Period, req.Today, req.N, req.Limit, s.retention)
		if req.Limit >= 0 {
			dec.Remaining = req.Limit - c.used
		}
		return dec, nil
	}
	if req.Limit >= 0 && c.used+req.N > req.Limit {
		dec.Outcome = QuotaExceeded
		dec.Remaining = max(req.Limit-c.used, 0)
		return dec, nil
	}
	// The shard's lock serialises every use of these limiters, so a
	// reservation cancelled here is given back exactly.
	n := int(min(req.N, math.MaxInt32))
	var client *memBucket
	var res *rate.Reservation
	hasMethod := req.Method != "" && req.MethodThrottle != nil
	if req.Throttle != nil {
		client = mc.client.set(req.Throttle, req.Now)
		if !hasMethod { // nothing to give back to: the cheaper AllowN
			if !client.lim.AllowN(req.Now, n) {
				dec.Outcome, dec.RetryAfter = Throttled, client.wait(req.Now, n)
				return dec, nil
			}
		} else {
			res = client.lim.ReserveN(req.Now, n)
			if wait := res.DelayFrom(req.Now); wait > 0 {
				res.CancelAt(req.Now)
				dec.Outcome, dec.RetryAfter = Throttled, min(wait, never)
				return dec, nil
			}
		}
	}
	if hasMethod {
		m := mc.method(req.Method).set(req.MethodThrottle, req.Now)
		if !m.lim.AllowN(req.Now, n) {
			if res != nil {
				res.CancelAt(req.Now)
			}
			dec.Outcome, dec.RetryAfter, dec.MethodThrottled = Throttled, m.wait(req.Now, n), true
			return dec, nil
		}
	}
	c.count(req.Period, req.Today, req.N, req.Limit, s.retention)
	if req.Limit >= 0 {
		dec.Remaining = req.Limit - c.used
	}
	if client != nil && req.WantTokens {
		dec.Tokens = int64(math.Floor(client.lim.TokensAt(req.Now)))
	}
	return dec, nil
}

// client returns the entry of id, creating it (and finding its counter)
// when the LRU has none.
func (sh *memShard) client(id string) *memClient {
	if mc, ok := sh.clients.Get(id); ok {
		return mc
	}
	mc := &memClient{counter: sh.counter(id, 0)}
	sh.clients.Add(id, mc)
	return mc
}

func (mc *memClient) method(name string) *memBucket {
	b := mc.methods[name]
	if b == nil {
		if mc.methods == nil {
			mc.methods = make(map[string]*memBucket, 1)
		}
		b = &memBucket{}
		mc.methods[name] = b
	}
	return b
}

// set applies t to b, creating its limiter full on first use.
func (b *memBucket) set(t *Throttle, now time.Time) *memBucket {
	switch {
	case b.lim == nil:
		b.lim = rate.NewLimiter(limitOf(t.Rate), t.Burst)
		b.rate, b.burst = t.Rate, t.Burst
	case b.rate != t.Rate:
		b.lim.SetLimitAt(now, limitOf(t.Rate))
		b.rate = t.Rate
		fallthrough
	case b.burst != t.Burst:
		b.lim.SetBurstAt(now, t.Burst)
		b.burst = t.Burst
	}
	return b
}

func limitOf(r float64) rate.Limit {
	if r == Unlimited {
		return rate.Inf
	}
	return rate.Limit(r)
}

// wait is how long until b holds n tokens; 0 when it does now. It mirrors
// rate.Limiter's own arithmetic so that the AllowN that follows agrees.
func (b *memBucket) wait(now time.Time, n int) time.Duration {
	if n > b.burst && b.rate != Unlimited {
		return time.Hour
	}
	missing := float64(n) - b.lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	if b.rate <= 0 {
		return time.Hour
	}
	return time.Duration(missing / b.rate * float64(time.Second))
}

func (sh *memShard) counter(id string, period Date) *memCounter {
	c := sh.counters[id]
	if c == nil {
		c = &memCounter{period: period}
		sh.counters[id] = c
	}
	c.roll(period)
	return c
}

// roll starts period when it is later than the counter's.
func (c *memCounter) roll(period Date) {
	if period > c.period {
		c.period, c.used = period, 0
	}
}

// count adds n requests made on day in period. limit below -1 leaves the
// day's remaining figure as it is (a backlog).
func (c *memCounter) count(period, day Date, n, limit int64, retention Date) {
	if period == c.period {
		c.used += n
	}
	d := c.day(day, retention)
	d.Used += n
	switch {
	case limit >= 0:
		d.Remaining = limit - c.used
	case limit == -1:
		d.Remaining = -1
	}
}

// day returns the record of day, inserting it in order.
func (c *memCounter) day(day Date, retention Date) *DayUsage {
	if day > c.last {
		c.last = day
	}
	n := len(c.days)
	if n > 0 && c.days[n-1].Date == day {
		return &c.days[n-1]
	}
	i := sort.Search(n, func(i int) bool { return c.days[i].Date >= day })
	if i < n && c.days[i].Date == day {
		return &c.days[i]
	}
	c.days = append(c.days, DayUsage{})
	copy(c.days[i+1:], c.days[i:])
	c.days[i] = DayUsage{Date: day, Remaining: -1, Recorded: true}
	// Forget the days beyond retention.
	cut := 0
	for cut < len(c.days)-1 && c.days[cut].Date <= c.last-retention {
		cut++
	}
	if cut > 0 {
		c.days = append(c.days[:0], c.days[cut:]...)
		i -= cut
	}
	return &c.days[i]
}

// sweep forgets, once per day, the counters idle for longer than retention.
func (sh *memShard) sweep(today, retention Date) {
	if today <= sh.swept {
		return
	}
	sh.swept = today
	for id, c := range sh.counters {
		if c.last < today-retention {
			delete(sh.counters, id)
			sh.clients.Remove(id)
		}
	}
}

// SetRemaining implements [Store].
func (s *MemoryStore) SetRemaining(_ context.Context, c Counter, remaining int64) error {
	if c.Limit < 0 {
		return errors.New("usageplan: SetRemaining: the plan has no quota")
	}
	sh := s.shard(c.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	mc := sh.counter(c.ID, c.Period)
	mc.used = c.Limit - remaining
	mc.day(c.Today, s.retention).Remaining = remaining
	return nil
}

// Usage implements [Store].
func (s *MemoryStore) Usage(_ context.Context, id string, from, to Date) ([]DayUsage, error) {
	if to < from || to-from > maxReportDays {
		return nil, fmt.Errorf("usageplan: Usage: %v to %v: want at most %d days, in order", from, to, maxReportDays+1)
	}
	out := make([]DayUsage, to-from+1)
	for i := range out {
		out[i] = DayUsage{Date: from + Date(i), Remaining: -1}
	}
	sh := s.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c := sh.counters[id]; c != nil {
		for _, d := range c.days {
			if d.Date >= from && d.Date <= to {
				out[d.Date-from] = d
			}
		}
	}
	return out, nil
}

// maxReportDays bounds the days one usage read may span, beyond the
// report's own range the start of its first quota period.
const maxReportDays = 400
