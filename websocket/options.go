package websocket

import (
	"log/slog"
	"maps"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/usageplan"
)

// Option configures an API ([New]).
type Option func(*config)

// RouteSpec is one route of a WebSocket API: its integration, and for
// $connect who may connect.
type RouteSpec struct {
	// Integration serves the route: [Lambda] or [Handler]; required.
	Integration Integration
	// TwoWay sends the integration's answer (its body) back to the client
	// that sent the message, as a route response does in AWS. Not for
	// $connect or $disconnect.
	TwoWay bool

	// Authorizer names the authorizer given to [WithAuthorizer] that runs
	// before the upgrade; $connect only, as in AWS: it protects the whole
	// API. "" lets anyone connect.
	Authorizer string
	// AuthorizationScopes are the scopes a JWT authorizer requires
	// ($connect only).
	AuthorizationScopes []string
	// APIKeyRequired makes connecting need an API key (x-api-key header,
	// or the authorizer's usage identifier key) of a usage plan covering
	// the stage ([WithUsagePlans]); $connect only.
	APIKeyRequired bool
}

// Limits bound connections and messages. Zero fields take AWS's values,
// given in each comment.
type Limits struct {
	// MaxMessageBytes bounds a message from a client; a larger one closes
	// the connection with status 1009. Default 128 KiB. It also bounds
	// the data of a @connections POST.
	MaxMessageBytes int64
	// IdleTimeout closes a connection that has sent no message for this
	// long, with status 1001. Default 10 minutes.
	IdleTimeout time.Duration
	// MaxDuration closes any connection this long after it opened, with
	// status 1001. Default 2 hours.
	MaxDuration time.Duration
	// WriteTimeout bounds each write to a client; a client that does not
	// read for this long is disconnected. Default 10 seconds.
	WriteTimeout time.Duration
	// MaxQueuedBytes bounds the data waiting to be written to one client;
	// a @connections POST beyond it fails with LimitExceededException.
	// Default 1 MiB.
	MaxQueuedBytes int
	// ReadBufferSize and WriteBufferSize size each connection's socket
	// buffers (apigw's, not AWS's): small buffers keep idle connections
	// cheap. Default 1 KiB each.
	ReadBufferSize  int
	WriteBufferSize int
}

// AWS's limits, the defaults of [Limits].
const (
	DefaultMaxMessageBytes = 128 << 10
	DefaultIdleTimeout     = 10 * time.Minute
	DefaultMaxDuration     = 2 * time.Hour
	DefaultWriteTimeout    = 10 * time.Second
	DefaultMaxQueuedBytes  = 1 << 20
	DefaultBufferSize      = 1 << 10
)

type routeDef struct {
	key  string
	spec RouteSpec
}

type config struct {
	selection   string
	selSet      bool
	routes      []routeDef
	authz       map[string]authorizer.Authorizer
	plans       *usageplan.Registry
	apiID       string
	stage       string
	stageVars   map[string]string
	region      string
	accountID   string
	domain      string
	limits      Limits
	clock       Clock
	bus         Bus
	replica     string
	logger      *slog.Logger
	origins     []string
	checkOrigin bool
	observer    Observer
	errs        []error
}

// WithRouteSelection sets the route selection expression:
// "$request.body.action" by default, any "$request.body.<path>", or a
// template of such variables and text ("${request.body.type}-v1").
func WithRouteSelection(expr string) Option {
	return func(c *config) { c.selection, c.selSet = expr, true }
}

// Route adds a route: "$connect", "$disconnect", "$default" or a custom
// route key the selection expression produces.
func Route(key string, r RouteSpec) Option {
	return func(c *config) { c.routes = append(c.routes, routeDef{key, r}) }
}

// WithAuthorizer names an authorizer for RouteSpec.Authorizer. The API
// does not close it.
func WithAuthorizer(name string, a authorizer.Authorizer) Option {
	return func(c *config) {
		if c.authz == nil {
			c.authz = map[string]authorizer.Authorizer{}
		}
		c.authz[name] = a
	}
}

// WithUsagePlans gives the API keys and usage plans for
// RouteSpec.APIKeyRequired; the plans must cover the API's stage
// ([WithAPIID], [WithStage]).
func WithUsagePlans(r *usageplan.Registry) Option { return func(c *config) { c.plans = r } }

// WithAPIID sets $context.apiId; default "websocket".
func WithAPIID(id string) Option { return func(c *config) { c.apiID = id } }

// WithStage sets the stage's name ($context.stage, default "$default")
// and its variables (stageVariables of every event).
func WithStage(name string, variables map[string]string) Option {
	return func(c *config) { c.stage, c.stageVars = name, maps.Clone(variables) }
}

// WithAccount sets the region and account id of ARNs; defaults
// "us-east-1" and "123456789012".
func WithAccount(region, accountID string) Option {
	return func(c *config) { c.region, c.accountID = region, accountID }
}

// WithDomainName sets requestContext.domainName; default: the host of
// the upgrade request.
func WithDomainName(name string) Option { return func(c *config) { c.domain = name } }

// WithLimits sets the limits; zero fields keep AWS's.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithClock sets the clock of connection times and of the idle and
// maximum-duration timers; default the system clock.
func WithClock(cl Clock) Option { return func(c *config) { c.clock = cl } }

// WithBus links this API to the other replicas of the same API
// ([MemoryHub], package websocket/redisbus).
func WithBus(b Bus) Option { return func(c *config) { c.bus = b } }

// WithReplicaID names this replica in its bus; default a random id.
func WithReplicaID(id string) Option { return func(c *config) { c.replica = id } }

// WithLogger sets the logger of integration failures and bus errors;
// default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithOriginCheck makes the upgrade refuse browsers from other origins
// than the request's host and the given patterns (path.Match patterns of
// hosts, as coder/websocket's OriginPatterns). AWS checks no origin, and
// by default neither does the API.
func WithOriginCheck(patterns ...string) Option {
	return func(c *config) { c.checkOrigin, c.origins = true, append([]string(nil), patterns...) }
}
