package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
)

// Limits and defaults, AWS's where AWS has one.
const (
	// DefaultTTL is AWS's default time to live of a cached response.
	DefaultTTL = 300 * time.Second
	// MaxTTL is AWS's longest time to live of a cached response.
	MaxTTL = 3600 * time.Second
	// Disabled as a TTL turns caching off, as AWS's ttlInSeconds 0 does.
	// (A zero TTL in Go means "the default".)
	Disabled time.Duration = -1
	// DefaultCapacity is the default store's capacity: 64 MiB.
	DefaultCapacity = 64 << 20
	// MaxResponseBytes is AWS's limit on a cached response: 1 MB of body.
	// A larger response reaches its client but is not stored.
	MaxResponseBytes = 1 << 20
)

// Header names and values the cache writes.
const (
	// XCacheHeader is the header [Config.XCache] adds: "Hit" when the
	// response came from the cache, "Miss" when from the integration.
	XCacheHeader = "X-Cache"
	// WarningHeader carries [WarningValue] under the
	// SUCCEED_WITH_RESPONSE_HEADER strategy. AWS documents "a warning
	// header" without naming it; apigw uses the standard Warning header.
	WarningHeader = "Warning"
	// WarningValue tells a caller its Cache-Control: max-age=0 was ignored.
	WarningValue = `199 apigw "Cache-Control: max-age=0 ignored: the caller may not invalidate the cache"`
)

// Strategy is what happens to a Cache-Control: max-age=0 request whose
// caller may not invalidate the cache (AWS's
// unauthorizedCacheControlHeaderStrategy).
type Strategy string

// The strategies, as AWS names them.
const (
	// FailWith403 refuses the request with a 403 ACCESS_DENIED gateway
	// response ({"message":"User is not authorized to access this
	// resource"}), rendered by apigw.WriteError so that gateway response
	// customisations apply.
	FailWith403 Strategy = "FAIL_WITH_403"
	// SucceedWithResponseHeader ignores the header, answers as if it were
	// absent (from the cache when it can) and adds [WarningHeader]. The
	// default.
	SucceedWithResponseHeader Strategy = "SUCCEED_WITH_RESPONSE_HEADER"
	// SucceedWithoutResponseHeader ignores the header silently.
	SucceedWithoutResponseHeader Strategy = "SUCCEED_WITHOUT_RESPONSE_HEADER"
)

// Store keeps encoded entries for a [Cache]. Keys are opaque strings built by
// the Cache; entries are immutable. Implementations must be safe for
// simultaneous use by multiple goroutines and should bound every call by
// their own timeout: the Cache treats an error as a miss (or, for Set, as
// nothing stored) and never retries. [MemoryStore] is the default;
// package cache/rediscache shares entries between processes.
type Store interface {
	// Get returns the live entry stored under key, or nil when there is
	// none or it has expired.
	Get(ctx context.Context, key string) (*Entry, error)
	// Set stores e under key for ttl (> 0), replacing any entry of that key.
	Set(ctx context.Context, key string, e *Entry, ttl time.Duration) error
	// Delete removes the entry stored under key or, when prefix is true,
	// every entry whose key starts with key.
	Delete(ctx context.Context, key string, prefix bool) error
}

// InvalidateFunc decides whether the caller of r may invalidate the cache
// with Cache-Control: max-age=0: the equivalent of an IAM policy granting
// execute-api:InvalidateCache. c is the request's Context, with the
// authorizer's result in c.Authorizer when the method has an authorizer.
type InvalidateFunc func(r *http.Request, c *apigw.Context) bool

