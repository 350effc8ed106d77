package gateway

import (
	"time"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/validator"
)

// CacheSettings are a method's cache settings: on or off, TTL, and the
// cache key parameters (method.request.path.id,
// method.request.querystring.lang, method.request.header.Accept). A path
// parameter not declared does not split entries, as in AWS.
type CacheSettings = cache.MethodSettings

// Method is one HTTP method of one resource: what a client may send and how
// the gateway answers it.
type Method struct {
	// Integration serves the method; required.
	Integration Integration
	// Authorizer names the method's authorizer, given to [WithAuthorizer];
	// "" lets anyone call it.
	Authorizer string
	// AuthorizationScopes are the OAuth scopes a JWT authorizer requires:
	// the token must hold at least one of them.
	AuthorizationScopes []string

	// APIKeyRequired makes the method need an API key of a usage plan that
	// covers the stage ([WithUsagePlans]); the plan's throttle and quota
	// then apply.
	APIKeyRequired bool

	// Timeout is the integration timeout; 0 takes the gateway's (29 s by
	// default). From 50 ms.
	Timeout time.Duration

	// RequestValidator says what of the declarations below is checked:
	// validator.All (the zero value), validator.Body, validator.Parameters
	// or validator.Off.
	RequestValidator validator.Mode
	// RequestParameters declares the method's parameters, keyed as AWS
	// does ("method.request.querystring.lang", "method.request.header.x-id",
	// "method.request.path.id"); true marks a required one.
	RequestParameters map[string]bool
	// RequestModels maps a content type ("application/json", or "$default"
	// for any other) to the name of a model given to [WithModel].
	RequestModels map[string]string

	// Request, when set, makes the integration non-proxy: the request the
	// integration receives is made by this mapping (templates chosen by
	// content type, passthrough behaviour, parameter mappings). A
	// *mapping.Template, mapping.Expr or mapping.Text alone is the
	// application/json template.
	Request mapping.RequestSpec
	// Response, when set, makes the integration non-proxy: the
	// integration's answer is mapped to the method response by its
	// integration responses (selection patterns, status, header mappings,
	// templates); in non-proxy mode only declared headers leave. A
	// *mapping.Template alone is the default integration response: 200 with
	// that application/json template.
	Response mapping.ResponseSpec

	// Cache holds the method's cache settings: whether it is cached (by
	// default GET methods are when the gateway has a cache, [WithCache]),
	// its TTL and its cache key parameters. The stage's method settings
	// (stage.MethodSettings.CachingEnabled, CacheTTL) apply where these
	// are unset. Without a cache, key parameters alone are inert (as a
	// method's cacheKeyParameters on an AWS stage without a cache); Enabled
	// or a TTL is an error.
	Cache *CacheSettings

	// ParameterMapping changes the request before the integration sees it
	// and the integration's answer before the client does, as an HTTP API
	// route's parameter mapping does (HTTP APIs only; REST APIs map
	// parameters in Request and Response).
	ParameterMapping *ParameterMapping

	// CORS replaces the API's CORS policy ([WithCORS]) for this method, as
	// a whole; nil keeps the API's.
	CORS *cors.Config
}
