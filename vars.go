package apigw

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/apigw/apigw/internal/authzvalue"
)

// Var returns the value of the $context variable name, without its
// "context." prefix ("requestId", "identity.sourceIp",
// "authorizer.claims.sub"), rendered as a string as a mapping template
// would see it: an authorizer's context values and claims as AWS exposes
// them (numbers and bools in their JSON form). ok is false for an unknown
// name or an absent value.
func (c *Context) Var(name string) (value string, ok bool) {
	switch name {
	case "accountId":
		return c.AccountID, true
	case "apiId":
		return c.APIID, true
	case "region":
		return c.Region, true
	case "deploymentId":
		return c.DeploymentID, true
	case "domainName":
		return c.DomainName, true
	case "domainPrefix":
		return c.DomainPrefix, true
	case "error.message":
		return c.Error.Message, true
	case "error.messageString":
		return quoteOrNull(c.Error.Message), true
	case "error.responseType":
		return string(c.Error.ResponseType), true
	case "error.validationErrorString":
		return c.Error.ValidationErrorString, true
	case "extendedRequestId":
		return c.ExtendedRequestID, true
	case "httpMethod":
		return c.HTTPMethod, true
	case "identity.apiKey":
		return c.Identity.APIKey, true
	case "identity.apiKeyId":
		return c.Identity.APIKeyID, true
	case "identity.caller":
		return c.Identity.Caller, true
	case "identity.sourceIp":
		return c.Identity.SourceIP, true
	case "identity.user":
		return c.Identity.User, true
	case "identity.userAgent":
		return c.Identity.UserAgent, true
	case "identity.accessKey":
		return c.Identity.AccessKey, true
	case "identity.accountId":
		return c.Identity.AccountID, true
	case "identity.userArn":
		return c.Identity.UserARN, true
	case "identity.cognitoIdentityId":
		return c.Identity.CognitoIdentityID, true
	case "identity.cognitoIdentityPoolId":
		return c.Identity.CognitoIdentityPoolID, true
	case "identity.cognitoAuthenticationType":
		return c.Identity.CognitoAuthenticationType, true
	case "identity.cognitoAuthenticationProvider":
		return c.Identity.CognitoAuthenticationProvider, true
	case "integrationLatency", "integration.latency":
		return formatMillis(c.IntegrationLatency), true
	case "integration.error", "integrationErrorMessage":
		return c.IntegrationError, true
	case "integrationStatus", "integration.status":
		return strconv.Itoa(c.IntegrationStatus), true
	case "isCanaryRequest":
		return strconv.FormatBool(c.IsCanaryRequest), true
	case "path":
		return c.Path, true
	case "protocol":
		return c.Protocol, true
	case "requestId":
		return c.RequestID, true
	case "requestTime":
		return c.RequestTimeString(), true
	case "requestTimeEpoch":
		return strconv.FormatInt(c.RequestTimeEpoch(), 10), true
	case "resourceId":
		return c.ResourceID, true
	case "resourcePath":
		return c.ResourcePath, true
	case "routeKey":
		return c.RouteKey, true
	case "responseLatency":
		return formatMillis(c.ResponseLatency), true
	case "responseLength":
		return strconv.FormatInt(c.ResponseLength, 10), true
	case "stage":
		return c.Stage, true
	case "status":
		return strconv.Itoa(c.Status), true
	case "xrayTraceId":
		return c.XRayTraceID, true
	case "authorizer.principalId":
		return c.Authorizer.PrincipalID, true
	case "authorizer.scopes":
		return strings.Join(c.Authorizer.Scopes, " "), true
	}
	if k, ok := strings.CutPrefix(name, "authorizer."); ok {
		if claim, ok := strings.CutPrefix(k, "claims."); ok {
			return stringValue(c.Authorizer.Claims, claim)
		}
		return stringValue(c.Authorizer.Context, k)
	}
	return "", false
}

func stringValue(m map[string]any, key string) (string, bool) {
	v, ok := m[key]
	if !ok {
		return "", false
	}
	return authzvalue.String(v), true
}

// quoteOrNull is $context.error.messageString: the message as a JSON string,
// or null when there is none.
func quoteOrNull(s string) string {
	if s == "" {
		return "null"
	}
	b, _ := json.Marshal(s)
	return string(b)
}