// Config configures a stage's response cache. The zero value is valid: a
// 64 MiB in-memory cache of GET responses for 300 s where nobody may
// invalidate entries (Cache-Control: max-age=0 is ignored with a warning).
type Config struct {
	// Capacity is the default store's size in bytes. Default
	// [DefaultCapacity]. Ignored when Store is set.
	Capacity int64
	// TTL is how long a response stays cached unless a method overrides it:
	// at most [MaxTTL]; [Disabled] turns the stage's caching off (methods
	// may still turn it on with their own TTL). Default [DefaultTTL].
	TTL time.Duration
	// Methods are the HTTP methods cached unless a method's settings say
	// otherwise. Default {"GET"}, as AWS.
	Methods []string
	// Statuses are the response statuses stored. Default: 200–299. Other
	// responses pass through untouched.
	Statuses []int
	// Store keeps the entries. Default: a [MemoryStore] of Capacity bytes
	// on the Now clock.
	Store Store
	// Namespace starts every key, so that several caches (stages, APIs, a
	// canary) can share one Store: 1–64 of the characters A-Z a-z 0-9 _ . : -.
	// Default "apigw".
	Namespace string
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// XCache adds X-Cache: Hit or X-Cache: Miss to every response of a
	// cached method. Default off.
	XCache bool
	// AnyoneMayInvalidate lets every caller invalidate with
	// Cache-Control: max-age=0, as AWS's requireAuthorizationForCacheControl
	// set to false. Default false: only callers CanInvalidate allows may.
	AnyoneMayInvalidate bool
	// CanInvalidate decides which callers may invalidate when
	// AnyoneMayInvalidate is false. Default nil: nobody may.
	CanInvalidate InvalidateFunc
	// UnauthorizedStrategy is applied to a Cache-Control: max-age=0 request
	// whose caller may not invalidate. Default [SucceedWithResponseHeader].
	UnauthorizedStrategy Strategy
	// SeparateCanary gives canary requests (apigw.Context.IsCanaryRequest)
	// entries of their own in the same store: set it to the opposite of the
	// canary's useStageCache. Default false: canary and base share entries.
	SeparateCanary bool
	// Logger receives store failures and panics of CanInvalidate, at most
	// one store failure a second. Default: not logged (see [Cache.Stats]).
	Logger *slog.Logger
}

// Cache is one stage's response cache: build it once with [New], then make
// a middleware per method with [Cache.Middleware] (or [Cache.Handler]).
// A Cache starts no goroutine and needs no Close. It is safe for
// simultaneous use by multiple goroutines.
type Cache struct {
	store          Store
	memory         *MemoryStore // the default store, else nil
	ttl            time.Duration
	methods        []string
	statuses       [600]bool
	ns             string // Namespace + "|"
	now            func() time.Time
	xcache         bool
	anyone         bool
	canInvalidate  InvalidateFunc
	strategy       Strategy
	separateCanary bool
	log            *slog.Logger
	lastLog        atomic.Int64 // UnixNano of the last store failure logged

	flights flightGroup
	stats   struct {
		hits, misses, coalesced, invalidations, denied, storeErrors atomic.Uint64
		waiting                                                     atomic.Int64
	}

	// onWait, when set (tests only), is called when a request starts
	// waiting for another request's call to the integration.
	onWait func()
}

// Stats are a Cache's counters since [New], for metrics.
type Stats struct {
	// Hits are responses served from the cache, Coalesced included.
	Hits uint64
	// Misses are requests of a cached method that went to the integration:
	// nothing cached, expired, or an allowed invalidation.
	Misses uint64
	// Coalesced are misses that waited for a concurrent request's call to
	// the integration and were served its response.
	Coalesced uint64
	// Invalidations are Cache-Control: max-age=0 requests allowed to refresh.
	Invalidations uint64
	// DeniedInvalidations are Cache-Control: max-age=0 requests refused by
	// the rule, handled by the UnauthorizedStrategy.
	DeniedInvalidations uint64
	// StoreErrors are failed Store calls, each served as a miss.
	StoreErrors uint64
	// Waiting is how many requests wait now for a concurrent request's call
	// to the integration (a gauge, not a counter).
	Waiting int64
}

