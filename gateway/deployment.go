package gateway

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/validator"
)

// deployment is an immutable snapshot of the API's definition, as AWS's
// CreateDeployment takes one. Stages serve deployments through bindings.
type deployment struct {
	id          string
	description string
	created     time.Time
	seq         uint64 // creation order, which the clock may not tell
	def         *config
	models      map[string]*validator.Model
	responses   *apigw.GatewayResponses
	cors        *cors.CORS // the API-wide policy; nil: none
	policy      *authorizer.ResourcePolicy
}

// newDeployment checks a definition and snapshots it. The definition is
// compiled once here to report every mistake; each stage that serves it
// compiles its own routes in bind, which cannot fail after this.
func (g *Gateway) newDeployment(def *config) (*deployment, error) {
	var errs []error
	g.deployments++
	d := &deployment{id: newDeploymentID(), description: def.desc, created: g.cfg.now(), seq: g.deployments, def: def, models: map[string]*validator.Model{}}
	if def.timeout != 0 && def.timeout < 50*time.Millisecond {
		errs = append(errs, fmt.Errorf("gateway: WithTimeout %v: must be at least 50ms", def.timeout))
	}
	for _, name := range sortedKeys(def.models) {
		m, err := validator.CompileModel(name, def.models[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("gateway: WithModel(%q): %w", name, err))
			continue
		}
		d.models[name] = m
	}
	if g.cfg.httpAPI {
		errs = append(errs, checkHTTPAPIDefinition(def)...)
		d.responses = apigw.HTTPAPIResponses()
	} else if len(def.responses) > 0 {
		gr, err := apigw.NewGatewayResponses(def.responses)
		if err != nil {
			errs = append(errs, fmt.Errorf("gateway: WithGatewayResponses: %w", err))
		}
		d.responses = gr
	}
	if def.cors != nil {
		c, err := cors.New(*def.cors)
		if err != nil {
			errs = append(errs, fmt.Errorf("gateway: WithCORS: %w", err))
		}
		d.cors = c
	}
	if def.policy != "" {
		p, err := authorizer.NewResourcePolicy(authorizer.ResourcePolicyConfig{Document: def.policy,
			Region: g.cfg.region, AccountID: g.cfg.accountID, APIID: g.cfg.apiID})
		if err != nil {
			errs = append(errs, fmt.Errorf("gateway: WithResourcePolicy: %w", err))
		}
		d.policy = p
	}
	for _, name := range sortedKeys(def.authz) {
		a := def.authz[name]
		if a == nil {
			errs = append(errs, fmt.Errorf("gateway: WithAuthorizer(%q): nil authorizer", name))
			continue
		}
		g.track(a)
	}
	if len(def.routes) == 0 {
		errs = append(errs, errors.New("gateway: no routes: add at least one with gateway.Route"))
	}
	if _, err := g.bind(d, &stage.Stage{}, nil, false); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return d, nil
}

// binding is a deployment served by one stage (or its canary) with its
// stage variables: the compiled route tree, one handler chain per route.
type binding struct {
	dep    *deployment
	stage  string
	vars   map[string]string
	canary bool
	root   *node
	dflt   *route // an HTTP API's $default route; nil: none
	// byResource: a REST API's path chooses the resource before the
	// method (see node.lookup); an HTTP API's routes match both at once.
	byResource bool
	routes     []*route // in definition order, for Describe
	// notFound answers a request no route matches: AWS's 403 Missing
	// Authentication Token, with the API's CORS headers.
	notFound http.Handler
}

// bind compiles d's routes for a stage, or for its canary: the side that
// serves with the variables vars.
func (g *Gateway) bind(d *deployment, st *stage.Stage, vars map[string]string, canary bool) (*binding, error) {
	b := &binding{dep: d, stage: st.Name, vars: vars, canary: canary, root: newNode(), byResource: !g.cfg.httpAPI,
		notFound: d.cors.Handler(missingToken)}
	var errs []error
	for _, spec := range d.def.routes {
		rt, segs, err := g.compileRoute(d, spec, st, canary)
		if err != nil {
			errs = append(errs, fmt.Errorf("gateway: route %q: %w", spec.pattern, err))
			continue
		}
		if rt.resourcePath == stage.Default {
			if b.dflt != nil {
				errs = append(errs, fmt.Errorf("gateway: route %q: defined twice", spec.pattern))
			}
			b.dflt = rt
			b.routes = append(b.routes, rt)
			continue
		}
		if err := b.root.add(segs, rt); err != nil {
			errs = append(errs, fmt.Errorf("gateway: route %q: %w", spec.pattern, err))
			continue
		}
		b.routes = append(b.routes, rt)
	}
	return b, errors.Join(errs...)
}

// middleware is one phase of a route's pipeline.
type middleware = func(http.Handler) http.Handler

