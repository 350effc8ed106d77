package authorizer

import "testing"

// TestAttackCognitoIDTokenWithScopes: AWS's COGNITO_USER_POOLS authorizer
// on a method with OAuth scopes accepts only an access token whose scope
// claim holds one of them; an ID token never passes such a method (AWS:
// "If the method has scopes, an access token is required"; unsure how
// AWS treats an scp claim, which Cognito never issues). An ID token that
// carries a scope or scp claim (a pre-token-generation trigger can add
// claims to ID tokens) must not open a scoped method.
func TestAttackCognitoIDTokenWithScopes(t *testing.T) {
	clk := newClock()
	cfg := CognitoConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC123", ClientIDs: []string{"client1"}}
	a := cognitoWithKeys(t, cfg, clk)
	iss := "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
	now := clk.Now()
	token := func(mod func(map[string]any)) string {
		return signRS256(rsaKeyA(), rsHeader("a"), claimsAt(now, func(c map[string]any) {
			c["iss"] = iss
			delete(c, "aud")
			delete(c, "scope")
			mod(c)
		}))
	}
	scopes := []string{"admin/write"}
	// Sanity: an access token with the scope passes.
	if got := serve(a, scopes, bearer("Bearer "+token(func(c map[string]any) {
		c["token_use"], c["client_id"], c["scope"] = "access", "client1", "admin/write"
	}))); got.status != 200 {
		t.Fatalf("access token with the scope: %d", got.status)
	}
	for name, mod := range map[string]func(map[string]any){
		"id token with scope": func(c map[string]any) { c["token_use"], c["aud"], c["scope"] = "id", "client1", "admin/write" },
		"id token with scp":   func(c map[string]any) { c["token_use"], c["aud"], c["scp"] = "id", "client1", []any{"admin/write"} },
	} {
		if got := serve(a, scopes, bearer("Bearer "+token(mod))); got.status/100 == 2 {
			t.Errorf("%s opened a method that requires scopes: %d", name, got.status)
		}
	}
}
