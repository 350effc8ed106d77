package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw/internal/redisopt"
	"github.com/apigw/apigw/usageplan"
	"github.com/redis/go-redis/v9"
)

// DefaultTimeout is the default of [Options.Timeout]. It is long enough for
// a healthy Redis that many requests keep busy: the store's calls, measured
// under load on a 2-core machine also running other work
// (BenchmarkAdmitLatency; one Redis, go-redis's default pool), took at most
// 30 ms with 16 requests at once, 252 ms with 256 (99.9th percentile 249
// ms) and 261 ms with 1,024 (99th percentile 185 ms): 100 ms, the former
// default, refused 0.5 to 5.5 % of them under FailClosed.
const DefaultTimeout = 500 * time.Millisecond

// Options configures [New].
type Options struct {
	// Client is the Redis connection: a *redis.Client, *redis.ClusterClient,
	// *redis.Ring or anything else that runs scripts. Required. Every key
	// of one request shares a hash tag, so Redis Cluster works.
	Client redis.Scripter
	// Prefix starts every key this store writes, so that several gateways
	// (or tests) can share one Redis. Default "apigw:usage:". It may not
	// contain '{' or '}' (the store's hash tags).
	Prefix string
	// Timeout bounds how long a request waits for Redis: past it the
	// registry applies its failure policy even when the client would wait
	// longer. Default [DefaultTimeout].
	Timeout time.Duration
	// Retention is how long daily usage records are kept. Default 90 days.
	Retention time.Duration
	// WaitReplicas, when above 0, makes each admission wait until this
	// many replicas of the master that ran it have its writes (Redis
	// WAIT), for up to WaitTimeout: Redis replicates asynchronously, and a
	// master that crashes before its replicas have an admission loses it
	// when a replica takes over (a quota of 3,000 admitted 3,007 in one
	// such test). When fewer replicas acknowledge in time, the request is
	// answered by the registry's failure policy, its count kept (fail
	// open) or given back (fail closed). It costs a round trip to the
	// replicas on every request. The client must be a *redis.Client or a
	// *redis.ClusterClient. Default 0: no waiting.
	WaitReplicas int
	// WaitTimeout bounds the wait for replicas. Default half of Timeout.
	WaitTimeout time.Duration
}

// Store is a [usageplan.Store] in Redis, shared by every replica that uses
// the same Redis and Prefix: quota counters and daily usage records, and
// GCRA token buckets for the plans' throttles. Each request is one Lua
// script, so one round trip decides buckets and quota together and replicas
// never over-admit.
//
// A Store is safe for simultaneous use by multiple goroutines. It owns no
// connection. Each Admit runs in a goroutine of its own, which outlives
// Timeout when Redis is slow to answer, for up to a minute, to learn the
// call's outcome (see the package doc); SetRemaining and Usage run in one
// only for a client that ignores context deadlines (ContextTimeoutEnabled
// false), until the client itself gives up.
type Store struct {
	client    redis.Scripter
	prefix    string
	timeout   time.Duration
	retention time.Duration
	replicas  int   // WaitReplicas
	waitMS    int64 // WaitTimeout in milliseconds
	direct    bool  // the client honours context deadlines
	inflight  atomic.Int64

	admit, setRemaining, usage *redis.Script
}

var _ usageplan.Store = (*Store)(nil)