// compileRoute checks one method and builds its pipeline, in the order of
// DESIGN.md: CORS, payload limit, authorizer, API key and usage plan,
// request validation, cache, integration request, then the integration
// under its timeout with, in non-proxy mode, its integration response. Every mistake of the method is reported.
func (g *Gateway) compileRoute(d *deployment, spec routeSpec, st *stage.Stage, canary bool) (*route, []string, error) {
	method, path, err := parsePattern(spec.pattern, g.cfg.httpAPI)
	if err != nil {
		return nil, nil, err
	}
	var segs []string
	if path != stage.Default {
		if segs, err = resourceSegments(path); err != nil {
			return nil, nil, err
		}
	}
	m := spec.method
	if m.Request == nil && !g.cfg.httpAPI && isServiceIntegration(m.Integration) {
		// API Gateway has no proxy mode for AWS service integrations: the
		// integration request carries what is mapped, the client's other
		// headers and query parameters never reach the service.
		m.Request = mapping.RequestConfig{}
	}
	var errs []error
	var chain []middleware // outermost first
	var phases []Phase
	obs := g.observeRoute(d, st, canary, method, path, m) // nil: no observer
	add := func(p Phase, mw middleware) {
		chain = append(chain, obs.wrap(p, mw))
		phases = append(phases, p)
	}
	if g.cfg.httpAPI {
		if err := checkHTTPAPIMethod(m); err != nil {
			errs = append(errs, err)
		}
	}

	routeCORS, err := d.cors.ForRoute(m.CORS)
	if err != nil {
		errs = append(errs, fmt.Errorf("CORS: %w", err))
	}
	add(PhaseCORS, routeCORS.Handler)
	add(PhasePayloadLimit, limitPayload)

	if mw, err := compileAuthorizer(d, m); err != nil {
		errs = append(errs, err)
	} else if mw != nil {
		add(PhaseAuthorizer, mw)
	}

	if mw, err := g.compileUsagePlan(m, st, path, method); err != nil {
		errs = append(errs, err)
	} else if mw != nil {
		add(PhaseUsagePlan, mw)
	}

	if v, err := g.compileValidator(d, m); err != nil {
		errs = append(errs, err)
	} else {
		add(PhaseValidation, v.Handler)
	}

	if mw, err := g.compileCache(m, st, canary, path, paramNames(segs), method); err != nil {
		errs = append(errs, err)
	} else if mw != nil {
		add(PhaseCache, mw)
	}

	if mw, err := compileMapping(m, d.def.binary); err != nil {
		errs = append(errs, err)
	} else if mw != nil {
		add(PhaseMapping, mw)
	}

	if pm, err := compileParameterMapping(m.ParameterMapping); err != nil {
		errs = append(errs, err)
	} else if pm != nil {
		if !g.cfg.httpAPI {
			errs = append(errs, errors.New("ParameterMapping: HTTP APIs' parameter mapping (gateway.WithHTTPAPI); a REST API maps parameters in Request and Response"))
		}
		add(PhaseMapping, pm.handler) // an HTTP API's mapping
	}

	h, err := g.compileIntegration(d, m, path, segs, obs)
	phases = append(phases, PhaseIntegration)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	for i := len(chain) - 1; i >= 0; i-- {
		h = chain[i](h)
	}
	return &route{method: method, resourcePath: path, resourceID: resourceID(path), key: stage.RouteKey(path, method),
		handler: h, cors: routeCORS, phases: phases}, segs, nil
}

