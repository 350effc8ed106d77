package cache

import "slices"

// Caches reports whether the cache phase of a method with spec caches
// requests of httpMethod, as [Cache.Middleware] decides per request: never
// when the method's caching or its TTL is off; always when spec.Enabled is
// true; else when httpMethod is one of Config.Methods. "ANY" (AWS's
// catch-all method) asks whether it may cache some request.
func (c *Cache) Caches(httpMethod string, spec MethodSettings) bool {
	ttl := spec.TTL
	if ttl == 0 {
		ttl = c.ttl
	}
	if ttl <= 0 || spec.Enabled != nil && !*spec.Enabled {
		return false
	}
	if spec.Enabled != nil || httpMethod == "ANY" {
		return true
	}
	return slices.Contains(c.methods, httpMethod)
}