// New returns a Store, or an error naming each bad option.
func New(opts Options) (*Store, error) {
	var errs []error
	if opts.Client == nil {
		errs = append(errs, errors.New("redisstore: Options.Client is nil"))
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		errs = append(errs, fmt.Errorf("redisstore: Options.Prefix %q: may not contain { or }", opts.Prefix))
	}
	if opts.Timeout < 0 {
		errs = append(errs, fmt.Errorf("redisstore: Options.Timeout %v: must be 0 or more", opts.Timeout))
	}
	if opts.WaitReplicas < 0 {
		errs = append(errs, fmt.Errorf("redisstore: Options.WaitReplicas %d: must be 0 or more", opts.WaitReplicas))
	}
	if opts.WaitTimeout < 0 {
		errs = append(errs, fmt.Errorf("redisstore: Options.WaitTimeout %v: must be 0 or more", opts.WaitTimeout))
	}
	if opts.WaitReplicas > 0 {
		switch opts.Client.(type) {
		case *redis.Client, *redis.ClusterClient:
		default:
			errs = append(errs, fmt.Errorf("redisstore: Options.WaitReplicas: needs a *redis.Client or *redis.ClusterClient, not %T", opts.Client))
		}
	}
	if opts.Retention < 0 {
		errs = append(errs, fmt.Errorf("redisstore: Options.Retention %v: must be 0 or more", opts.Retention))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &Store{
		client:       opts.Client,
		prefix:       opts.Prefix,
		timeout:      opts.Timeout,
		retention:    opts.Retention,
		replicas:     opts.WaitReplicas,
		direct:       honoursContext(opts.Client),
		admit:        redis.NewScript(admitLua),
		setRemaining: redis.NewScript(setRemainingLua),
		usage:        redis.NewScript(usageLua),
	}
	if s.prefix == "" {
		s.prefix = "apigw:usage:"
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	wait := opts.WaitTimeout
	if wait == 0 {
		wait = s.timeout / 2
	}
	s.waitMS = max(wait.Milliseconds(), 1)
	if s.retention == 0 {
		s.retention = 90 * 24 * time.Hour
	}
	return s, nil
}

// honoursContext reports whether c is a go-redis client configured to stop
// at a context's deadline.
func honoursContext(c redis.Scripter) bool {
	enabled, _ := redisopt.ContextTimeoutEnabled(c)
	return enabled
}

// tag is the hash-tagged head of every key of counter id.
func (s *Store) tag(id string) string { return s.prefix + "{" + id + "}" }

// ttls returns, as seconds from now, how long to keep the quota counter of
// a period that ends on periodEnd (a day longer, for replicas whose clocks
// lag) and the usage record of day (the retention past its end). TTLs
// rather than absolute times keep them right whatever Redis's own clock.
func (s *Store) ttls(now time.Time, periodEnd, day usageplan.Date) (quota, record string) {
	secs := func(t time.Time) string {
		return strconv.FormatInt(max(int64(math.Ceil(t.Sub(now).Seconds())), 1), 10)
	}
	return secs((periodEnd + 1).Time()), secs((day + 1).Time().Add(s.retention))
}

// Admit implements [usageplan.Store].
func (s *Store) Admit(ctx context.Context, req usageplan.AdmitRequest) (usageplan.Decision, error) {
	tag := s.tag(req.ID)
	keys := make([]string, 5, 7)
	keys[0] = tag + ":q:" + req.Period.String()
	keys[1] = tag + ":d:" + req.Today.String()
	keys[2], keys[3], keys[4] = keys[0], keys[1], keys[0]
	bl := req.Backlog
	if bl.N > 0 {
		keys[2] = tag + ":q:" + bl.Period.String()
		keys[3] = tag + ":d:" + bl.Today.String()
		keys[4] = tag + ":b:" + bl.ID
	}
	want := "0"
	if req.WantTokens && req.Throttle != nil {
		want = "1"
	}
	args := make([]any, 9, 13)
	args[0] = strconv.FormatInt(req.Now.UnixMicro(), 10)
	args[1] = strconv.FormatInt(req.Limit, 10)
	args[2] = strconv.FormatInt(req.N, 10)
	args[3], args[4] = s.ttls(req.Now, req.PeriodEnd, req.Today)
	args[5] = strconv.FormatInt(bl.N, 10)
	args[6], args[7] = s.ttls(req.Now, bl.PeriodEnd, bl.Today)
	args[8] = want
	if req.N >= 0 {
		if t := req.Throttle; t != nil {
			keys = append(keys, tag+":r")
			args = append(args, interval(t.Rate), strconv.Itoa(t.Burst))
		}
		if t := req.MethodThrottle; t != nil && req.Method != "" {
			keys = append(keys, tag+":r:"+req.Method)
			args = append(args, interval(t.Rate), strconv.Itoa(t.Burst))
		}
	}
	return s.call(ctx, keys, args, req.Throttle != nil)
}

// call runs the admit script in a goroutine of its own and waits for it up
// to Timeout (or until ctx ends). Past that it returns a
// *usageplan.Pending, and the goroutine goes on waiting for the call, up
// to lateLimit, to report its outcome: Redis may run it all the same (a
// Redis frozen for a while runs the calls queued meanwhile when it
// resumes), and the registry must know whether the request was counted.
func (s *Store) call(ctx context.Context, keys []string, args []any, clientBucket bool) (usageplan.Decision, error) {
	if s.inflight.Add(1) > maxInFlight {
		s.inflight.Add(-1)
		return usageplan.Decision{}, errBusy
	}
	c := &admitCall{done: make(chan struct{})}
	go func() {
		defer s.inflight.Add(-1)
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lateLimit)
		defer cancel()
		dec, err := s.runAdmit(cctx, keys, args, clientBucket)
		c.mu.Lock()
		c.dec, c.err = dec, err
		p := c.pending
		c.mu.Unlock()
		close(c.done)
		if p != nil {
			p.Resolve(dec, err)
		}
	}()
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	var why error
	select {
	case <-c.done:
		return c.dec, c.err
	case <-timer.C:
		why = context.DeadlineExceeded
	case <-ctx.Done():
		why = ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done: // it finished meanwhile
		return c.dec, c.err
	default:
	}
	redisopt.Failed(s.client, why)
	c.pending = usageplan.NewPending(fmt.Errorf("redisstore: Admit: no answer from Redis within %v: %w", s.timeout, why))
	return usageplan.Decision{}, c.pending
}

// admitCall is one call of the admit script.
type admitCall struct {
	done    chan struct{} // closed once dec and err are set
	mu      sync.Mutex
	dec     usageplan.Decision
	err     error
	pending *usageplan.Pending // set when the caller stopped waiting
}

// runAdmit runs the admit script and decodes its answer.
func (s *Store) runAdmit(ctx context.Context, keys []string, args []any, clientBucket bool) (dec usageplan.Decision, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("redisstore: client panicked: %v", p)
		}
	}()
	var v any
	var acks int64
	if s.replicas > 0 {
		v, acks, err = s.runWaiting(ctx, keys, args)
	} else {
		v, err = s.admit.Run(ctx, s.client, keys, args...).Result()
	}
	if err != nil {
		redisopt.Failed(s.client, err)
		return usageplan.Decision{}, wrap(err)
	}
	defer func() {
		if err == nil && s.replicas > 0 && acks < int64(s.replicas) {
			// Counted on the master only: the failure policy decides,
			// and the registry knows the count stands.
			p := usageplan.NewPending(fmt.Errorf("redisstore: Admit: %d of %d replicas acknowledged within %d ms", acks, s.replicas, s.waitMS))
			p.Resolve(dec, nil)
			dec, err = usageplan.Decision{}, p
		}
	}()
	r, ok := v.([]any)
	if !ok || len(r) < 4 || len(r) > 5 {
		return usageplan.Decision{}, fmt.Errorf("redisstore: Admit: unexpected reply %v", v)
	}
	var n [5]int64
	for i := range r {
		if n[i], ok = r[i].(int64); !ok {
			return usageplan.Decision{}, fmt.Errorf("redisstore: Admit: unexpected reply %v", v)
		}
	}
	dec = usageplan.Decision{Remaining: n[2], Tokens: n[3]}
	switch n[0] {
	case 0:
		dec.Outcome = usageplan.Admitted
	case 1:
		dec.Outcome = usageplan.Throttled
		dec.RetryAfter = time.Duration(n[1]) * time.Microsecond
		// The buckets are the per-client one, when there is one, then the
		// per-method one.
		dec.MethodThrottled = n[4] == 2 || (n[4] == 1 && !clientBucket)
	case 2:
		dec.Outcome = usageplan.QuotaExceeded
	default:
		return usageplan.Decision{}, fmt.Errorf("redisstore: Admit: unexpected reply %v", v)
	}
	return dec, nil
}

