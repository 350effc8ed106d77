package gateway

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

// Option configures a gateway: [New] takes both kinds of option, the
// gateway's own settings (stages, API id, clock, cache, usage plans, access
// log) and the API's definition ([DeploymentOption]: routes, models, gateway
// responses), which becomes its first deployment.
type Option interface{ apply(*config) }

// DeploymentOption describes the API: what a deployment snapshots. [New],
// [Gateway.Deploy] and [Gateway.CreateDeployment] take it; the gateway's own
// settings are Options only, so passing one to Deploy does not compile.
type DeploymentOption interface {
	Option
	deployment()
}

// gatewayOption sets something of the gateway itself.
type gatewayOption func(*config)

func (o gatewayOption) apply(c *config) { o(c) }

// deploymentOption sets something of the API's definition.
type deploymentOption func(*config)

func (o deploymentOption) apply(c *config) { o(c) }
func (deploymentOption) deployment()       {}

// config is everything the options say.
type config struct {
	// The API definition: what a deployment snapshots.
	routes    []routeSpec
	models    map[string]string
	responses map[apigw.ResponseType]apigw.GatewayResponse
	timeout   time.Duration
	desc      string
	cors      *cors.Config
	authz     map[string]authorizer.Authorizer
	policy    string // the resource policy's JSON
	binary    []string

	// The gateway itself.
	httpAPI                  bool // an HTTP API, not a REST API
	apiID, region, accountID string
	stages                   []stage.Stage
	accessLog                *slog.Logger
	now                      func() time.Time
	realClock                bool // now is time.Now
	random                   func() float64
	transport                http.RoundTripper
	vpcLinks                 map[string]*vpcLink
	cache                    *cache.Config
	plans                    *usageplan.Registry
	observer                 Observer

	errs []error
}

// Route adds a method to the API. pattern is "METHOD /resource/path": the
// method is GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or ANY; the path's
// segments are literals, {param} or, last, a greedy {proxy+}.
func Route(pattern string, m Method) DeploymentOption {
	return deploymentOption(func(c *config) { c.routes = append(c.routes, routeSpec{pattern: pattern, method: m}) })
}

// WithModel adds a named model, a JSON Schema, for Method.RequestModels.
func WithModel(name, schema string) DeploymentOption {
	return deploymentOption(func(c *config) {
		if c.models == nil {
			c.models = map[string]string{}
		}
		if _, dup := c.models[name]; dup {
			c.errs = append(c.errs, fmt.Errorf("WithModel(%q): defined twice", name))
		}
		c.models[name] = schema
	})
}

// WithGatewayResponses customises the gateway responses, as AWS's
// PutGatewayResponse does; the types not given keep AWS's defaults (or
// DEFAULT_4XX / DEFAULT_5XX when those are given).
func WithGatewayResponses(m map[apigw.ResponseType]apigw.GatewayResponse) DeploymentOption {
	return deploymentOption(func(c *config) {
		if c.responses == nil {
			c.responses = map[apigw.ResponseType]apigw.GatewayResponse{}
		}
		for t, r := range m {
			c.responses[t] = r
		}
	})
}

// WithTimeout sets the integration timeout of every method that sets none:
// 50 ms or more. Default 29 s, AWS's default.
func WithTimeout(d time.Duration) DeploymentOption {
	return deploymentOption(func(c *config) { c.timeout = d })
}

// WithDescription describes the deployment, for people.
func WithDescription(s string) DeploymentOption {
	return deploymentOption(func(c *config) { c.desc = s })
}

// WithStage adds a stage. Without one the gateway serves a single stage
// named "default" at the root; with one, that stage is served at the root;
// with several, each is served under /{stageName}/, as AWS's invoke URLs
// are.
func WithStage(s stage.Stage) Option {
	return gatewayOption(func(c *config) {
		c.stages = append(c.stages, s)
	})
}

// WithHTTPAPI makes the gateway an HTTP API, API Gateway's second kind of
// HTTP API, instead of a REST API. It reuses every phase but answers as
// HTTP APIs do:
//
//   - stages: the $default stage (stage.Default, the default when no
//     WithStage is given) is served at the root, every other stage under
//     /{stageName}/, beside it;
//   - routes: "$default" catches every request no other route matches
//     (Route("$default", ...)); $context.routeKey and the Lambda 2.0
//     event's routeKey are the route's key ("ANY /things/{id}");
//   - answers: 404 {"message":"Not Found"} for no route, 500
//     {"message":"Internal Server Error"} for a failed Lambda integration,
//     503 {"message":"Service Unavailable"} for a timeout, 403
//     {"message":"Forbidden"} for every denial, no x-amzn-ErrorType, the
//     request id (in HTTP APIs' short form) in apigw-requestid (see
//     apigw.HTTPAPIResponses);
//   - CORS: with WithCORS, preflights are answered by the gateway before
//     any route, the $default route included;
//   - the default integration timeout is 30 s, at most 30 s.
//
// What HTTP APIs do not have is refused by New, naming the option: usage
// plans and API keys, the stage cache, request validation, mapping
// templates (HTTP APIs map parameters instead: Method.ParameterMapping),
// mock integrations, gateway responses, resource policies and per-method
// CORS.
func WithHTTPAPI() Option {
	return gatewayOption(func(c *config) { c.httpAPI = true })
}

