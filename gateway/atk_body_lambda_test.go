package gateway

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// Two Content-Type headers: the validator judges the first (text/plain:
// no model, body unchecked); the Lambda's event says, in headers, that the
// body is the last, application/json. Unsure what AWS judges with two
// Content-Types; apigw's phases disagree with each other.
func TestAtkBodyLambdaTwoContentTypes(t *testing.T) {
	t.Skip("open: which of two Content-Type headers AWS's validator judges is not documented; a $default model covers every value")
	var evCT, role string
	fn := func(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		evCT = ev.Headers["Content-Type"]
		var v struct {
			Role string `json:"role"`
		}
		_ = json.Unmarshal([]byte(ev.Body), &v)
		role = v.Role
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	gw := mustNew(t, WithModel("Role", atkRoleModel), Route("POST /users", Method{
		Integration:   Lambda(fn),
		RequestModels: map[string]string{"application/json": "Role"},
	}))
	rec := do(t, gw, "POST", "/users", `{"role":"admin"}`, "Content-Type", "text/plain", "Content-Type", "application/json")
	if rec.Code == 200 && evCT == "application/json" && role == "admin" {
		t.Errorf("Lambda got a body of Content-Type %q (headers) with role %q that the application/json model refuses", evCT, role)
	}
}

// Bodies the model refuses never reach a Lambda, whatever the payload version.
func TestAtkBodyLambdaDuplicateKeys(t *testing.T) {
	reached := false
	v1 := func(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		reached = true
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	gw := mustNew(t, WithModel("Role", atkRoleModel), Route("POST /users", Method{
		Integration:   Lambda(v1),
		RequestModels: map[string]string{"$default": "Role"},
	}))
	for _, ct := range []string{"application/json", "text/plain", "application/json; x"} {
		reached = false
		rec := do(t, gw, "POST", "/users", `{"role":"user","role":"admin"}`, "Content-Type", ct)
		if reached {
			t.Errorf("%s: status %d, Lambda reached", ct, rec.Code)
		}
	}
}
