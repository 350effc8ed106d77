// Package rediscache is a [cache.Store] on Redis (go-redis/v9), so that
// several replicas of a service share one stage cache, as AWS's cache
// cluster is shared by every request of a stage.
//
//	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
//	store, err := rediscache.New(client, rediscache.Options{})
//	...
//	c, err := cache.New(cache.Config{Store: store, Namespace: "music-prod"})
//
// Entries are kept in their compact binary encoding ([cache.Entry.MarshalBinary]:
// lengths and bytes, no JSON) under the cache's keys, with '{' and '%'
// percent-encoded so that a resource template such as /artists/{id} is not
// read as a Redis Cluster hash tag (entries spread over a cluster's
// masters), and expire by Redis's own TTL (SET ... PX). The cache's capacity is Redis's maxmemory: configure
// an eviction policy such as allkeys-lru or volatile-lru on a dedicated
// Redis or database.
//
// Redis being down is a miss, never an error for the client and never a
// hang: every call is bounded by Options.Timeout, and after a failure the
// Store stops calling Redis for Options.Backoff, answering misses (and
// storing nothing) at once.
package rediscache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/internal/redisopt"
	"github.com/redis/go-redis/v9"
)

// Defaults of [Options]. A healthy Redis that many requests keep busy
// answers some calls after more than 100 ms (the former default): on a busy
// 2-core machine, the usage-plan store's calls took up to 252 ms with 256
// requests at once (see usageplan/redisstore's DefaultTimeout), and one
// timeout here stops the cache for Backoff.
const (
	DefaultTimeout = 500 * time.Millisecond
	DefaultBackoff = time.Second
)

// ErrUnavailable is returned, without calling Redis, while the Store backs
// off after a failure.
var ErrUnavailable = errors.New("rediscache: Redis unavailable, backing off after a failure")

// Options configure a [Store]. The zero value is valid.
type Options struct {
	// Timeout bounds each Get, Set and single-key Delete. Default
	// [DefaultTimeout].
	Timeout time.Duration
	// Backoff is how long the Store stops calling Redis after a failed
	// call (a timeout, a refused connection), answering at once with
	// [ErrUnavailable] — a miss for the cache. Default [DefaultBackoff];
	// negative: never back off.
	Backoff time.Duration
	// Now is the backoff's clock. Default time.Now.
	Now func() time.Time
}

// Store is a [cache.Store] on Redis. It starts no goroutine; the client is
// the caller's to close. It is safe for simultaneous use by multiple
// goroutines.
type Store struct {
	client    redis.UniversalClient
	timeout   time.Duration
	backoff   time.Duration
	now       func() time.Time
	downUntil atomic.Int64 // UnixNano until which Redis is not called
}

var _ cache.Store = (*Store)(nil)

