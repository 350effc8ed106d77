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
//	plans, err := usageplan.New(usageplan.Config{Store: store, OnStoreError: usageplan.FailOpen})
//
// A request waits for Redis at most Options.Timeout (500 ms by default, see
// [DefaultTimeout] for the measurements behind it). When Redis does not
// answer in time the registry applies its failure policy: fail open
// (admit, log, count the request when Redis is back) or fail closed (500).
//
// # Every request counted once
//
// A Redis that is slow or frozen (a fork, a swap storm, SIGSTOP) runs, when
// it resumes, the calls it had received meanwhile, although the gateway
// stopped waiting for them. So the store goes on waiting for such a call in
// the background (up to a minute) and tells the registry its outcome
// ([usageplan.Pending]): a fail-open request that Redis counted is not
// counted again, one that it did not count (it never ran, or was refused)
// is counted with the backlog; a fail-closed request that Redis counted is
// given back. The backlog of fail-open requests goes to Redis in batches,
// each with an ID that the same script records (as long as the batch's
// usage record): a batch carried again after a call whose outcome is
// unknown is counted once.
//
// What stays uncertain: a call whose connection breaks after Redis ran it
// and before its answer arrives (the request is then counted twice), and,
// with a client that ignores context deadlines, a call still unanswered at
// the client's ReadTimeout. Set ContextTimeoutEnabled on the go-redis
// client (the store then gives each call its minute), and do not let the
// client retry a call that timed out (go-redis retries one whose read timed
// out, MaxRetries times): a script that Redis ran late would run again.
//
// # Redis Cluster and replicas
//
// With a *redis.ClusterClient, the keys of one counter share a hash tag, so
// that the script of one request touches one slot, while different keys
// spread over the masters (plan and key IDs hold no braces). When a master
// dies, the store asks the client to reload the cluster's layout at once,
// so requests are answered again as soon as a replica has taken over (by
// itself go-redis would notice only at its next periodic reload, a minute
// later).
//
// Redis replicates asynchronously: an admission acknowledged by a master
// that crashes before its replica has it is lost when the replica takes
// over, and the key may then be admitted a few requests over its quota (a
// test of 3,000 admitted 3,007). Where that matters, Options.WaitReplicas
// makes each admission wait for replicas (Redis WAIT), at the cost of a
// round trip to them per request; an admission that no replica confirmed
// in time is answered by the failure policy.
//
// Keys, all under Prefix and hash-tagged by counter ("plan/key") so that
// Redis Cluster keeps one request's keys in one slot:
//
//	{prefix}{plan/key}:q:2024-06-03      quota counter of the period starting that day
//	{prefix}{plan/key}:d:2024-06-05      daily usage: hash u (used), r (remaining)
//	{prefix}{plan/key}:b:<batch ID>      a fail-open backlog batch counted (see above)
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
