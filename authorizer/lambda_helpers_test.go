package authorizer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"

	"github.com/apigw/apigw"
	"github.com/aws/aws-lambda-go/events"
)

const testARNPrefix = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/"

// gwRequest returns a request carrying an apigw.Context as the gateway
// would fill it: region, account, API id and stage, so that MethodARN is
// arn:aws:execute-api:us-east-1:123456789012:abc123/prod/{METHOD}{path}.
func gwRequest(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	c := apigw.NewRequestContext(r, newClock().Now())
	c.Region, c.AccountID, c.APIID, c.Stage = "us-east-1", "123456789012", "abc123", "prod"
	c.ResourcePath = r.URL.Path
	return r.WithContext(apigw.NewContext(r.Context(), c))
}

// allowPolicy is the answer AWS's samples build: one statement for one
// resource.
func allowPolicy(principal, effect, resource string) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: principal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{resource},
			}},
		},
	}
}

// awsSampleToken is AWS's sample TOKEN authorizer: "allow" is allowed,
// "deny" denied, "unauthorized" a 401, anything else an error (500).
func awsSampleToken(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	switch req.AuthorizationToken {
	case "allow":
		return allowPolicy("user", "Allow", req.MethodArn), nil
	case "deny":
		return allowPolicy("user", "Deny", req.MethodArn), nil
	case "unauthorized":
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	default:
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Error: Invalid token")
	}
}
