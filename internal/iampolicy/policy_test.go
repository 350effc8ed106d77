package iampolicy

import (
	"net/netip"
	"strings"
	"testing"
)

const (
	arnGetPet  = "arn:aws:execute-api:us-east-1:111111111111:api-id/prod/GET/pets/7"
	arnPostPet = "arn:aws:execute-api:us-east-1:111111111111:api-id/prod/POST/pets"
	invoke     = "execute-api:Invoke"
)

func mustCompile(t testing.TB, kind Kind, doc string) *Policy {
	t.Helper()
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(d, Options{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	alice     = Principal{Account: "111111111111", ARN: "arn:aws:iam::111111111111:user/alice"}
	bob       = Principal{Account: "111111111111", ARN: "arn:aws:iam::111111111111:user/bob"}
	outsider  = Principal{Account: "222222222222", ARN: "arn:aws:iam::222222222222:user/carol"}
	session   = Principal{Account: "111111111111", ARN: "arn:aws:sts::111111111111:assumed-role/Dev/alice-session"}
	anonymous = Principal{}
)

func ctxFrom(ip string) *Context {
	return &Context{SourceIP: netip.MustParseAddr(ip)}
}

// TestAWSDocumentedPolicies evaluates the resource policies of AWS's
// developer guide ("API Gateway resource policy examples" and "How API
// Gateway resource policies affect authorization workflow").
func TestAWSDocumentedPolicies(t *testing.T) {
	ipAllow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke",
		"Resource":"arn:aws:execute-api:us-east-1:111111111111:api-id/*",
		"Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","198.51.100.0/24"]}}}]}`
	vpceDeny := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:api-id/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":["arn:aws:execute-api:us-east-1:111111111111:api-id/*"],
		 "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`
	ipDenyList := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:api-id/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:api-id/*",
		 "Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","198.51.100.0/24"]}}}]}`
	crossAccount := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":["arn:aws:iam::222222222222:user/carol","arn:aws:iam::111111111111:root"]},
		"Action":"execute-api:Invoke","Resource":["arn:aws:execute-api:us-east-1:111111111111:api-id/prod/*/pets/*"]}]}`
	roleAllow := `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/Dev"},
		"Action":"execute-api:*","Resource":"*"}}`
	denyAllButAlice := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
		{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"execute-api:Invoke","Resource":"*/POST/*"}]}`
	accountCondition := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*",
		"Condition":{"StringEquals":{"aws:PrincipalAccount":["111111111111","333333333333"]}}}]}`

	for _, tt := range []struct {
		name   string
		policy string
		req    Request
		want   Decision
	}{
		{"ip allow: inside", ipAllow, Request{Action: invoke, Resource: arnGetPet, Context: ctxFrom("192.0.2.17")}, Allow},
		{"ip allow: second block", ipAllow, Request{Action: invoke, Resource: arnGetPet, Context: ctxFrom("198.51.100.1")}, Allow},
		{"ip allow: outside", ipAllow, Request{Action: invoke, Resource: arnGetPet, Context: ctxFrom("203.0.113.9")}, ImplicitDeny},
		{"ip allow: IPv4-mapped IPv6", ipAllow, Request{Action: invoke, Resource: arnGetPet, Context: ctxFrom("::ffff:192.0.2.17")}, Allow},
		{"ip allow: no address", ipAllow, Request{Action: invoke, Resource: arnGetPet}, ImplicitDeny},
		{"ip allow: other API", ipAllow, Request{Action: invoke, Resource: "arn:aws:execute-api:us-east-1:111111111111:other/prod/GET/", Context: ctxFrom("192.0.2.17")}, ImplicitDeny},
		{"vpce: from the endpoint", vpceDeny, Request{Action: invoke, Resource: arnGetPet, Context: &Context{SourceVpce: "vpce-1a2b3c4d"}}, Allow},
		{"vpce: other endpoint", vpceDeny, Request{Action: invoke, Resource: arnGetPet, Context: &Context{SourceVpce: "vpce-ffff"}}, ExplicitDeny},
		{"vpce: public internet (key absent)", vpceDeny, Request{Action: invoke, Resource: arnGetPet}, ExplicitDeny},
		{"ip deny list: listed", ipDenyList, Request{Action: invoke, Resource: arnGetPet, Context: ctxFrom("192.0.2.1")}, ExplicitDeny},
		{"ip deny list: not listed", ipDenyList, Request{Action: invoke, Resource: arnGetPet, Context: ctxFrom("10.0.0.1")}, Allow},
		{"cross account: named user", crossAccount, Request{Action: invoke, Resource: arnGetPet, Principal: outsider}, Allow},
		{"cross account: owner account root", crossAccount, Request{Action: invoke, Resource: arnGetPet, Principal: bob}, Allow},
		{"cross account: anonymous", crossAccount, Request{Action: invoke, Resource: arnGetPet, Principal: anonymous}, ImplicitDeny},
		{"cross account: other user of the other account", crossAccount, Request{Action: invoke, Resource: arnGetPet,
			Principal: Principal{Account: "222222222222", ARN: "arn:aws:iam::222222222222:user/dave"}}, ImplicitDeny},
		{"cross account: path outside", crossAccount, Request{Action: invoke, Resource: arnPostPet, Principal: outsider}, ImplicitDeny},
		{"role: its session", roleAllow, Request{Action: invoke, Resource: arnGetPet, Principal: session}, Allow},
		{"role: InvalidateCache too", roleAllow, Request{Action: "execute-api:InvalidateCache", Resource: arnGetPet, Principal: session}, Allow},
		{"role: a user", roleAllow, Request{Action: invoke, Resource: arnGetPet, Principal: alice}, ImplicitDeny},
		{"NotPrincipal: alice may POST", denyAllButAlice, Request{Action: invoke, Resource: arnPostPet, Principal: alice}, Allow},
		{"NotPrincipal: bob may not", denyAllButAlice, Request{Action: invoke, Resource: arnPostPet, Principal: bob}, ExplicitDeny},
		{"NotPrincipal: anonymous may not", denyAllButAlice, Request{Action: invoke, Resource: arnPostPet, Principal: anonymous}, ExplicitDeny},
		{"NotPrincipal: GET is open", denyAllButAlice, Request{Action: invoke, Resource: arnGetPet, Principal: bob}, Allow},
		{"PrincipalAccount: first value", accountCondition, Request{Action: invoke, Resource: arnGetPet, Principal: alice}, Allow},
		{"PrincipalAccount: other account", accountCondition, Request{Action: invoke, Resource: arnGetPet, Principal: outsider}, ImplicitDeny},
		{"PrincipalAccount: anonymous", accountCondition, Request{Action: invoke, Resource: arnGetPet}, ImplicitDeny},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCompile(t, Resource, tt.policy)
			if got := p.Evaluate(&tt.req); got != tt.want {
				t.Fatalf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIdentityPolicy(t *testing.T) {
	p := mustCompile(t, Identity, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["execute-api:Invoke"],"Resource":["arn:aws:execute-api:us-east-1:*:api-id/*/GET/*"]},
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:*:api-id/*/GET/secret*"},
		{"Effect":"Allow","NotAction":"execute-api:Invoke","Resource":"*"},
		{"Effect":"Allow","Action":"execute-api:Invoke","NotResource":"arn:aws:execute-api:*:*:api-id/*"}]}`)
	for _, tt := range []struct {
		action, resource string
		want             Decision
	}{
		{invoke, arnGetPet, Allow},
		{"EXECUTE-API:invoke", arnGetPet, Allow},
		{invoke, arnPostPet, ImplicitDeny},
		{invoke, "arn:aws:execute-api:us-east-1:111111111111:api-id/prod/GET/secrets", ExplicitDeny},
		{"execute-api:InvalidateCache", arnPostPet, Allow},                                  // NotAction
		{invoke, "arn:aws:execute-api:us-east-1:111111111111:other-api/prod/POST/x", Allow}, // NotResource
	} {
		if got := p.Evaluate(&Request{Action: tt.action, Resource: tt.resource, Principal: alice}); got != tt.want {
			t.Errorf("%s on %s: %v, want %v", tt.action, tt.resource, got, tt.want)
		}
	}
}

func TestConditions(t *testing.T) {
	allowIf := func(cond string) *Policy {
		return mustCompile(t, Resource, `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":`+cond+`}]}`)
	}
	full := &Context{
		SourceIP: netip.MustParseAddr("2001:db8::5"), SourceVpce: "vpce-1", SourceVpc: "vpc-9",
		UserAgent: "curl/8.5.0", Referer: "https://pets.example/", SecureTransport: "true",
		Keys: map[string]string{"apigw:stage": "prod"},
	}
	for _, tt := range []struct {
		name, cond string
		ctx        *Context
		principal  Principal
		want       bool
	}{
		{"StringEquals", `{"StringEquals":{"aws:SourceVpce":"vpce-1"}}`, full, anonymous, true},
		{"StringEquals key case-insensitive", `{"StringEquals":{"AWS:SOURCEVPCE":"vpce-1"}}`, full, anonymous, true},
		{"StringEquals value case-sensitive", `{"StringEquals":{"aws:SourceVpce":"VPCE-1"}}`, full, anonymous, false},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:SourceVpce":"VPCE-1"}}`, full, anonymous, true},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:SourceVpce":"VPCE-1"}}`, full, anonymous, false},
		{"values OR'd", `{"StringEquals":{"aws:SourceVpc":["vpc-1","vpc-9"]}}`, full, anonymous, true},
		{"keys AND'd: both", `{"StringEquals":{"aws:SourceVpc":"vpc-9","aws:SourceVpce":"vpce-1"}}`, full, anonymous, true},
		{"keys AND'd: one fails", `{"StringEquals":{"aws:SourceVpc":"vpc-9","aws:SourceVpce":"vpce-2"}}`, full, anonymous, false},
		{"operators AND'd", `{"StringEquals":{"aws:SourceVpc":"vpc-9"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, full, anonymous, false},
		{"StringNotEquals: none equal", `{"StringNotEquals":{"aws:SourceVpc":["vpc-1","vpc-2"]}}`, full, anonymous, true},
		{"StringNotEquals: one equals", `{"StringNotEquals":{"aws:SourceVpc":["vpc-1","vpc-9"]}}`, full, anonymous, false},
		{"StringLike", `{"StringLike":{"aws:UserAgent":"curl/*"}}`, full, anonymous, true},
		{"StringNotLike", `{"StringNotLike":{"aws:UserAgent":"curl/*"}}`, full, anonymous, false},
		{"StringLike ?", `{"StringLike":{"aws:Referer":"https://pets.exampl?/"}}`, full, anonymous, true},
		{"IPv6 block", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, full, anonymous, true},
		{"single address", `{"IpAddress":{"aws:SourceIp":"2001:db8::5"}}`, full, anonymous, true},
		{"NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, full, anonymous, false},
		{"Bool", `{"Bool":{"aws:SecureTransport":true}}`, full, anonymous, true},
		{"Bool as text", `{"Bool":{"aws:SecureTransport":"false"}}`, full, anonymous, false},
		{"other key", `{"StringEquals":{"apigw:stage":"prod"}}`, full, anonymous, true},
		{"ArnLike on PrincipalArn", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:user/*"}}`, nil, alice, true},
		{"ArnNotEquals on PrincipalArn", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:user/alice"}}`, nil, alice, false},
		// Absent keys.
		{"absent: positive false", `{"StringEquals":{"aws:SourceVpce":"vpce-1"}}`, nil, anonymous, false},
		{"absent: negated true", `{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}`, nil, anonymous, true},
		{"absent: NotIpAddress true", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, &Context{}, anonymous, true},
		{"absent: IpAddress false", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, &Context{}, anonymous, false},
		{"absent: IfExists true", `{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}`, nil, anonymous, true},
		{"present: IfExists compares", `{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-2"}}`, full, anonymous, false},
		{"absent: PrincipalAccount of anonymous", `{"StringEquals":{"aws:PrincipalAccount":"111111111111"}}`, nil, anonymous, false},
		{"absent other key", `{"StringEquals":{"apigw:stage":"prod"}}`, &Context{}, anonymous, false},
		{"Null true: absent", `{"Null":{"aws:SourceVpce":"true"}}`, nil, anonymous, true},
		{"Null true: present", `{"Null":{"aws:SourceVpce":"true"}}`, full, anonymous, false},
		{"Null false: present", `{"Null":{"aws:SourceVpce":"false"}}`, full, anonymous, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := allowIf(tt.cond).Evaluate(&Request{Action: invoke, Resource: arnGetPet, Principal: tt.principal, Context: tt.ctx}) == Allow
			if got != tt.want {
				t.Fatalf("applies = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		kind Kind
		doc  string
		want string
	}{
		{"version", Resource, `{"Version":"2020-01-01","Statement":[]}`, `Version "2020-01-01": unknown`},
		{"no statement", Identity, `{"Statement":[]}`, "no Statement"},
		{"effect", Identity, `{"Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}`, `Effect "Maybe"`},
		{"no action", Identity, `{"Statement":{"Effect":"Allow","Resource":"*"}}`, "no Action"},
		{"both actions", Identity, `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}}`, "both Action and NotAction"},
		{"no resource", Identity, `{"Statement":{"Effect":"Allow","Action":"*"}}`, "no Resource"},
		{"both resources", Identity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"x"}}`, "both Resource and NotResource"},
		{"action form", Identity, `{"Statement":{"Effect":"Allow","Action":"Invoke","Resource":"*"}}`, `not service:action`},
		{"principal in identity policy", Identity, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, "names no Principal"},
		{"resource policy without principal", Resource, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "no Principal or NotPrincipal"},
		{"both principals", Resource, `{"Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*","Resource":"*"}}`, "both Principal and NotPrincipal"},
		{"principal type", Resource, `{"Statement":{"Effect":"Allow","Principal":{"Robot":"x"},"Action":"*","Resource":"*"}}`, `unknown type "Robot"`},
		{"principal wildcard", Resource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:user/*"},"Action":"*","Resource":"*"}}`, "wildcards"},
		{"principal junk", Resource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"*","Resource":"*"}}`, "neither an account id"},
		{"operator", Resource, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"x":"1"}}}}`, `unsupported condition operator "NumericLessThan"`},
		{"set operator", Resource, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"x":"1"}}}}`, "unsupported condition operator"},
		{"null if exists", Resource, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"NullIfExists":{"x":"true"}}}}`, "unsupported condition operator"},
		{"cidr", Resource, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}}`, "not a CIDR block"},
		{"bool", Resource, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}}`, "neither true nor false"},
		{"sid named", Identity, `{"Statement":[{"Sid":"first","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"second","Effect":"No","Action":"*","Resource":"*"}]}`, `Statement[1] (Sid "second")`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.doc))
			if err == nil {
				_, err = Compile(d, Options{Kind: tt.kind})
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, doc := range []string{
		``, `[]`, `{"Statement":"x"}`, `{"Statement":[{"Effect":"Allow","Actions":"*"}]}`,
		`{"Statement":{"Effect":"Allow","Action":{"a":1}}}`, `{"Statement":{"Principal":5}}`,
		`{"Statement":[]} {}`, `{"Statement":{"Condition":{"StringEquals":{"k":null}}}}`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%s): no error", doc)
		}
	}
}

func TestExpandResource(t *testing.T) {
	d, err := Parse([]byte(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":["execute-api:/*/GET/*","bad"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	expand := func(s string) (string, error) {
		if rest, ok := strings.CutPrefix(s, "execute-api:"); ok {
			return "arn:aws:execute-api:us-east-1:111111111111:api-id" + rest, nil
		}
		if s == "bad" {
			return "", errBad
		}
		return s, nil
	}
	if _, err := Compile(d, Options{Kind: Resource, ExpandResource: expand}); err == nil || !strings.Contains(err.Error(), `Resource[1] "bad"`) {
		t.Fatalf("error %v", err)
	}
	d.Statement[0].Resource = d.Statement[0].Resource[:1]
	p, err := Compile(d, Options{Kind: Resource, ExpandResource: expand})
	if err != nil {
		t.Fatal(err)
	}
	if p.Evaluate(&Request{Action: invoke, Resource: arnGetPet}) != Allow || p.Evaluate(&Request{Action: invoke, Resource: arnPostPet}) != ImplicitDeny {
		t.Fatal("expanded shorthand not applied")
	}
}

type stringError string

func (e stringError) Error() string { return string(e) }

const errBad = stringError("not a resource")

func TestDecisionString(t *testing.T) {
	if ImplicitDeny.String() != "implicit deny" || Allow.String() != "allow" || ExplicitDeny.String() != "explicit deny" {
		t.Fatal("Decision.String")
	}
}

func TestPrincipalSessions(t *testing.T) {
	p := mustCompile(t, Resource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:role/team/Dev"]},"Action":"*","Resource":"*"}}`)
	for _, tt := range []struct {
		arn  string
		want Decision
	}{
		{"arn:aws:sts::111111111111:assumed-role/Dev/s1", Allow},
		{"arn:aws:iam::111111111111:role/team/Dev", Allow},
		{"arn:aws:sts::222222222222:assumed-role/Dev/s1", ImplicitDeny},
		{"arn:aws-cn:sts::111111111111:assumed-role/Dev/s1", ImplicitDeny},
		{"arn:aws:sts::111111111111:assumed-role/Ops/s1", ImplicitDeny},
		{"arn:aws:sts::111111111111:assumed-role/Dev", ImplicitDeny},
		{"arn:aws:sts::111111111111:federated-user/Dev", ImplicitDeny},
	} {
		if got := p.Evaluate(&Request{Action: invoke, Resource: arnGetPet, Principal: Principal{Account: "x", ARN: tt.arn}}); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.arn, got, tt.want)
		}
	}
}
