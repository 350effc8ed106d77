package paramexpr

import (
	"slices"
	"strings"
)

// contextVars are the $context variables that take no further key;
// authorizer.<key> and authorizer.claims.<name> are open-ended. The root
// package's Context.Var resolves every one (its tests check the two agree).
var contextVars = []string{
	"accountId", "apiId", "authorizer.principalId", "authorizer.scopes", "deploymentId", "domainName",
	"domainPrefix", "error.message", "error.messageString", "error.responseType",
	"error.validationErrorString", "extendedRequestId", "httpMethod", "identity.accessKey",
	"identity.accountId", "identity.apiKey", "identity.apiKeyId", "identity.caller",
	"identity.cognitoAuthenticationProvider", "identity.cognitoAuthenticationType",
	"identity.cognitoIdentityId", "identity.cognitoIdentityPoolId", "identity.sourceIp",
	"identity.user", "identity.userAgent", "identity.userArn", "integration.error",
	"integration.latency", "integration.status", "integrationErrorMessage", "integrationLatency",
	"integrationStatus", "isCanaryRequest", "path", "protocol", "region", "requestId", "requestTime",
	"requestTimeEpoch", "resourceId", "resourcePath", "responseLatency", "responseLength", "routeKey",
	"stage", "status", "xrayTraceId",
}

// ContextVars lists the $context variables (without the "context."
// prefix) that take no further key, sorted.
func ContextVars() []string { return slices.Clone(contextVars) }

// ValidContextVar reports whether name (without the "context." prefix) is
// a $context variable: one of ContextVars, authorizer.<key> or
// authorizer.claims.<name>.
func ValidContextVar(name string) bool {
	if _, found := slices.BinarySearch(contextVars, name); found {
		return true
	}
	if k, ok := strings.CutPrefix(name, "authorizer."); ok && k != "" {
		if c, ok := strings.CutPrefix(k, "claims."); ok {
			return c != ""
		}
		return true
	}
	return false
}