// runWaiting runs the admit script and WAIT in one pipeline, on the
// connection to the master of the keys' slot, and returns the script's
// answer and the number of replicas that acknowledged.
func (s *Store) runWaiting(ctx context.Context, keys []string, args []any) (any, int64, error) {
	var node *redis.Client
	switch c := s.client.(type) {
	case *redis.Client:
		node = c
	case *redis.ClusterClient:
		n, err := c.MasterForKey(ctx, keys[0])
		if err != nil {
			return nil, 0, err
		}
		node = n
	}
	for _, load := range []bool{false, true} {
		pipe := node.Pipeline()
		var ev *redis.Cmd
		if load {
			ev = s.admit.Eval(ctx, pipe, keys, args...)
		} else {
			ev = s.admit.EvalSha(ctx, pipe, keys, args...)
		}
		wait := pipe.Do(ctx, "WAIT", s.replicas, s.waitMS)
		_, _ = pipe.Exec(ctx)
		if err := ev.Err(); err != nil {
			if !load && strings.HasPrefix(err.Error(), "NOSCRIPT") {
				continue
			}
			return nil, 0, err
		}
		acks, err := wait.Int64()
		if err != nil {
			return nil, 0, err
		}
		return ev.Val(), acks, nil
	}
	return nil, 0, errors.New("redisstore: NOSCRIPT after EVAL")
}

