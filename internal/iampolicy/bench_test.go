package iampolicy

import (
	"net/netip"
	"testing"
)

// BenchmarkEvaluate is a resource policy of four statements with an IP
// condition judging an authenticated caller.
func BenchmarkEvaluate(b *testing.B) {
	p := mustCompile(b, Resource, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:api-id/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:api-id/*",
		 "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","198.51.100.0/24"]}}},
		{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:user/bob"},"Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:api-id/*/PUT/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:api-id/*/DELETE/*",
		 "Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111111111111"}}}]}`)
	req := &Request{Action: "execute-api:Invoke", Resource: arnGetPet, Principal: alice,
		Context: &Context{SourceIP: netip.MustParseAddr("192.0.2.44")}}
	b.ReportAllocs()
	for b.Loop() {
		if p.Evaluate(req) != Allow {
			b.Fatal("not allowed")
		}
	}
}

func TestEvaluateAllocates(t *testing.T) {
	p := mustCompile(t, Resource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/Dev"},"Action":"execute-api:*","Resource":"*",
		"Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"},"StringLike":{"aws:UserAgent":"curl/*"}}}}`)
	req := &Request{Action: invoke, Resource: arnGetPet, Principal: session,
		Context: &Context{SourceIP: netip.MustParseAddr("192.0.2.1"), UserAgent: "curl/8"}}
	if n := testing.AllocsPerRun(100, func() { p.Evaluate(req) }); n != 0 {
		t.Fatalf("Evaluate: %v allocations, budget 0", n)
	}
}