// New checks cfg and returns its Cache. The error names every bad field.
func New(cfg Config) (*Cache, error) {
	var errs []error
	c := &Cache{
		store:          cfg.Store,
		ttl:            cfg.TTL,
		now:            cfg.Now,
		xcache:         cfg.XCache,
		anyone:         cfg.AnyoneMayInvalidate,
		canInvalidate:  cfg.CanInvalidate,
		strategy:       cfg.UnauthorizedStrategy,
		separateCanary: cfg.SeparateCanary,
		log:            cfg.Logger,
	}
	if cfg.Capacity < 0 {
		errs = append(errs, fmt.Errorf("cache: Capacity %d: negative", cfg.Capacity))
	}
	switch {
	case c.ttl == 0:
		c.ttl = DefaultTTL
	case c.ttl == Disabled:
	case c.ttl < 0 || c.ttl > MaxTTL:
		errs = append(errs, fmt.Errorf("cache: TTL %v: not between 0 and %v (or cache.Disabled)", cfg.TTL, MaxTTL))
	}
	c.methods = cfg.Methods
	if len(c.methods) == 0 {
		c.methods = []string{http.MethodGet}
	}
	for i, m := range c.methods {
		if !validMethod(m) {
			errs = append(errs, fmt.Errorf("cache: Methods[%d] %q: not an upper-case HTTP method", i, m))
		}
	}
	if len(cfg.Statuses) == 0 {
		for s := 200; s < 300; s++ {
			c.statuses[s] = true
		}
	}
	for i, s := range cfg.Statuses {
		if s < 200 || s > 599 {
			errs = append(errs, fmt.Errorf("cache: Statuses[%d] %d: not a final HTTP status (200–599)", i, s))
			continue
		}
		c.statuses[s] = true
	}
	ns := cfg.Namespace
	if ns == "" {
		ns = "apigw"
	}
	if !validNamespace(ns) {
		errs = append(errs, fmt.Errorf("cache: Namespace %q: want 1–64 of A-Z a-z 0-9 _ . : -", cfg.Namespace))
	}
	c.ns = ns + "|"
	switch c.strategy {
	case "":
		c.strategy = SucceedWithResponseHeader
	case FailWith403, SucceedWithResponseHeader, SucceedWithoutResponseHeader:
	default:
		errs = append(errs, fmt.Errorf("cache: UnauthorizedStrategy %q: want %s, %s or %s",
			cfg.UnauthorizedStrategy, FailWith403, SucceedWithResponseHeader, SucceedWithoutResponseHeader))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.store == nil {
		c.memory = NewMemoryStore(cfg.Capacity, c.now)
		c.store = c.memory
	}
	c.flights.m = make(map[string]*flight)
	return c, nil
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	return Stats{
		Hits:                c.stats.hits.Load(),
		Misses:              c.stats.misses.Load(),
		Coalesced:           c.stats.coalesced.Load(),
		Invalidations:       c.stats.invalidations.Load(),
		DeniedInvalidations: c.stats.denied.Load(),
		StoreErrors:         c.stats.storeErrors.Load(),
		Waiting:             c.stats.waiting.Load(),
	}
}

// Store returns the store holding the entries: Config.Store, or the
// default *[MemoryStore] (whose Len and Bytes are useful metrics).
func (c *Cache) Store() Store { return c.store }

// Flush empties the cache of stage (apigw.Context.Stage; "" for a Cache used
// without package gateway), canary entries included, as AWS's
// FlushStageCache does. With a shared store only this Cache's Namespace is
// touched.
func (c *Cache) Flush(ctx context.Context, stage string) error {
	prefix := appendField([]byte(c.ns), stage)
	if err := c.store.Delete(ctx, string(prefix), true); err != nil {
		return fmt.Errorf("cache: flushing stage %q: %w", stage, err)
	}
	return nil
}

// Invalidate removes the entry of k, so that the next request for it goes
// to the integration. It fails for a key parameter name that is not one
// of AWS's forms, or when the store fails.
func (c *Cache) Invalidate(ctx context.Context, k Key) error {
	key, err := c.Key(k)
	if err != nil {
		return err
	}
	if err := c.store.Delete(ctx, key, false); err != nil {
		return fmt.Errorf("cache: invalidating %s %s: %w", k.Method, k.Resource, err)
	}
	return nil
}

// storeFailed counts a failed store call and logs it, at most once a second.
func (c *Cache) storeFailed(op string, err error) {
	c.stats.storeErrors.Add(1)
	if c.log == nil {
		return
	}
	now := c.now().UnixNano()
	last := c.lastLog.Load()
	if now-last < int64(time.Second) || !c.lastLog.CompareAndSwap(last, now) {
		return
	}
	c.log.Warn("cache: store failed; serving as a miss", "op", op, "err", err)
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return false
		}
	}
	return true
}

func validNamespace(ns string) bool {
	if len(ns) > 64 {
		return false
	}
	for i := 0; i < len(ns); i++ {
		b := ns[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_' || b == '.' || b == ':' || b == '-') {
			return false
		}
	}
	return true
}
