package authorizer_test

import (
	"context"
	"testing"

	"github.com/apigw/apigw/authorizer"
	"github.com/aws/aws-lambda-go/events"
)

func TestConfig(t *testing.T) {
	tok := authorizer.MustNewToken(authorizer.TokenConfig{Header: "X-Token", ValidationExpression: "^x-",
		Func: func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, nil
		}})
	if c := tok.Config(); c.Header != "X-Token" || c.ValidationExpression != "^x-" || c.Func == nil {
		t.Errorf("token: %+v", c)
	}
	req := authorizer.MustNewRequest(authorizer.RequestConfig{IdentitySources: []string{"method.request.header.A"}, TTL: authorizer.NoCache,
		Func: func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, nil
		}})
	c := req.Config()
	c.IdentitySources[0] = "changed"
	if req.Config().IdentitySources[0] != "method.request.header.A" || c.TTL != authorizer.NoCache {
		t.Errorf("request: %+v", req.Config())
	}
	cog := authorizer.MustNewCognito(authorizer.CognitoConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_Pool"})
	if c := cog.Config(); c.Issuer != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool" {
		t.Errorf("cognito: %+v", c)
	}
}
