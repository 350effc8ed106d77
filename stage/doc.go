// Package stage describes API Gateway stages: a named, addressable snapshot
// of an API (a deployment) with its stage variables, stage-wide and
// per-method settings (throttling, caching) and an optional canary release
// that sends part of the traffic to another deployment or other variables.
//
// A [Stage] is plain configuration, checked by [Stage.Validate] with AWS's
// rules; package gateway serves it. Beyond AWS, a [Canary] can be sticky:
// the same client, recognised by API key, header or cookie, always lands on
// the same side.
package stage
