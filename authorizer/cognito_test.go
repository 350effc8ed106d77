package authorizer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func utf8Valid(s string) bool { return utf8.ValidString(s) }

func TestCognitoConfig(t *testing.T) {
	j, err := CognitoConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC123", ClientIDs: []string{"client1"}, TokenUse: "access"}.JWTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if j.Issuer != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123" ||
		j.JWKSURL != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json" ||
		j.Audience[0] != "client1" || j.TokenUse != "access" || j.Algorithms[0] != "RS256" {
		t.Fatalf("derived %+v", j)
	}
	a, err := NewCognito(CognitoConfig{Region: "us-gov-west-1", UserPoolID: "us-gov-west-1_x"})
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Close()
	for _, tt := range []struct {
		name string
		cfg  CognitoConfig
		want string
	}{
		{"no region", CognitoConfig{UserPoolID: "eu-west-1_A"}, "Region"},
		{"bad pool", CognitoConfig{Region: "eu-west-1", UserPoolID: "pool"}, "UserPoolID"},
		{"pool of another region", CognitoConfig{Region: "eu-west-1", UserPoolID: "us-east-1_A"}, "not in region"},
		{"short pool of another region", CognitoConfig{Region: "eu-west-1", UserPoolID: "ap-x-1_A"}, "not in region"},
		{"issuer given", CognitoConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_A", JWT: JWTConfig{Issuer: "x"}}, "leave them empty"},
		{"bad token use", CognitoConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_A", TokenUse: "x"}, "TokenUse"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCognito(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if Cognito(tt.cfg).Validate() == nil {
				t.Fatal("Cognito did not record the error")
			}
		})
	}
}