// WithAPIID sets $context.apiId, used in method ARNs and events. Default
// "apigw".
func WithAPIID(id string) Option {
	return gatewayOption(func(c *config) { c.apiID = id })
}

// WithRegion sets the region in method ARNs. Default "us-east-1".
func WithRegion(region string) Option {
	return gatewayOption(func(c *config) { c.region = region })
}

// WithAccountID sets $context.accountId. Default "123456789012".
func WithAccountID(id string) Option {
	return gatewayOption(func(c *config) { c.accountID = id })
}

// WithAccessLog writes one record per request to l, at Info level (Warn for
// 4xx refusals, Error for 5xx). nil, the default, logs nothing.
func WithAccessLog(l *slog.Logger) Option {
	return gatewayOption(func(c *config) { c.accessLog = l })
}

// WithClock replaces time.Now, for tests: the request time of every
// request ($context.requestTime) and its latencies, deployment times, VPC
// link cooldowns, and the phases the gateway builds (the cache of
// WithCache unless its Config.Now is set, and the method and account
// throttles of a gateway without usage plans). Authorizers and usage plans
// are built by you: give them the same clock in their Config.Now. An
// integration's timeout stays on the real clock: it becomes a context
// deadline that real I/O honours.
func WithClock(now func() time.Time) Option {
	return gatewayOption(func(c *config) { c.now = now })
}

// WithRandom replaces the source of the canary draw: a function returning
// values in [0, 1), safe for simultaneous use. For tests with a seeded
// source.
func WithRandom(f func() float64) Option {
	return gatewayOption(func(c *config) { c.random = f })
}

// WithTransport sets the transport of HTTP integrations. Default: a clone of
// http.DefaultTransport that keeps more idle connections per host.
func WithTransport(rt http.RoundTripper) Option {
	return gatewayOption(func(c *config) { c.transport = rt })
}

// WithCORS sets the API's CORS policy: preflights are answered by the
// gateway before any authorizer or API key check, and every response to an
// allowed origin carries the CORS headers, gateway errors included. A
// method's own Method.CORS replaces it.
func WithCORS(opts cors.Config) DeploymentOption {
	return deploymentOption(func(c *config) { o := opts; c.cors = &o })
}

// WithResourcePolicy sets the API's resource policy, a JSON IAM policy
// document as AWS's REST APIs take it (Principal, Action
// execute-api:Invoke, Resource method ARNs or the execute-api:/stage/METHOD/path
// shorthand, conditions such as aws:SourceIp): it is combined with every
// method's authorization as AWS documents (see authorizer.ResourcePolicy);
// a refusal is AWS's 403 "User: anonymous is not authorized to perform:
// execute-api:Invoke on resource: ...".
func WithResourcePolicy(document string) DeploymentOption {
	return deploymentOption(func(c *config) { c.policy = document })
}

// WithAuthorizer adds a named authorizer for Method.Authorizer: a JWT or
// Cognito authorizer, or a Lambda-style TOKEN or REQUEST one, as its
// constructor (authorizer.NewJWT and the like) built it, configuration
// checked. [Gateway.Close] closes it.
func WithAuthorizer(name string, a authorizer.Authorizer) DeploymentOption {
	return deploymentOption(func(c *config) {
		if c.authz == nil {
			c.authz = map[string]authorizer.Authorizer{}
		}
		if _, dup := c.authz[name]; dup {
			c.errs = append(c.errs, fmt.Errorf("gateway: WithAuthorizer(%q): defined twice", name))
		}
		c.authz[name] = a
	})
}

// WithCache turns on the stage cache of every stage: responses to cached
// methods (GET by default) are kept for their TTL and served without
// calling the integration; Cache-Control: max-age=0 asks for a fresh answer
// when the caller may. The stages share one store (cfg.Store, or one in
// memory of cfg.Capacity bytes); keys include the stage. A canary whose
// UseStageCache is false gets entries of its own. A stage turns caching off
// with its method settings (stage.MethodSettings.CachingEnabled).
func WithCache(cfg cache.Config) Option {
	return gatewayOption(func(c *config) { cc := cfg; c.cache = &cc })
}

// WithUsagePlans gives the gateway its API keys and usage plans: methods
// with APIKeyRequired need a key of a plan that covers their stage, and the
// plan's throttle and quota apply; the registry's account throttle applies
// to every method. Without it, only the stages' method throttling applies
// (stage.MethodSettings), and no account throttle.
func WithUsagePlans(r *usageplan.Registry) Option {
	return gatewayOption(func(c *config) { c.plans = r })
}
