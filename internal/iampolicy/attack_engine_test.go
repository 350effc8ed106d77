package iampolicy

import (
	"net/netip"
	"testing"
)

// Attack tests of the policy engine: each asserts what AWS's evaluation
// gives; a failure is a finding.

const attackBase = "arn:aws:execute-api:us-east-1:111111111111:api-id"

func decide(t *testing.T, kind Kind, doc string, r *Request) Decision {
	t.Helper()
	return mustCompile(t, kind, doc).Evaluate(r)
}

// TestAttackEngineDenyForms: Deny written with NotResource, NotAction,
// action wildcards and odd case applies; a Deny whose condition key is
// absent is no Allow; empty Resource lists do not compile into "anything".
func TestAttackEngineDenyForms(t *testing.T) {
	secret := &Request{Action: invoke, Resource: attackBase + "/prod/GET/secret", Principal: anonymous, Context: &Context{}}
	for name, tc := range map[string]struct {
		doc  string
		want Decision
	}{
		"Deny NotResource public": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
			{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","NotResource":"` + attackBase + `/prod/GET/public*"}]}`, ExplicitDeny},
		"Deny NotAction InvalidateCache": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
			{"Effect":"Deny","Principal":"*","NotAction":"execute-api:InvalidateCache","Resource":"*"}]}`, ExplicitDeny},
		"Deny execute-api:* ": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
			{"Effect":"Deny","Principal":"*","Action":"execute-api:*","Resource":"*"}]}`, ExplicitDeny},
		"Deny EXECUTE-API:INVOKE": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
			{"Effect":"Deny","Principal":"*","Action":"EXECUTE-API:INVOKE","Resource":"*"}]}`, ExplicitDeny},
		"Deny execute-api:Inv?ke": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
			{"Effect":"Deny","Principal":"*","Action":"execute-api:Inv?ke","Resource":"*"}]}`, ExplicitDeny},
		"Deny lower-case effect": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
			{"Effect":"deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}`, ExplicitDeny},
		"Deny NotPrincipal alice, anonymous": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
			{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"execute-api:Invoke","Resource":"*"}]}`, ExplicitDeny},
		"Deny StringNotEquals absent vpce": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
			{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}`, ExplicitDeny},
		"Deny Null true absent vpce": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
			{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Null":{"aws:sourcevpce":"true"}}}]}`, ExplicitDeny},
		"Deny NotIpAddress absent ip": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
			{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"NotIpAddress":{"AWS:SOURCEIP":"10.0.0.0/8"}}}]}`, ExplicitDeny},
		"Allow only with absent-key condition": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}]}`, ImplicitDeny},
		"Allow other account's ARN": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:222222222222:api-id/*"}]}`, ImplicitDeny},
		"Allow other region's ARN": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:eu-west-1:111111111111:api-id/*"}]}`, ImplicitDeny},
		"Allow ? is one char only (it may be a slash, as in IAM)": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"` + attackBase + `/prod/GET?ecret"}]}`, ImplicitDeny},
		"Allow other action only": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:InvalidateCache","Resource":"*"}]}`, ImplicitDeny},
		"Allow s3:*": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, ImplicitDeny},
		"Allow named principal, anonymous caller": {`{"Statement":[
			{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"execute-api:Invoke","Resource":"*"}]}`, ImplicitDeny},
		"Allow with value case differing": {`{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:UserAgent":"Trusted"}}}]}`, ImplicitDeny},
	} {
		r := *secret
		ctx := Context{UserAgent: "trusted"}
		r.Context = &ctx
		if got := decide(t, Resource, tc.doc, &r); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	for name, doc := range map[string]string{
		"empty Resource list":    `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":[]}]}`,
		"empty Resource string":  `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":""}]}`,
		"empty Action list":      `{"Statement":[{"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"}]}`,
		"unknown operator":       `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`,
		"unknown effect":         `{"Statement":[{"Effect":"Alow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}`,
		"empty condition values": `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":[]}}}]}`,
		"principal wildcard arn": `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"execute-api:Invoke","Resource":"*"}]}`,
	} {
		d, err := Parse([]byte(doc))
		if err == nil {
			_, err = Compile(d, Options{Kind: Resource})
		}
		if err == nil {
			t.Errorf("%s: compiled", name)
		}
	}
}

// TestAttackEngineSourceIP: every form of an address in a denied range is
// denied: IPv4-mapped IPv6, and an IPv6 address with a zone.
func TestAttackEngineSourceIP(t *testing.T) {
	doc := `{"Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","fe80::/10"]}}}]}`
	p := mustCompile(t, Resource, doc)
	for _, ip := range []string{"10.1.2.3", "::ffff:10.1.2.3", "fe80::1", "fe80::1%eth0"} {
		r := &Request{Action: invoke, Resource: arnGetPet, Context: &Context{SourceIP: netip.MustParseAddr(ip)}}
		if got := p.Evaluate(r); got != ExplicitDeny {
			t.Errorf("from %s: %v, want explicit deny", ip, got)
		}
	}
	// An Allow-list by NotIpAddress Deny holds for the same forms.
	doc2 := `{"Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24"]}}}]}`
	p2 := mustCompile(t, Resource, doc2)
	for _, ip := range []string{"10.1.2.3", "::ffff:10.1.2.3", "fe80::1%eth0", "::ffff:10.1.2.3%x"} {
		r := &Request{Action: invoke, Resource: arnGetPet, Context: &Context{SourceIP: netip.MustParseAddr(ip)}}
		if got := p2.Evaluate(r); got != ExplicitDeny {
			t.Errorf("NotIpAddress allow-list, from %s: %v, want explicit deny", ip, got)
		}
	}
}
