package authorizer

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// CognitoConfig configures an authorizer for the tokens of an Amazon
// Cognito user pool, as AWS's COGNITO_USER_POOLS authorizer checks them.
// Region and UserPoolID are required.
type CognitoConfig struct {
	// Region is the user pool's AWS region, e.g. "eu-west-1".
	Region string
	// UserPoolID is the pool's id, e.g. "eu-west-1_AbCdEf123".
	UserPoolID string
	// ClientIDs lists the app clients whose tokens are accepted: a token's
	// aud (id tokens) must be one of them, or, only when it has no aud
	// (access tokens), its client_id. Default: any client of the pool.
	ClientIDs []string
	// TokenUse, when set, accepts only "id" or only "access" tokens.
	TokenUse string
	// JWT holds every other setting (leeway, clock, header, caches, HTTP
	// client, logger). Its Issuer, JWKSURL, Keys, Audience and TokenUse must
	// be left empty: they come from the fields above.
	JWT JWTConfig
}

var (
	cognitoRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	cognitoPool   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]_[0-9A-Za-z]+$`)
)

// JWTConfig derives the JWT authorizer's configuration: the issuer
// https://cognito-idp.{region}.amazonaws.com/{userPoolId} and its JWKS at
// {issuer}/.well-known/jwks.json.
func (c CognitoConfig) JWTConfig() (JWTConfig, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("authorizer: CognitoConfig."+format, args...))
	}
	if !cognitoRegion.MatchString(c.Region) {
		bad("Region %q: not an AWS region", c.Region)
	}
	if !cognitoPool.MatchString(c.UserPoolID) {
		bad("UserPoolID %q: not a user pool id", c.UserPoolID)
	} else if cognitoRegion.MatchString(c.Region) && !strings.HasPrefix(c.UserPoolID, c.Region+"_") {
		bad("UserPoolID %q: not in region %s", c.UserPoolID, c.Region)
	}
	j := c.JWT
	if j.Issuer != "" || j.JWKSURL != "" || j.Keys != nil || len(j.Audience) > 0 || j.TokenUse != "" {
		bad("JWT: Issuer, JWKSURL, Keys, Audience and TokenUse come from the Cognito fields; leave them empty")
	}
	if err := errors.Join(errs...); err != nil {
		return JWTConfig{}, err
	}
	j.Issuer = "https://cognito-idp." + c.Region + ".amazonaws.com/" + c.UserPoolID
	j.JWKSURL = j.Issuer + "/.well-known/jwks.json"
	j.Audience = append([]string(nil), c.ClientIDs...)
	j.TokenUse = c.TokenUse
	j.cognito = true
	if len(j.Algorithms) == 0 {
		j.Algorithms = []string{"RS256"} // Cognito signs with RS256 only
	}
	return j, nil
}

// NewCognito returns a JWT authorizer for a Cognito user pool, or an error
// naming each bad field.
func NewCognito(c CognitoConfig) (*JWTAuthorizer, error) {
	j, err := c.JWTConfig()
	if err != nil {
		return nil, err
	}
	return NewJWT(j)
}

// MustNewCognito is like [NewCognito] but panics on a bad configuration;
// it is meant for examples and tests whose configuration is a literal.
func MustNewCognito(c CognitoConfig) *JWTAuthorizer {
	return must(NewCognito(c))
}
