package authorizer

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestPolicyEvaluate(t *testing.T) {
	arn := testARNPrefix + "GET/pets/7"
	st := func(effect string, actions []string, resources ...string) events.IAMPolicyStatement {
		return events.IAMPolicyStatement{Effect: effect, Action: actions, Resource: resources}
	}
	invoke := []string{"execute-api:Invoke"}
	for _, tt := range []struct {
		name string
		sts  []events.IAMPolicyStatement
		want decision
	}{
		{"allow exact", []events.IAMPolicyStatement{st("Allow", invoke, arn)}, allowed},
		{"allow wildcard", []events.IAMPolicyStatement{st("Allow", invoke, testARNPrefix+"*")}, allowed},
		{"allow other method", []events.IAMPolicyStatement{st("Allow", invoke, testARNPrefix+"POST/*")}, implicitDeny},
		{"deny wins over allow", []events.IAMPolicyStatement{st("Allow", invoke, "*"), st("Deny", invoke, testARNPrefix+"GET/pets/*")}, explicitDeny},
		{"deny first then allow", []events.IAMPolicyStatement{st("Deny", invoke, arn), st("Allow", invoke, "*")}, explicitDeny},
		{"deny elsewhere", []events.IAMPolicyStatement{st("Allow", invoke, "*"), st("Deny", invoke, testARNPrefix+"DELETE/*")}, allowed},
		{"execute-api:*", []events.IAMPolicyStatement{st("Allow", []string{"execute-api:*"}, "*")}, allowed},
		{"action *", []events.IAMPolicyStatement{st("allow", []string{"*"}, "*")}, allowed},
		{"action case-insensitive", []events.IAMPolicyStatement{st("Allow", []string{"Execute-API:invoke"}, "*")}, allowed},
		{"deny of another action ignored", []events.IAMPolicyStatement{st("Allow", invoke, "*"), st("Deny", []string{"execute-api:InvalidateCache"}, "*")}, allowed},
		{"question mark", []events.IAMPolicyStatement{st("Allow", invoke, testARNPrefix+"GET/pets/?")}, allowed},
		{"several resources", []events.IAMPolicyStatement{st("Allow", invoke, "x", arn)}, allowed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := compilePolicy(events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: tt.sts})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.evaluate(arn); got != tt.want {
				t.Fatalf("evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}
