package cache

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/paramexpr"
)

// MethodSettings are one method's cache settings: AWS's method settings
// cachingEnabled and cacheTtlInSeconds, and the method's
// cacheKeyParameters. The zero value caches the method with the stage's
// defaults and no key parameters.
type MethodSettings struct {
	// Enabled turns caching of the method on or off. nil: cached when the
	// request's HTTP method is one of Config.Methods; true: cached whatever
	// the HTTP method (so a POST method can be cached); false: never.
	Enabled *bool
	// TTL overrides Config.TTL: at most [MaxTTL]; 0 keeps the stage's;
	// [Disabled] turns the method's caching off.
	TTL time.Duration
	// KeyParameters are the request parameters whose values split entries,
	// by AWS's names: method.request.path.<name>,
	// method.request.querystring.<name>, method.request.header.<name>.
	// Parameters not declared never split (nor poison) an entry: not even a
	// path parameter, as in AWS, so GET /artists/{id} must declare
	// method.request.path.id for each artist to get an entry of its own.
	KeyParameters []string
}

// Middleware returns the cache phase of one method, to wrap what follows
// the cache in the pipeline (the integration request, the integration and
// the integration response). It checks spec once; a method whose caching is
// off gets a middleware that returns next itself.
//
// Per request it reads apigw.Context's Stage, IsCanaryRequest, HTTPMethod,
// ResourcePath and PathParameters (creating a Context with
// apigw.EnsureContext when there is none: then ResourcePath is empty and
// the request's URL path takes its place), and sets Context.Status on a hit.
func (c *Cache) Middleware(spec MethodSettings) (func(http.Handler) http.Handler, error) {
	ttl := spec.TTL
	switch {
	case ttl == 0:
		ttl = c.ttl
	case ttl == Disabled:
	case ttl < 0 || ttl > MaxTTL:
		return nil, fmt.Errorf("cache: TTL %v: not between 0 and %v (or cache.Disabled)", spec.TTL, MaxTTL)
	}
	params, err := parseKeyParameters(spec.KeyParameters)
	if err != nil {
		return nil, err
	}
	if ttl <= 0 || spec.Enabled != nil && !*spec.Enabled {
		return func(next http.Handler) http.Handler { return next }, nil
	}
	always := spec.Enabled != nil
	originKeyed := slices.ContainsFunc(params, func(p keyParam) bool { return p.expr.Kind == paramexpr.RequestHeader && p.expr.Name == "Origin" })
	return func(next http.Handler) http.Handler {
		return &handler{c: c, next: next, ttl: ttl, always: always, params: params, originKeyed: originKeyed}
	}, nil
}

// Handler wraps next with the stage's defaults (Config.TTL, Config.Methods)
// and no key parameters: the one-liner for using the cache without package
// gateway, where entries are split by stage, method and URL path.
func (c *Cache) Handler(next http.Handler) http.Handler {
	mw, _ := c.Middleware(MethodSettings{}) // the zero value is always valid
	return mw(next)
}

// handler is the cache phase of one method.
type handler struct {
	c      *Cache
	next   http.Handler
	ttl    time.Duration
	always bool // cache every HTTP method, not just Config.Methods
	params []keyParam
	// originKeyed: Origin is a key parameter (see recorder.originKeyed).
	originKeyed bool
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ac := apigw.FromContext(r.Context())
	if ac == nil {
		r, ac = apigw.EnsureContext(r)
	}
	method := ac.HTTPMethod
	if method == "" {
		method = r.Method
	}
	c := h.c
	if !h.always && !slices.Contains(c.methods, method) || !paramexpr.QueryParses(r.URL.RawQuery) {
		// A query that does not parse is keyed as Go reads it but may be
		// read otherwise by the backend: such a request is never cached.
		h.next.ServeHTTP(w, r)
		return
	}
	if wantsRefresh(r.Header) {
		if c.mayInvalidate(r, ac) {
			c.stats.invalidations.Add(1)
			h.refresh(w, r, h.key(r, ac, method))
			return
		}
		c.stats.denied.Add(1)
		switch c.strategy {
		case FailWith403:
			apigw.WriteError(w, r, apigw.NewError(apigw.AccessDenied))
			return
		case SucceedWithResponseHeader:
			w.Header().Add(WarningHeader, WarningValue)
		}
	}
	key := h.key(r, ac, method)
	before := c.flights.done.Load()
	if e := c.get(r, key); e != nil {
		c.stats.hits.Add(1)
		c.serve(w, r, ac, e)
		return
	}
	h.fill(w, r, ac, key, before)
}

