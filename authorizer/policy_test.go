package authorizer

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestGlobMatch(t *testing.T) {
	for _, tt := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything/at/all", true},
		{"", "", true},
		{"", "a", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "aéc", true},
		{"a*c", "a/b/c", true},
		{"a*c", "a/b/cd", false},
		{"*/GET/*", "arn:x/prod/GET/pets", true},
		{"*/GET/*", "arn:x/prod/POST/pets", false},
		{"arn:aws:execute-api:*:*:abc/*/GET/pets/*", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets/7", true},
		{"arn:aws:execute-api:*:*:abc/*/GET/pets/*", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets", false},
		{"arn:aws:execute-api:*:*:abc/*/GET/", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/", true},
		{"**a**b", "xxaxxb", true},
		{"*?", "", false},
		{"Pets", "pets", false},
	} {
		if got := globMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
		if got := newResourcePattern(tt.pattern).match(tt.s); got != tt.want {
			t.Errorf("resourcePattern(%q).match(%q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
	// Pathological patterns stay polynomial.
	if globMatch(strings.Repeat("*a", 200)+"b", strings.Repeat("a", 1600)) {
		t.Fatal("pathological pattern matched")
	}
}

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

// FuzzGlobMatch compares globMatch with the equivalent regular expression.
func FuzzGlobMatch(f *testing.F) {
	f.Add("arn:*:abc/*/GET/?", "arn:aws:abc/prod/GET/x")
	f.Add("*a*b?", "xaxbc")
	f.Add("é?", "éé")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 256 {
			return
		}
		var re strings.Builder
		re.WriteString(`^(?s:`)
		for _, r := range pattern {
			switch r {
			case '*':
				re.WriteString(`.*`)
			case '?':
				re.WriteString(`.`)
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString(`)$`)
		rx, err := regexp.Compile(re.String())
		if err != nil {
			return
		}
		if !utf8Valid(pattern) || !utf8Valid(s) {
			return // byte-wise and rune-wise views differ on invalid UTF-8
		}
		want := rx.MatchString(s)
		if got := globMatch(pattern, s); got != want {
			t.Fatalf("globMatch(%q, %q) = %v, regexp says %v", pattern, s, got, want)
		}
		if got := newResourcePattern(pattern).match(s); got != want {
			t.Fatalf("resourcePattern(%q).match(%q) = %v, regexp says %v", pattern, s, got, want)
		}
	})
}
