package usageplan

import (
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// FailurePolicy says what a request gets when the [Store] fails or does not
// answer within its timeout.
type FailurePolicy uint8

// The failure policies.
const (
	// FailOpen admits the request unthrottled, as AWS does when its usage
	// plan check fails ("Usage Plan check failed due to an internal
	// error"), logs a warning and counts the request toward quota and usage
	// once the store answers again. The default.
	FailOpen FailurePolicy = iota
	// FailClosed refuses the request with a 500 (DEFAULT_5XX, "Internal
	// server error") through apigw.WriteError.
	FailClosed
)

// Config configures a [Registry]. The zero value works: in-memory state,
// keys from the x-api-key header, AWS's account throttle, fail open.
type Config struct {
	// Store keeps buckets, quota counters and usage. Default: a
	// [MemoryStore] with its default options.
	Store Store
	// Now is the clock. Default time.Now. Tests inject a fake one.
	Now func() time.Time
	// KeySource is where methods find the API key unless their
	// [MethodSpec] says otherwise. Default [FromHeader].
	KeySource KeySource
	// AccountThrottle is the account level shared by every method of every
	// API served through this registry. Default AWS's: 10,000 requests per
	// second, burst 5,000. &Throttle{Rate: Unlimited} switches it off. It
	// is local to the process: with N replicas the account admits N times
	// as much.
	AccountThrottle *Throttle
	// OnStoreError is the policy when the store fails. Default FailOpen.
	OnStoreError FailurePolicy
	// RateLimitHeaders adds RateLimit-Limit, RateLimit-Remaining and
	// RateLimit-Reset (IETF httpapi draft) to the answers: on a throttled
	// 429, the throttle that refused it (its burst, 0, the seconds until
	// it has a token: Retry-After); on a quota 429, the quota (its limit,
	// 0, the seconds to the period's end); on an admitted request of a
	// method that requires a key, the plan's quota when it has one, else
	// its per-client throttle. Default off.
	RateLimitHeaders bool
	// StrictKeyValues applies AWS's rule to imported key values exactly:
	// A-Z a-z 0-9 only, no '-' or '_'. Default off.
	StrictKeyValues bool
	// Logger receives the warnings of the fail-open policy, at most one per
	// second. Default slog.Default().
	Logger *slog.Logger
	// MaxBacklog bounds the number of keys whose fail-open requests wait to
	// be counted; beyond it they are dropped (and logged). Default 100,000.
	MaxBacklog int
}

// Registry holds API keys and usage plans and enforces them: the
// [Registry.Middleware] of each method checks the key, the throttles in
// AWS's order and the quota. Keys and plans may be added, changed, disabled
// and removed at any time, also while requests are served: each request
// sees a consistent snapshot, and the request path takes no lock of the
// registry.
//
// A Registry is safe for simultaneous use by multiple goroutines and starts
// no goroutine.
type Registry struct {
	store     Store
	now       func() time.Time
	keySource KeySource
	policy    FailurePolicy
	headers   bool
	strict    bool
	log       *slog.Logger
	seed      maphash.Seed
	account   *level // nil: Unlimited

	// The read side: key shards by value hash and the plans, each replaced
	// whole (copy on write) under mu.
	shards [keyShards]atomic.Pointer[keyShard]
	plans  atomic.Pointer[planSet]

	mu       sync.Mutex                     // serialises writers
	byID     map[string]*keyEntry           // writer side, under mu
	planKeys map[string]map[string]struct{} // plan ID → key IDs, under mu
	slots    map[string]*planSlot           // plan ID → slot, under mu
	methods  map[methodRef]*level           // method buckets, under mu
	backlog  backlog

	warnNext       atomic.Int64 // unix nanoseconds before which warnings are suppressed
	warnSuppressed atomic.Int64
	counters       registryCounters
}

const keyShards = 1024

// keyShard is an immutable map from a value's hash to the keys with that
// hash (almost always one).
type keyShard struct {
	m map[uint64][]*keyEntry
}

// keyEntry is an immutable view of one key and the plans it belongs to.
type keyEntry struct {
	key      APIKey
	hash     uint64
	bindings []binding // sorted by plan ID
}

// binding is a key's membership of one plan.
type binding struct {
	planID    string
	counterID string    // planID + "/" + keyID
	slot      *planSlot // the plan's current state, without a map lookup
}

// planSlot holds the current state of one plan ID; nil once removed.
type planSlot struct {
	ps       atomic.Pointer[planState]
	counters planCounters
}

// planSet is an immutable map of the plans.
type planSet struct {
	m map[string]*planState
}

// planState is an immutable, compiled plan.
type planState struct {
	plan     Plan
	throttle *Throttle // nil when none or Unlimited
	initial  Date      // first day of the initial quota period
	stages   map[stageRef]*stageState
	list     []stageEntry // the stages again, scanned when few
	period   atomic.Pointer[periodCache]
}

type stageEntry struct {
	ref stageRef
	st  *stageState
}

// stage returns the state of stage s, nil when p does not cover it.
func (p *planState) stage(s stageRef) *stageState {
	if len(p.list) <= 8 {
		for i := range p.list {
			if p.list[i].ref == s {
				return p.list[i].st
			}
		}
		return nil
	}
	return p.stages[s]
}

type stageRef struct{ apiID, stage string }

type stageState struct {
	methods map[string]*Throttle // "/pets/GET" → per-client per-method throttle
}

type methodRef struct{ apiID, stage, resource, method string }

// New returns a Registry configured by opts, or an error naming each bad
// field.
func New(opts Config) (*Registry, error) {
	var errs []error
	switch opts.KeySource {
	case "", FromHeader, FromAuthorizer:
	default:
		errs = append(errs, fmt.Errorf("usageplan: Config.KeySource %q: must be HEADER or AUTHORIZER", opts.KeySource))
	}
	if opts.OnStoreError > FailClosed {
		errs = append(errs, fmt.Errorf("usageplan: Config.OnStoreError %d: must be FailOpen or FailClosed", opts.OnStoreError))
	}
	account := Throttle{Rate: 10000, Burst: 5000}
	if opts.AccountThrottle != nil {
		account = *opts.AccountThrottle
		if err := account.validateLocal(); err != nil {
			errs = append(errs, fmt.Errorf("usageplan: Config.AccountThrottle: %w", err))
		}
	}
	if opts.MaxBacklog < 0 {
		errs = append(errs, fmt.Errorf("usageplan: Config.MaxBacklog %d: must be 0 or more", opts.MaxBacklog))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r := &Registry{
		store:     opts.Store,
		now:       opts.Now,
		keySource: opts.KeySource,
		policy:    opts.OnStoreError,
		headers:   opts.RateLimitHeaders,
		strict:    opts.StrictKeyValues,
		log:       opts.Logger,
		seed:      maphash.MakeSeed(),
		byID:      make(map[string]*keyEntry),
		planKeys:  make(map[string]map[string]struct{}),
		slots:     make(map[string]*planSlot),
		methods:   make(map[methodRef]*level),
	}
	r.account = newLevel(account)
	if r.store == nil {
		s, err := NewMemoryStore(MemoryStoreConfig{})
		if err != nil {
			return nil, err
		}
		r.store = s
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.keySource == "" {
		r.keySource = FromHeader
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if opts.MaxBacklog == 0 {
		opts.MaxBacklog = 100_000
	}
	r.backlog.init(opts.MaxBacklog)
	r.plans.Store(&planSet{m: map[string]*planState{}})
	empty := &keyShard{} // immutable: shared until a shard's first key
	for i := range r.shards {
		r.shards[i].Store(empty)
	}
	return r, nil
}

// MustNew is like [New] but panics on a bad configuration; for examples and
// tests.
func MustNew(opts Config) *Registry {
	r, err := New(opts)
	if err != nil {
		panic(err)
	}
	return r
}

// Store returns the registry's store.
func (r *Registry) Store() Store { return r.store }

func (r *Registry) hash(value string) uint64 { return maphash.String(r.seed, value) }

// lookup finds the key whose value is value, comparing values in constant
// time; nil when none.
func (r *Registry) lookup(value string) *keyEntry {
	if len(value) == 0 || len(value) > MaxKeyLen {
		return nil
	}
	h := r.hash(value)
	for _, e := range r.shards[h%keyShards].Load().m[h] {
		if equalValue(e.key.Value, value) {
			return e
		}
	}
	return nil
}

// KeyByValue returns the key whose value is value (compared in constant
// time), as a request would find it.
func (r *Registry) KeyByValue(value string) (APIKey, bool) {
	if e := r.lookup(value); e != nil {
		return e.key, true
	}
	return APIKey{}, false
}

// planFor returns the enabled plan of e that covers stage s, and that
// stage.
func (e *keyEntry) planFor(s stageRef) (*planState, *stageState, *binding) {
	for i := range e.bindings {
		b := &e.bindings[i]
		p := b.slot.ps.Load()
		if p == nil || p.plan.Disabled {
			continue
		}
		if st := p.stage(s); st != nil {
			return p, st, b
		}
	}
	return nil, nil, nil
}

// compilePlan builds the immutable state of p, already validated.
func compilePlan(p Plan) *planState {
	ps := &planState{plan: p, stages: make(map[stageRef]*stageState, len(p.Stages))}
	if p.Throttle != nil && p.Throttle.Rate != Unlimited {
		ps.throttle = p.Throttle
	}
	if p.Quota != nil {
		ps.initial, _ = periodBounds(p.Quota.Period, DateOf(p.CreatedAt))
	}
	for _, s := range p.Stages {
		st := &stageState{methods: make(map[string]*Throttle, len(s.Throttle))}
		for k, t := range s.Throttle {
			if t.Rate != Unlimited {
				st.methods[k] = &t
			}
		}
		ps.stages[stageRef{s.APIID, s.Stage}] = st
		ps.list = append(ps.list, stageEntry{stageRef{s.APIID, s.Stage}, st})
	}
	return ps
}

// putEntries publishes new and withdraws old key entries, copying each
// touched shard once. Callers hold mu.
func (r *Registry) putEntries(add []*keyEntry, remove []*keyEntry) {
	touched := make(map[uint64]map[uint64][]*keyEntry)
	shardMap := func(h uint64) map[uint64][]*keyEntry {
		i := h % keyShards
		if m, ok := touched[i]; ok {
			return m
		}
		old := r.shards[i].Load().m
		m := make(map[uint64][]*keyEntry, len(old)+1)
		for k, v := range old {
			m[k] = v
		}
		touched[i] = m
		return m
	}
	for _, e := range remove {
		m := shardMap(e.hash)
		list := m[e.hash]
		out := make([]*keyEntry, 0, len(list))
		for _, x := range list {
			if x.key.ID != e.key.ID {
				out = append(out, x)
			}
		}
		if len(out) == 0 {
			delete(m, e.hash)
		} else {
			m[e.hash] = out
		}
	}
	for _, e := range add {
		m := shardMap(e.hash)
		list := m[e.hash]
		out := make([]*keyEntry, 0, len(list)+1)
		for _, x := range list {
			if x.key.ID != e.key.ID {
				out = append(out, x)
			}
		}
		m[e.hash] = append(out, e)
	}
	for i, m := range touched {
		r.shards[i].Store(&keyShard{m: m})
	}
}