// compileIntegration builds the method's integration under its timeout.
func (g *Gateway) compileIntegration(d *deployment, m Method, path string, segs []string, obs *observedRoute) (http.Handler, error) {
	var errs []error
	timeout := m.Timeout
	if timeout == 0 {
		timeout = d.def.timeout
	}
	if timeout == 0 {
		timeout = DefaultTimeout
		if g.cfg.httpAPI {
			timeout = HTTPAPITimeout
		}
	}
	if g.cfg.httpAPI && timeout > HTTPAPITimeout {
		errs = append(errs, fmt.Errorf("Timeout %v: an HTTP API's integrations time out after at most %v", timeout, HTTPAPITimeout))
	}
	if m.Timeout != 0 && m.Timeout < 50*time.Millisecond {
		errs = append(errs, fmt.Errorf("Timeout %v: must be at least 50ms", m.Timeout))
	}
	if m.Integration == nil {
		return nil, errors.Join(append(errs, errors.New("Integration: missing"))...)
	}
	env := &buildEnv{resourcePath: path, params: paramNames(segs), transport: g.cfg.transport, timeout: timeout,
		nonProxy: m.Request != nil || m.Response != nil, httpAPI: g.cfg.httpAPI, binary: d.def.binary,
		vpcLinks: g.cfg.vpcLinks}
	if pm := m.ParameterMapping; pm != nil {
		_, env.mapsPath = pm.Request["overwrite:path"]
	}
	if n := len(segs); n > 0 && strings.HasSuffix(segs[n-1], "+}") {
		env.greedy = strings.TrimSuffix(segs[n-1][1:], "+}")
	}
	ih, err := m.Integration.build(env)
	if err != nil {
		errs = append(errs, fmt.Errorf("Integration: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return withIntegrationTimeout(obs.wrapIntegration(ih), timeout, g.cfg.now, g.cfg.realClock), nil
}

// compileAuthorizer returns the method's authorizer phase, or nil.
func compileAuthorizer(d *deployment, m Method) (middleware, error) {
	var errs []error
	if len(m.AuthorizationScopes) > 0 {
		if m.Authorizer == "" {
			errs = append(errs, errors.New("AuthorizationScopes: set without an Authorizer"))
		}
		if err := authorizer.ValidateScopes(m.AuthorizationScopes); err != nil {
			errs = append(errs, fmt.Errorf("AuthorizationScopes: %w", err))
		}
	}
	var a authorizer.Authorizer
	if m.Authorizer != "" {
		if a = d.def.authz[m.Authorizer]; a == nil {
			errs = append(errs, fmt.Errorf("Authorizer %q: not defined (gateway.WithAuthorizer)", m.Authorizer))
		}
	}
	switch a.(type) {
	case *authorizer.TokenAuthorizer, *authorizer.RequestAuthorizer:
		if len(m.AuthorizationScopes) > 0 {
			// A Lambda authorizer decides alone; scopes it never reads
			// would read as a check that is not made.
			errs = append(errs, fmt.Errorf("AuthorizationScopes: authorizer %q is a Lambda authorizer, which checks no scopes (JWT and Cognito authorizers do)", m.Authorizer))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if d.policy != nil {
		// The API's resource policy combines with the method's
		// authorization, none included.
		a = d.policy.Guard(authorizer.TypeOf(a), a)
	}
	if a == nil {
		return nil, nil
	}
	return authorizer.Middleware(a, m.AuthorizationScopes), nil
}

func (g *Gateway) compileValidator(d *deployment, m Method) (*validator.Validator, error) {
	cfg := validator.Config{Mode: m.RequestValidator, Parameters: m.RequestParameters}
	var errs []error
	for _, ct := range sortedKeys(m.RequestModels) {
		name := m.RequestModels[ct]
		model := d.models[name]
		if model == nil {
			errs = append(errs, fmt.Errorf("RequestModels[%q]: model %q is not defined (gateway.WithModel)", ct, name))
			continue
		}
		if cfg.Models == nil {
			cfg.Models = map[string]*validator.Model{}
		}
		cfg.Models[ct] = model
	}
	v, err := validator.New(cfg)
	if err != nil {
		errs = append(errs, err)
	}
	return v, errors.Join(errs...)
}

// fill puts the binding's stage into the request's Context.
func (b *binding) fill(c *apigw.Context) {
	c.Stage = b.stage
	c.DeploymentID = b.dep.id
	c.IsCanaryRequest = b.canary
	c.StageVariables = b.vars
	c.Responses = b.dep.responses
}

// route matches the request and returns its handler, or nil for AWS's
// Missing Authentication Token. It sets the resource and path parameters.
func (b *binding) route(rc *requestCtx, method, path string) http.Handler {
	c := &rc.c
	m := match{params: rc.params[:0]}
	if !b.root.lookup(method, path, b.byResource, &m) {
		if b.dflt == nil {
			return nil
		}
		m = match{route: b.dflt}
	}
	c.ResourcePath = m.route.resourcePath
	c.ResourceID = m.route.resourceID
	c.RouteKey = m.route.key
	if len(m.params) > 0 {
		c.PathParameters = make(map[string]string, len(m.params))
		for _, p := range m.params {
			c.PathParameters[p.name] = p.value
		}
	}
	return m.route.handler
}

// missingToken is AWS's answer to a request for no resource or method.
var missingToken = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	apigw.WriteError(w, r, apigw.NewError(apigw.MissingAuthenticationToken))
})

// preflight returns the handler that answers a CORS preflight for a path
// that has no OPTIONS route: the policy of the route the preflight asks
// about, else the API's. nil when neither has one.
func (b *binding) preflight(rc *requestCtx, r *http.Request, path string) http.Handler {
	if !cors.IsPreflight(r) {
		return nil
	}
	policy := b.dep.cors
	m := match{params: rc.params[:0]}
	if b.root.lookup(r.Header.Get("Access-Control-Request-Method"), path, b.byResource, &m) {
		policy = m.route.cors
		rc.c.ResourcePath = m.route.resourcePath
	}
	if policy == nil {
		return nil
	}
	return http.HandlerFunc(policy.ServePreflight)
}

func paramNames(segs []string) []string {
	var names []string
	for _, s := range segs {
		if strings.HasPrefix(s, "{") {
			names = append(names, strings.TrimSuffix(strings.TrimSuffix(s[1:], "}"), "+"))
		}
	}
	return names
}

// resourceID is a stable six-character id for a resource path, the form of
// AWS's resource ids.
func resourceID(path string) string {
	h := fnv.New32a()
	h.Write([]byte(path))
	s := strconv.FormatUint(uint64(h.Sum32()), 36)
	for len(s) < 6 {
		s = "0" + s
	}
	return s[len(s)-6:]
}

// newDeploymentID returns a random ten-character id, as AWS's are.
func newDeploymentID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 10)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
