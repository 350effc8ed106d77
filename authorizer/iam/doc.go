// Package iam implements API Gateway's AWS_IAM authorization: requests
// signed with AWS Signature Version 4 for the service execute-api, the
// callers' identity policies, and $context.identity filled in as AWS fills
// it.
//
// An [Authorizer] verifies both forms AWS accepts: the Authorization
// header (AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...)
// with X-Amz-Date, and the presigned query string (X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
// X-Amz-Signature). It checks the date against an injected clock (AWS's 5
// minutes of skew), the credential scope (the configured region, service
// execute-api, aws4_request), that host is signed, the session token of
// temporary credentials, and the signature, which aws-sdk-go-v2's own
// signer (aws/signer/v4) computes over the request as AWS's servers see
// it: the path normalised (no empty, "." or ".." segments) and encoded
// twice as for every service but S3, the query sorted by encoded name and
// value, the signed headers with their values trimmed, and the payload's
// SHA-256. One signer is kept per access key (a bounded LRU), so that the
// signing key derived from the secret is computed once per day, region and
// service for each credential.
//
// Credentials come from a [Credentials] lookup the user supplies: an
// access key id gives the secret, the session token of temporary
// credentials, the identity (account, user ARN, caller) and the identity
// policy. [Static] and [LoadSharedCredentials] (an AWS shared-credentials
// file) are ready-made.
//
// A caller who signed well is then judged by its identity policy
// (authorizer.Policy: execute-api:Invoke on the method ARN, wildcards, a
// Deny wins; a credential without one may do nothing, as an IAM user
// without policies). Wrap the authorizer with an authorizer.ResourcePolicy
// to combine the API's resource policy as AWS's tables do.
//
// Refusals are AWS's, rendered by apigw.WriteError: no signature at all,
// 403 "Missing Authentication Token"; an incomplete one, 403
// IncompleteSignatureException ("Authorization header requires
// 'Credential' parameter. ..."); a stale date, 403 "Signature expired: ...
// is now earlier than ... (... - 5 min.)"; an unknown key or a wrong
// session token, 403 UnrecognizedClientException "The security token
// included in the request is invalid."; a wrong signature, 403
// InvalidSignatureException "The request signature we calculated does not
// match the signature you provided. ..." with the canonical request and
// string to sign AWS's servers would have used; a policy that does not
// allow, 403 {"Message": "User: arn:aws:iam::...:user/bob is not
// authorized to perform: execute-api:Invoke on resource: arn:..."}.
//
// How it differs from AWS:
//   - The Date header cannot stand in for X-Amz-Date, and a signed
//     content-length of 0 is not reproduced (aws-sdk-go-v2's signer signs
//     neither); such requests are refused.
//   - A path with empty, "." or ".." segments is refused (403
//     InvalidSignatureException), since the gateway would route it
//     differently from the normalised path the signature covers.
//   - X-Amz-Content-Sha256: UNSIGNED-PAYLOAD is honoured only with
//     Config.AllowUnsignedPayload; AWS hashes the body of execute-api
//     requests.
package iam
