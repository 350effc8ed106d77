// Package redisstore keeps the shared state of package usageplan in Redis,
// so that every replica of a gateway enforces one quota and one throttle
// per API key: AWS API Gateway's usage plans are regional, not per host.
//
// Each request is one Lua script and one round trip: the plan's per-client
// and per-client per-method token buckets (GCRA, the generic cell rate
// algorithm, which admits what a token bucket of the same rate and burst
// admits) and the quota counter are checked together and updated together,
// or not at all, so concurrent replicas can never admit more than the quota.
// The same script counts the request in the key's daily usage record, which
// [usageplan.Registry.Usage] reads back.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
//	store, err := redisstore.New(redisstore.Options{Client: rdb, Prefix: "petstore:"})
//	...
//	plans, err := usageplan.New(usageplan.Options{Store: store, OnStoreError: usageplan.FailOpen})
//
// Every call is bounded by Options.Timeout (100 ms by default). When Redis
// does not answer in time the registry applies its failure policy: fail
// open (admit, log, count the request when Redis is back) or fail closed
// (500). Set ContextTimeoutEnabled on the go-redis client so that the
// client itself stops at the deadline; otherwise the store stops waiting at
// the deadline and the client's call finishes in the background.
//
// Keys, all under Prefix and hash-tagged by counter ("plan/key") so that
// Redis Cluster keeps one request's keys in one slot:
//
//	{prefix}{plan/key}:q:2024-06-03      quota counter of the period starting that day
//	{prefix}{plan/key}:d:2024-06-05      daily usage: hash u (used), r (remaining)
//	{prefix}{plan/key}:r                 per-client bucket (GCRA theoretical arrival time)
//	{prefix}{plan/key}:r:api:stage:/m/GET per-client per-method bucket
//
// Each key expires by itself: buckets a minute after they are full again,
// quota counters a day after their period, usage records after
// Options.Retention. Times come
// from the registry's clock, not from Redis's, so the replicas' clocks
// should agree (NTP); a skew of a few milliseconds shifts a bucket by as
// much.
package redisstore
