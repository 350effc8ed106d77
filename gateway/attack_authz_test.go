package gateway

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
	"github.com/aws/aws-lambda-go/events"
)

// tokenAllowing is a TOKEN authorizer whose policy is Allow of the
// resource the token names (the whole token is the Resource), and nothing
// else.
func tokenAllowing(t *testing.T) authorizer.Authorizer {
	t.Helper()
	fn := func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: "user",
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{req.AuthorizationToken}},
			}},
		}, nil
	}
	tok, err := authorizer.NewToken(authorizer.TokenConfig{Func: fn, TTL: authorizer.NoCache})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestAttackAuthorizerPolicyScope: an authorizer's Allow of one region,
// account, API, stage, method or path does not open another; '?' is one
// character, and a '*' only what it spans.
func TestAttackAuthorizerPolicyScope(t *testing.T) {
	var n atomic.Int64
	gw := mustNew(t, WithAPIID("abc123"), WithRegion("us-east-1"), WithAccountID("123456789012"),
		WithStage(stage.Stage{Name: "prod"}), WithStage(stage.Stage{Name: "test"}),
		WithAuthorizer("tok", tokenAllowing(t)),
		Route("GET /pets/{id}", Method{Authorizer: "tok", Integration: Handler(counting(&n))}),
		Route("ANY /admin/{proxy+}", Method{Authorizer: "tok", Integration: Handler(counting(&n))}),
	)
	const base = "arn:aws:execute-api:us-east-1:123456789012:abc123"
	for _, c := range []struct {
		allow, method, target string
	}{
		{"arn:aws:execute-api:us-west-2:123456789012:abc123/prod/GET/pets/1", "GET", "/prod/pets/1"},
		{"arn:aws:execute-api:us-east-1:999999999999:abc123/prod/GET/pets/1", "GET", "/prod/pets/1"},
		{"arn:aws:execute-api:us-east-1:123456789012:other/prod/GET/pets/1", "GET", "/prod/pets/1"},
		{"arn:aws-cn:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/1", "GET", "/prod/pets/1"},
		{base + "/test/GET/pets/1", "GET", "/prod/pets/1"},
		{base + "/test/*", "GET", "/prod/pets/1"},
		{base + "/prod/POST/*", "GET", "/prod/pets/1"},
		{base + "/prod/GET/pets/?", "GET", "/prod/pets/12"},
		{base + "/prod/GET/pets/1", "GET", "/prod/pets/12"},
		{base + "/prod/GET/pets/1", "GET", "/prod/pets/1/"}, // canonical: /pets/1 -> allowed, see below
		{base + "/prod/get/pets/1", "GET", "/prod/pets/1"},
		{base + "/PROD/GET/pets/1", "GET", "/prod/pets/1"},
		{base + "/prod/GET/Pets/1", "GET", "/prod/pets/1"},
		{base + "/prod/GET/admin/public/*", "GET", "/prod/admin/private/x"},
		{base + "/prod/GET/admin/public/*", "GET", "/prod/admin/public/../private/x"},
		{base + "/prod/GET/admin/public/*", "GET", "/prod/admin/public/%2e%2e/private/x"},
		{base + "/prod/GET/admin/public/*", "GET", "/prod/admin/public%2F..%2Fprivate/x"},
		{base + "/prod/GET/admin/*", "DELETE", "/prod/admin/x"},
		{base + "/prod/GET/admin/*", "HEAD", "/prod/admin/x"},
		{base + "/prod/*/admin", "GET", "/prod/admin/x"},
	} {
		before := n.Load()
		rec := do(t, gw, c.method, c.target, "", "Authorization", c.allow)
		allowedToo := c.target == "/prod/pets/1/" // the same resource
		if allowedToo {
			if rec.Code != 200 {
				t.Errorf("Allow %s, %s %s: %d", c.allow, c.method, c.target, rec.Code)
			}
			continue
		}
		if rec.Code/100 == 2 || n.Load() != before {
			t.Errorf("Allow %s opened %s %s: %d %q", c.allow, c.method, c.target, rec.Code, rec.Body)
		}
	}
	// Sanity: the exact ARN opens its method.
	if rec := do(t, gw, "GET", "/prod/pets/1", "", "Authorization", base+"/prod/GET/pets/1"); rec.Code != 200 {
		t.Fatalf("exact Allow: %d %s", rec.Code, rec.Body)
	}
}

// TestAttackDuplicateCredentialHeaders: a credential header sent twice
// identifies nobody (TOKEN authorizer), and does not let the second value
// ride on the first (API keys).
func TestAttackDuplicateCredentialHeaders(t *testing.T) {
	var n atomic.Int64
	const base = "arn:aws:execute-api:us-east-1:123456789012:apigw"
	gw := mustNew(t, WithAuthorizer("tok", tokenAllowing(t)),
		Route("GET /pets/{id}", Method{Authorizer: "tok", Integration: Handler(counting(&n))}))
	rec := do(t, gw, "GET", "/pets/1", "", "Authorization", base+"/prod/GET/pets/1", "Authorization", base+"/*")
	if rec.Code/100 == 2 {
		t.Errorf("two Authorization headers: %d", rec.Code)
	}
	rec = do(t, gw, "GET", "/pets/1", "", "Authorization", "", "Authorization", base+"/*")
	if rec.Code/100 == 2 {
		t.Errorf("an empty and a full Authorization header: %d", rec.Code)
	}
	if n.Load() != 0 {
		t.Errorf("backend reached %d times", n.Load())
	}
}

// TestAttackAPIKeyStage: an API key of a plan for one stage does not open
// another stage, nor a key sent twice a method of another plan.
func TestAttackAPIKeyStage(t *testing.T) {
	plans := usageplan.MustNew(usageplan.Config{})
	if err := plans.AddPlan(usageplan.Plan{ID: "test-only", Stages: []usageplan.APIStage{{APIID: "pets", Stage: "test"}}}); err != nil {
		t.Fatal(err)
	}
	k, err := plans.AddKey(usageplan.APIKey{ID: "k1", Value: "test-stage-key-00000000000001"}, "test-only")
	if err != nil {
		t.Fatal(err)
	}
	disabled, err := plans.AddKey(usageplan.APIKey{ID: "k2", Value: "disabled-key-0000000000000001", Disabled: true}, "test-only")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	gw := mustNew(t, WithAPIID("pets"), WithUsagePlans(plans),
		WithStage(stage.Stage{Name: "prod"}), WithStage(stage.Stage{Name: "test"}),
		Route("GET /pets/{id}", Method{APIKeyRequired: true, Integration: Handler(counting(&n))}))
	if rec := do(t, gw, "GET", "/test/pets/1", "", "x-api-key", k.Value); rec.Code != 200 {
		t.Fatalf("sanity: %d %s", rec.Code, rec.Body)
	}
	for _, h := range [][]string{
		{"x-api-key", k.Value},
		{"X-API-KEY", k.Value, "x-api-key", "nope"},
		{"x-api-key", "nope", "x-api-key", k.Value},
	} {
		before := n.Load()
		rec := do(t, gw, "GET", "/prod/pets/1", "", h...)
		if rec.Code/100 == 2 || n.Load() != before {
			t.Errorf("prod with %v: %d", h, rec.Code)
		}
	}
	for _, h := range [][]string{
		{"x-api-key", disabled.Value},
		{"x-api-key", disabled.Value, "x-api-key", k.Value},
	} {
		before := n.Load()
		rec := do(t, gw, "GET", "/test/pets/1", "", h...)
		if rec.Code/100 == 2 || n.Load() != before {
			t.Errorf("test with %v: %d", h, rec.Code)
		}
	}
}
