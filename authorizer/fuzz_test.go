package authorizer

import (
	"crypto/rsa"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/apigw/apigw"
)

// FuzzJWTAuthorize feeds arbitrary Authorization header values to the JWT
// token path. It must never panic, and it must accept nothing but the
// valid tokens it was seeded with (a fuzzer cannot forge an RS256
// signature, and the token parser must admit no malleable variant).
func FuzzJWTAuthorize(f *testing.F) {
	clk := newClock()
	a, err := NewJWT(JWTConfig{
		Issuer: testIssuer, Audience: []string{testAudience},
		Keys: keySetOf(f, map[string]*rsa.PrivateKey{"a": rsaKeyA()}), Now: clk.Now,
		Logger: quietLogger(),
	})
	if err != nil {
		f.Fatal(err)
	}
	now := clk.Now()
	valid := map[string]bool{}
	for _, claims := range []map[string]any{
		claimsAt(now, nil),
		claimsAt(now, func(c map[string]any) { c["aud"] = []string{"x", testAudience}; c["nbf"] = now.Unix() }),
		claimsAt(now, func(c map[string]any) { delete(c, "aud"); c["client_id"] = testAudience; c["exp"] = 1.9e9 }),
	} {
		tok := signRS256(rsaKeyA(), rsHeader("a"), claims)
		valid[tok] = true
		f.Add("Bearer " + tok)
		f.Add(tok)
	}
	f.Add("")
	f.Add("Bearer")
	f.Add("Bearer a.b.c")
	f.Add("Bearer eyJhbGciOiJub25lIn0.e30.")
	f.Add("Bearer eyJhbGciOiJIUzI1NiIsImtpZCI6ImEifQ.e30.AAAA")
	f.Fuzz(func(t *testing.T, header string) {
		r := &http.Request{Header: http.Header{"Authorization": {header}}}
		c := &apigw.Context{}
		err := a.Authorize(r, c, nil)
		if err != nil {
			e, ok := err.(*apigw.Error)
			if !ok || (e.Type != apigw.Unauthorized && e.StatusCode() != 401) {
				t.Fatalf("refusal %v is not a 401", err)
			}
			return
		}
		tok := strings.Trim(header, " \t")
		if len(tok) >= 6 && strings.EqualFold(tok[:6], "bearer") {
			tok = strings.TrimLeft(tok[6:], " \t")
		}
		if !valid[tok] {
			t.Fatalf("accepted a token it was not given: %q", header)
		}
		if c.Authorizer.PrincipalID != "user-1" {
			t.Fatalf("principal %q", c.Authorizer.PrincipalID)
		}
	})
}

// FuzzRequestCacheKey: two lists of identity-source values share a REQUEST
// authorizer's cache key only when they are the same lists. Each input is
// split into sources at '|' and into values at ';' (so every byte but
// those two can appear in a value).
func FuzzRequestCacheKey(f *testing.F) {
	f.Add("x;y|z", "x|y;z")
	f.Add("1:x|z", "x|1:z")
	f.Add("2#1:x1:y", "x;y")
	f.Add("", ";")
	f.Fuzz(func(t *testing.T, a, b string) {
		split := func(s string) [][]string {
			var out [][]string
			for src := range strings.SplitSeq(s, "|") {
				out = append(out, strings.Split(src, ";"))
			}
			return out
		}
		key := func(l [][]string) string {
			var k []byte
			for _, vals := range l {
				k = appendKey(k, vals)
			}
			return string(k)
		}
		la, lb := split(a), split(b)
		same := len(la) == len(lb)
		for i := 0; same && i < len(la); i++ {
			same = slices.Equal(la[i], lb[i])
		}
		if (key(la) == key(lb)) != same {
			t.Fatalf("%q and %q: keys %q and %q", la, lb, key(la), key(lb))
		}
	})
}
