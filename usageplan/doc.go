// Package usageplan implements API Gateway's API keys, usage plans,
// throttling and quotas (REST APIs), in process, with the shared state in
// memory or, through package usageplan/redisstore, in Redis so that several
// replicas enforce one quota.
//
// A [Registry] holds the keys ([APIKey]) and plans ([Plan]); both can be
// added, changed, disabled and removed while requests are served. Each
// method gets its phase from [Registry.Middleware] with a [MethodSpec]:
//
//	plans := usageplan.MustNew(usageplan.Config{})
//	_ = plans.AddPlan(usageplan.Plan{
//		ID:       "basic",
//		Throttle: &usageplan.Throttle{Rate: 1, Burst: 2},
//		Quota:    &usageplan.Quota{Limit: 100, Period: usageplan.Day},
//		Stages:   []usageplan.APIStage{{APIID: "pets", Stage: "prod"}},
//	})
//	_, _ = plans.AddKey(usageplan.APIKey{ID: "alice", Value: "demo-basic-key-000000000001"}, "basic")
//	mw, err := plans.Middleware(usageplan.MethodSpec{
//		APIID: "pets", Stage: "prod", Resource: "/breeds", HTTPMethod: "GET", APIKeyRequired: true,
//	})
//	http.Handle("/breeds", mw(backend))
//
// # What a request goes through
//
// For a method that requires a key: the key is read from the x-api-key
// header (or, with [FromAuthorizer], from the authorizer's usage identifier
// key) and looked up by a hash of its value, the value then compared in
// constant time. Missing, unknown, disabled, or in no enabled plan covering
// the API stage: 403 {"message":"Forbidden"} (INVALID_API_KEY). Then the
// throttles, in AWS's order of precedence, each a token bucket
// (golang.org/x/time/rate in memory, GCRA in Redis) that must hold a token:
// the plan's per-client per-method bucket ([APIStage.Throttle]) and
// per-client bucket ([Plan.Throttle], shared by all the plan's stages), then
// the method's bucket (the stage's method setting, or its "*/*" default),
// then the account's (10,000 rps, burst 5,000 by default). Over a throttle:
// 429 {"message":"Too Many Requests"} (THROTTLED); over the quota: 429
// {"message":"Limit Exceeded"} (QUOTA_EXCEEDED). Every 429 carries
// Retry-After. Methods that do not require a key pass only the method and
// account levels, as in AWS.
//
// [Config.RateLimitHeaders] adds RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset, which describe what decided the answer: a throttled 429
// the throttle that refused it, whichever level it is (its burst, 0 left,
// the reset equal to Retry-After); a quota 429 the quota (0 left, reset at
// the period's end, equal to Retry-After); an admitted request the plan's
// quota when it has one (what a client most needs to pace itself over the
// period), else the plan's per-client throttle (tokens left, seconds until
// the bucket is full). A request admitted while the store fails open
// carries none: nothing is known.
//
// The plan's buckets and its quota are decided by the [Store] in one atomic
// step, so a request refused there takes nothing anywhere, and a throttled
// client cannot drain the method or account buckets that other clients
// share. Every answer goes through apigw.WriteError, so customised gateway
// responses and CORS headers apply.
//
// Admitted requests are counted per key and plan per UTC day;
// [Registry.Usage] reports them in the shape of AWS's GetUsage, and
// [Registry.UsageHandler] serves that report as JSON for a caller you
// authorise. [Registry.UpdateUsage] extends a key's remaining quota.
//
// # Differences from AWS
//
//   - Imported key values may contain '-' and '_' besides AWS's
//     alphanumerics (20 to 128 characters), so that readable keys such as
//     demo-basic-key-000000000001 import; [Config.StrictKeyValues] applies
//     AWS's rule exactly. Generated values are 40 alphanumerics, as AWS's.
//   - [APIKey.Disabled] is AWS's enabled flag inverted, so the zero value is
//     a working key; a plan can be disabled too ([Plan.Disabled]).
//   - Quota periods start at 00:00 UTC; weeks start on Monday. The quota's
//     Offset applies in the period that contains [Plan.CreatedAt].
//   - The method and account levels are counted per process; only the
//     plan's buckets, quotas and usage are shared through the store. The
//     tokens of a request the method or account level refuses after the
//     store admitted it stay spent in the plan's buckets, but its quota is
//     given back.
//   - When the store fails, [FailOpen] (the default, as AWS) admits the
//     request, logs "Usage Plan check failed due to an internal error" and
//     counts the request once the store answers, once: a store that may
//     run a call after the request stopped waiting for it reports the
//     call's outcome ([Pending]), and the backlog goes in batches that the
//     store counts once per ID. [FailClosed] answers 500 (and gives the
//     quota back if the store counted the request all the same).
//   - Retry-After and the RateLimit headers are extensions.
package usageplan
