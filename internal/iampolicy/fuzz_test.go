package iampolicy

import (
	"net/netip"
	"testing"
)

// FuzzPolicy feeds arbitrary documents to Parse and Compile, and evaluates
// whatever compiles: nothing may panic, and a document without an Allow
// never allows.
func FuzzPolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:api-id/*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24"]}}}]}`, "192.0.2.1")
	f.Add(`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["111111111111","arn:aws:iam::111111111111:role/R"]},"NotAction":"s3:*","NotResource":"x","Condition":{"StringNotLikeIfExists":{"aws:SourceVpce":"vpce-*"},"Null":{"k":true}}}}`, "::1")
	f.Add(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["*"],"Resource":"*?*","Condition":{"Bool":{"aws:SecureTransport":[true,"false"]},"ArnLike":{"aws:PrincipalArn":"arn:*"}}}]}`, "10.1.2.3")
	f.Fuzz(func(t *testing.T, doc, ip string) {
		d, err := Parse([]byte(doc))
		if err != nil {
			return
		}
		for _, kind := range []Kind{Identity, Resource, Authorizer} {
			p, err := Compile(d, Options{Kind: kind})
			if err != nil {
				continue
			}
			c := &Context{SourceVpce: "vpce-1", Keys: map[string]string{"k": "v"}}
			if a, err := netip.ParseAddr(ip); err == nil {
				c.SourceIP = a
			}
			hasAllow := false
			for _, st := range d.Statement {
				if st.Effect == "Allow" || st.Effect == "allow" || len(st.Effect) == 5 {
					hasAllow = true
				}
			}
			for _, pr := range []Principal{{}, alice, session} {
				got := p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: arnGetPet, Principal: pr, Context: c})
				if got == Allow && !hasAllow {
					t.Fatalf("%s allowed without an Allow statement", doc)
				}
			}
		}
	})
}
