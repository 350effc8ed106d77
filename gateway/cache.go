package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/internal/paramexpr"
	"github.com/apigw/apigw/stage"
)

// stageCache is the gateway's response cache: two views of one store, one
// where canary requests share the stage's entries and one where they keep
// their own (a canary with UseStageCache off).
type stageCache struct {
	shared, separate *cache.Cache
}

func newStageCache(cfg cache.Config) (*stageCache, error) {
	if cfg.Store == nil {
		cfg.Store = cache.NewMemoryStore(cfg.Capacity, cfg.Now)
	}
	cfg.SeparateCanary = false
	shared, err := cache.New(cfg)
	if err != nil {
		return nil, err
	}
	cfg.SeparateCanary = true
	separate, err := cache.New(cfg)
	if err != nil {
		return nil, err
	}
	return &stageCache{shared: shared, separate: separate}, nil
}

// compileCache returns the method's cache phase for a stage, or nil when
// the gateway has no cache or never caches the method.
//
// The key always includes every path parameter of the route, declared or
// not: AWS leaves an undeclared one out, so that GET /pets/{id} cached
// without method.request.path.id serves one pet for every id; apigw does not
// (see the README). A declared path parameter the route does not have is an
// error.
func (g *Gateway) compileCache(m Method, st *stage.Stage, canary bool, resourcePath string, params []string, method string) (middleware, error) {
	if g.cache == nil {
		// Key parameters alone are inert without a cache, as a method's
		// cacheKeyParameters are on an AWS stage without one.
		if m.Cache == nil {
			return nil, nil
		}
		if m.Cache.Enabled != nil || m.Cache.TTL != 0 || len(m.Cache.KeyParameters) == 0 {
			return nil, fmt.Errorf("Cache: set, but the gateway has no cache (gateway.WithCache)")
		}
		for i, k := range m.Cache.KeyParameters {
			if _, err := paramexpr.Parse(k, paramexpr.RequestParameters); err != nil {
				return nil, fmt.Errorf("Cache.KeyParameters[%d]: %v", i, err)
			}
		}
		return nil, nil
	}
	var spec CacheSettings
	if m.Cache != nil {
		spec = *m.Cache
	}
	var errs []error
	keys := slices.Clone(spec.KeyParameters)
	for i, k := range keys {
		// The cache reports a malformed one.
		if e, err := paramexpr.Parse(k, paramexpr.RequestParameters); err == nil && e.Kind == paramexpr.RequestPath && !slices.Contains(params, e.Name) {
			errs = append(errs, fmt.Errorf("Cache.KeyParameters[%d] %q: the route %s has no path parameter %q", i, k, resourcePath, e.Name))
		}
	}
	for _, name := range params {
		if k := "method.request.path." + name; !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	spec.KeyParameters = keys
	ms := st.For(resourcePath, method)
	if spec.Enabled == nil && ms.CachingEnabled != nil {
		spec.Enabled = ms.CachingEnabled
	}
	if spec.TTL == 0 && ms.CacheTTL != 0 {
		spec.TTL = ms.CacheTTL
	}
	c := g.cache.shared
	if canary && st.Canary != nil && !st.Canary.UseStageCache {
		c = g.cache.separate
	}
	mw, err := c.Middleware(spec)
	if err != nil {
		errs = append(errs, fmt.Errorf("Cache: %w", err))
	}
	if !c.Caches(method, spec) {
		mw = nil // a method never cached runs no cache phase
	}
	return mw, errors.Join(errs...)
}

// FlushCache empties a stage's cache, canary entries included, as AWS's
// FlushStageCache does. It does nothing when the gateway has no cache.
func (g *Gateway) FlushCache(ctx context.Context, stageName string) error {
	if g.cache == nil {
		return nil
	}
	return g.cache.shared.Flush(ctx, stageName)
}

// InvalidateCache removes one cache entry, named as the cache names it.
func (g *Gateway) InvalidateCache(ctx context.Context, key cache.Key) error {
	if g.cache == nil {
		return nil
	}
	return g.cache.shared.Invalidate(ctx, key)
}

// CacheStats are the cache's counters (hits, misses, invalidations), for
// metrics; zero without a cache.
func (g *Gateway) CacheStats() cache.Stats {
	if g.cache == nil {
		return cache.Stats{}
	}
	a, b := g.cache.shared.Stats(), g.cache.separate.Stats()
	return cache.Stats{
		Hits:                a.Hits + b.Hits,
		Misses:              a.Misses + b.Misses,
		Coalesced:           a.Coalesced + b.Coalesced,
		Invalidations:       a.Invalidations + b.Invalidations,
		DeniedInvalidations: a.DeniedInvalidations + b.DeniedInvalidations,
		StoreErrors:         a.StoreErrors + b.StoreErrors,
		Waiting:             a.Waiting + b.Waiting,
	}
}
