package apigw

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// contextVars are the $context names [Context.Var] knows that take no
// further key; authorizer.*, authorizer.claims.* and stage variables take one.
var contextVars = map[string]bool{
	"accountId": true, "apiId": true, "deploymentId": true, "domainName": true, "domainPrefix": true,
	"error.message": true, "error.messageString": true, "error.responseType": true,
	"error.validationErrorString": true, "extendedRequestId": true, "httpMethod": true,
	"identity.apiKey": true, "identity.apiKeyId": true, "identity.caller": true,
	"identity.sourceIp": true, "identity.user": true, "identity.userAgent": true,
	"integrationLatency": true, "integrationStatus": true, "isCanaryRequest": true, "path": true,
	"protocol": true, "requestId": true, "requestTime": true, "requestTimeEpoch": true,
	"resourceId": true, "resourcePath": true, "responseLatency": true, "responseLength": true,
	"stage": true, "status": true, "authorizer.principalId": true, "authorizer.scopes": true,
	"region": true,
}

// ContextVarNames lists the $context names [Context.Var] resolves, without
// the open-ended authorizer.<key> and authorizer.claims.<name>.
func ContextVarNames() []string {
	names := make([]string, 0, len(contextVars))
	for n := range contextVars {
		names = append(names, n)
	}
	return names
}

// ValidContextVar reports whether name (without the "context." prefix) is a
// $context variable [Context.Var] can resolve.
func ValidContextVar(name string) bool {
	if contextVars[name] {
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

// Var returns the value of the $context variable name, without its
// "context." prefix ("requestId", "identity.sourceIp",
// "authorizer.claims.sub"), rendered as a string as a mapping template
// would see it. ok is false for an unknown name or an absent value.
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
	case "integrationLatency":
		return formatMillis(c.IntegrationLatency), true
	case "integrationStatus":
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
	case "responseLatency":
		return formatMillis(c.ResponseLatency), true
	case "responseLength":
		return strconv.FormatInt(c.ResponseLength, 10), true
	case "stage":
		return c.Stage, true
	case "status":
		return strconv.Itoa(c.Status), true
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
	return Stringify(v), true
}

// Stringify renders an authorizer context or claim value as AWS exposes it:
// strings as they are, numbers and bools in their JSON form, anything else
// as JSON.
func Stringify(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case json.Number:
		return v.String()
	case nil:
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
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