// New returns a Store on client. The client must honour context deadlines
// (redis.Options.ContextTimeoutEnabled): otherwise a Redis that accepts
// connections but does not answer would hold each request for the client's
// ReadTimeout, and New refuses it. (For client types whose options it cannot
// see, New trusts the caller.)
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	var errs []error
	if client == nil {
		errs = append(errs, errors.New("rediscache: client is nil"))
	}
	if !contextTimeoutEnabled(client) {
		errs = append(errs, errors.New("rediscache: client: ContextTimeoutEnabled is false; set it so that Options.Timeout bounds every call"))
	}
	if opts.Timeout < 0 {
		errs = append(errs, fmt.Errorf("rediscache: Timeout %v: negative", opts.Timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &Store{client: client, timeout: opts.Timeout, backoff: opts.Backoff, now: opts.Now}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.backoff == 0 {
		s.backoff = DefaultBackoff
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// contextTimeoutEnabled reports whether client stops at its context's
// deadline; a client of a type whose options cannot be read is trusted.
func contextTimeoutEnabled(client redis.UniversalClient) bool {
	enabled, known := redisopt.ContextTimeoutEnabled(client)
	return enabled || !known
}

// Get returns the entry stored under key, or nil.
func (s *Store) Get(ctx context.Context, key string) (*cache.Entry, error) {
	if s.backingOff() {
		return nil, ErrUnavailable
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	data, err := s.client.Get(cctx, redisKey(key)).Bytes()
	if err == redis.Nil {
		return nil, nil
	}
	if err != nil {
		s.failed(ctx, err)
		return nil, fmt.Errorf("rediscache: GET: %w", err)
	}
	e := new(cache.Entry)
	if err := e.UnmarshalBinary(data); err != nil {
		return nil, fmt.Errorf("rediscache: GET %q: %w", key, err)
	}
	return e, nil
}

// Set stores e under key with Redis expiring it after ttl (at least 1 ms).
func (s *Store) Set(ctx context.Context, key string, e *cache.Entry, ttl time.Duration) error {
	if ttl <= 0 {
		return nil
	}
	if s.backingOff() {
		return ErrUnavailable
	}
	data, err := e.MarshalBinary()
	if err != nil {
		return fmt.Errorf("rediscache: encoding entry: %w", err)
	}
	ttl = max(ttl, time.Millisecond)
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Set(cctx, redisKey(key), data, ttl).Err(); err != nil {
		s.failed(ctx, err)
		return fmt.Errorf("rediscache: SET: %w", err)
	}
	return nil
}

// Delete removes the entry stored under key or, with prefix, every key
// starting with key: a SCAN of the whole keyspace (of every master of a
// cluster or shard of a ring), bounded by ctx rather than Options.Timeout.
func (s *Store) Delete(ctx context.Context, key string, prefix bool) error {
	if !prefix {
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		defer cancel()
		if err := s.client.Unlink(cctx, redisKey(key)).Err(); err != nil {
			return fmt.Errorf("rediscache: UNLINK: %w", err)
		}
		return nil
	}
	pattern := escapeGlob(redisKey(key)) + "*"
	var err error
	switch c := s.client.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return deleteMatching(ctx, node, pattern)
		})
	case *redis.Ring:
		err = c.ForEachShard(ctx, func(ctx context.Context, shard *redis.Client) error {
			return deleteMatching(ctx, shard, pattern)
		})
	default:
		err = deleteMatching(ctx, s.client, pattern)
	}
	if err != nil {
		return fmt.Errorf("rediscache: deleting %q*: %w", key, err)
	}
	return nil
}

// deleteMatching scans one node for pattern and unlinks what it finds, one
// key per command (keys of one node may live in different cluster slots).
func deleteMatching(ctx context.Context, c redis.Cmdable, pattern string) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.Unlink(ctx, k)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// redisKey is the Redis key of a cache key: '{' written %7B and '%' %25.
// Redis Cluster reads a key's first {...} as its hash tag, and the cache's
// keys hold the resource template: every entry of "/artists/{id}" would
// land in the slot of "id", on one master. Without '{' a key has no hash
// tag and entries spread over the cluster; the escape keeps keys distinct
// and their prefixes prefixes, so Flush's prefix deletion still works.
func redisKey(key string) string {
	if !strings.ContainsAny(key, "{%") {
		return key
	}
	return keyEscaper.Replace(key)
}

var keyEscaper = strings.NewReplacer("%", "%25", "{", "%7B")

// escapeGlob escapes the characters SCAN MATCH gives a meaning.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`*?[]\`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (s *Store) backingOff() bool {
	until := s.downUntil.Load()
	return until != 0 && s.now().UnixNano() < until
}

// failed starts a backoff, unless the call failed because the caller gave
// up (its context ended), which says nothing about Redis. A cluster client
// reloads the cluster's layout (a master may have failed over).
func (s *Store) failed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	redisopt.Failed(s.client, err)
	if s.backoff < 0 {
		return
	}
	s.downUntil.Store(s.now().Add(s.backoff).UnixNano())
}
