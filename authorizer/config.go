package authorizer

// Config returns the configuration a was built with, as given (defaults
// not filled in), for tools that write an API down (package openapi's
// Export). Changing it changes nothing.
func (a *TokenAuthorizer) Config() TokenConfig { return a.cfg }

// Config returns the configuration a was built with, as given (defaults
// not filled in), for tools that write an API down. Changing it changes
// nothing.
func (a *RequestAuthorizer) Config() RequestConfig {
	c := a.cfg
	c.IdentitySources = append([]string(nil), c.IdentitySources...)
	return c
}

// Config returns the configuration a was built with, as given (defaults
// not filled in; a Cognito authorizer's is the one CognitoConfig.JWTConfig
// derived), for tools that write an API down. Changing it changes nothing.
func (a *JWTAuthorizer) Config() JWTConfig {
	c := a.cfg
	c.Audience = append([]string(nil), c.Audience...)
	c.Algorithms = append([]string(nil), c.Algorithms...)
	return c
}