// key builds the request's key in a buffer on the stack: one allocation,
// the string itself (two for a key over 256 bytes).
func (h *handler) key(r *http.Request, ac *apigw.Context, method string) string {
	var buf [256]byte
	return string(h.c.appendRequestKey(buf[:0], r, ac, method, h.params))
}

// get looks key up, counting a failure as a miss.
func (c *Cache) get(r *http.Request, key string) *Entry {
	e, err := c.store.Get(r.Context(), key)
	if err != nil {
		c.storeFailed("get", err)
		return nil
	}
	if e != nil && (e.status < 100 || e.status > 999) {
		return nil // not a status net/http can write: a store's garbage
	}
	return e
}

// serve writes a cached entry.
func (c *Cache) serve(w http.ResponseWriter, r *http.Request, ac *apigw.Context, e *Entry) {
	if c.xcache {
		e.writeTo(w, r.Method == http.MethodHead, XCacheHeader, "Hit")
	} else {
		e.writeTo(w, r.Method == http.MethodHead, "", "")
	}
	ac.Status = e.status
}

// fill answers a miss: one request per key calls the integration, the
// others wait for its response.
func (h *handler) fill(w http.ResponseWriter, r *http.Request, ac *apigw.Context, key string, before uint64) {
	c := h.c
	f, leader, stale := c.flights.join(key, before)
	if !leader {
		if c.onWait != nil {
			c.onWait()
		}
		c.stats.waiting.Add(1)
		select {
		case <-f.ready:
			c.stats.waiting.Add(-1)
		case <-r.Context().Done():
			c.stats.waiting.Add(-1)
			return // the client left; nothing to answer
		}
		if f.entry != nil {
			c.stats.hits.Add(1)
			c.stats.coalesced.Add(1)
			c.serve(w, r, ac, f.entry)
			return
		}
		// The leader's response could not be shared: ask ourselves.
		c.stats.misses.Add(1)
		h.call(w, r, key, nil)
		return
	}
	if stale {
		// A flight for some key ended since our lookup: perhaps ours.
		if e := c.get(r, key); e != nil {
			f.finish(e)
			c.flights.end(key, f)
			c.stats.hits.Add(1)
			c.serve(w, r, ac, e)
			return
		}
	}
	c.stats.misses.Add(1)
	h.call(w, r, key, f)
}

// refresh answers an allowed Cache-Control: max-age=0: the integration's
// answer replaces the entry, or removes it when it cannot be stored.
func (h *handler) refresh(w http.ResponseWriter, r *http.Request, key string) {
	h.c.stats.misses.Add(1)
	if h.call(w, r, key, nil) == nil {
		if err := h.c.store.Delete(context.WithoutCancel(r.Context()), key, false); err != nil {
			h.c.storeFailed("delete", err)
		}
	}
}

// call runs the integration, streaming its response to w while capturing
// it, stores the response when it may be stored, and returns it (nil when
// not stored). As the leader of f it hands the response to the waiters,
// also when the integration panics.
func (h *handler) call(w http.ResponseWriter, r *http.Request, key string, f *flight) *Entry {
	c := h.c
	if c.xcache {
		w.Header().Set(XCacheHeader, "Miss")
	}
	rec := newRecorder(w, &c.statuses, r.Method == http.MethodHead, h.originKeyed)
	returned := false
	if f != nil {
		defer func() {
			if !returned { // the integration panicked: release the waiters
				rec.drop()
				f.finish(nil)
				c.flights.end(key, f)
			}
		}()
	}
	h.next.ServeHTTP(rec, r)
	returned = true
	e := rec.entry()
	if r.Context().Err() != nil {
		e = nil // the client left: the integration may have cut its answer short
	}
	if f != nil {
		f.finish(e)
	}
	if e != nil {
		if err := c.store.Set(context.WithoutCancel(r.Context()), key, e, h.ttl); err != nil {
			c.storeFailed("set", err)
		}
	}
	if f != nil {
		c.flights.end(key, f)
	}
	return e
}

// mayInvalidate applies the invalidation rule; a panicking rule refuses.
func (c *Cache) mayInvalidate(r *http.Request, ac *apigw.Context) (ok bool) {
	if c.anyone {
		return true
	}
	if c.canInvalidate == nil {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			ok = false
			if c.log != nil {
				c.log.Error("cache: CanInvalidate panicked; invalidation refused", "panic", p)
			}
		}
	}()
	return c.canInvalidate(r, ac)
}