// maxInFlight bounds the admit calls in flight, those that their callers
// stopped waiting for included; past it Admit fails at once, without
// calling Redis.
const maxInFlight = 10_000

// lateLimit bounds how long a call goes on after its caller stopped
// waiting (Redis frozen, say): past it its outcome is unknown, and the
// registry counts a fail-open request itself.
const lateLimit = time.Minute

var errBusy = fmt.Errorf("redisstore: Admit: %d calls waiting for Redis already", maxInFlight)

// interval is the GCRA emission interval of rate, in microseconds.
func interval(rate float64) string {
	if rate <= 0 {
		return "1e18" // no refill
	}
	return strconv.FormatFloat(1e6/rate, 'g', 17, 64)
}

// SetRemaining implements [usageplan.Store].
func (s *Store) SetRemaining(ctx context.Context, c usageplan.Counter, remaining int64) error {
	if c.Limit < 0 {
		return errors.New("redisstore: SetRemaining: the plan has no quota")
	}
	tag := s.tag(c.ID)
	keys := []string{tag + ":q:" + c.Period.String(), tag + ":d:" + c.Today.String()}
	quotaTTL, recordTTL := s.ttls(c.Today.Time(), c.PeriodEnd, c.Today)
	args := []any{strconv.FormatInt(c.Limit-remaining, 10), strconv.FormatInt(remaining, 10), quotaTTL, recordTTL}
	_, err := s.run(ctx, s.setRemaining, keys, args)
	return err
}

// maxDays bounds the days one Usage call may read.
const maxDays = 400

// Usage implements [usageplan.Store].
func (s *Store) Usage(ctx context.Context, id string, from, to usageplan.Date) ([]usageplan.DayUsage, error) {
	if to < from || to-from >= maxDays {
		return nil, fmt.Errorf("redisstore: Usage: %v to %v: want at most %d days, in order", from, to, maxDays)
	}
	tag := s.tag(id)
	keys := make([]string, 0, to-from+1)
	for d := from; d <= to; d++ {
		keys = append(keys, tag+":d:"+d.String())
	}
	v, err := s.run(ctx, s.usage, keys, nil)
	if err != nil {
		return nil, err
	}
	r, ok := v.([]any)
	if !ok || len(r) != 2*len(keys) {
		return nil, fmt.Errorf("redisstore: Usage: unexpected reply of %T", v)
	}
	out := make([]usageplan.DayUsage, len(keys))
	for i := range out {
		used, ok1 := r[2*i].(int64)
		rem, ok2 := r[2*i+1].(int64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("redisstore: Usage: unexpected reply %v", r[2*i:2*i+2])
		}
		out[i] = usageplan.DayUsage{Date: from + usageplan.Date(i), Used: used, Remaining: rem, Recorded: rem != -2}
		if rem == -2 {
			out[i].Remaining = -1
		}
	}
	return out, nil
}

// run runs script within the store's timeout. A client that ignores
// context deadlines runs in a goroutine the caller stops waiting for at the
// deadline.
func (s *Store) run(ctx context.Context, script *redis.Script, keys []string, args []any) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if s.direct {
		v, err := script.Run(ctx, s.client, keys, args...).Result()
		redisopt.Failed(s.client, err)
		return v, wrap(err)
	}
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1) // buffered: a late goroutine never blocks
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("redisstore: client panicked: %v", p)}
			}
		}()
		v, err := script.Run(ctx, s.client, keys, args...).Result()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		redisopt.Failed(s.client, r.err)
		return r.v, wrap(r.err)
	case <-ctx.Done():
		redisopt.Failed(s.client, ctx.Err())
		return nil, wrap(ctx.Err())
	}
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("redisstore: %w", err)
}
