// Package iampolicy evaluates AWS IAM policy documents, the one engine
// behind the policies apigw judges: the policies Lambda authorizers answer,
// the identity policies of AWS_IAM callers and the API's resource policies.
//
// A [Document] is parsed from JSON as IAM writes it (a string or a list
// wherever IAM allows either) and compiled once by [Compile] into a
// [Policy], which is immutable and safe for simultaneous use. Evaluate
// judges one [Request] (action, resource, principal, condition keys) as IAM
// does within one policy: a matching Deny wins, else a matching Allow
// allows, else the request is implicitly denied.
//
// What it understands: Effect; Principal and NotPrincipal ("*", {"AWS":
// "*"}, account ids, arn:aws:iam::ACCOUNT:root, user and role ARNs, a role
// ARN matching its sessions); Action and NotAction (case-insensitive, with
// '*' and '?'); Resource and NotResource (case-sensitive, with '*' and '?');
// Condition with the String*, Arn*, IpAddress/NotIpAddress, Bool and Null
// operators and their ...IfExists forms, several values of one key OR'd,
// several keys and operators AND'd. A key absent from the request makes a
// positive operator false and a negated one (StringNotEquals, NotIpAddress,
// ...) true; ...IfExists makes it true.
//
// What it does not: policy variables (${aws:username} is literal text),
// the ForAnyValue:/ForAllValues: set operators, Numeric* and Date*
// operators (a document that uses them does not compile, so nothing is
// silently judged wrong).
package iampolicy
