package gateway

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/cors"

	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

// DefaultStageName names the stage of a gateway given no [WithStage].
const DefaultStageName = "default"

// DefaultTimeout is AWS's default integration timeout of REST APIs.
const DefaultTimeout = 29 * time.Second

// HTTPAPITimeout is the default and longest integration timeout of HTTP
// APIs.
const HTTPAPITimeout = 30 * time.Second

// Gateway serves an API through API Gateway's request pipeline. It is an
// http.Handler, safe for simultaneous use by multiple goroutines; its
// deployments and stages can be changed while it serves, atomically.
type Gateway struct {
	mu      sync.Mutex // serialises changes; readers never take it
	cfg     *config    // the gateway-level options given to New
	state   atomic.Pointer[state]
	closers []io.Closer // what Close closes: authorizers, in the order given
	cache   *stageCache // nil: no stage cache
	// throttleOnly enforces the stages' method throttling when the gateway
	// was given no usage plans: no keys, no account level.
	throttleOnly *usageplan.Registry
	deployments  uint64 // deployments created, under mu
}

// state is one immutable view of the gateway: what each stage serves.
type state struct {
	httpAPI     bool
	root        *stageRuntime // the stage served at "/": REST's only one, HTTP's $default
	stages      map[string]*stageRuntime
	deployments map[string]*deployment
	latest      *deployment
	notFound    http.Handler
}

// New builds a gateway from its options: the API's definition (routes,
// models, gateway responses), which becomes its first deployment, and the
// gateway's own settings (stages, API id, access log). Every mistake is
// reported in one error that names each route and field.
func New(opts ...Option) (*Gateway, error) {
	cfg := &config{}
	for _, o := range opts {
		o.apply(cfg)
	}
	g := &Gateway{cfg: cfg}
	g.setDefaults()
	cfg.observeTransport()
	var errs []error
	errs = append(errs, cfg.errs...)
	cfg.errs = nil
	names := map[string]bool{}
	for i := range cfg.stages {
		s := &cfg.stages[i]
		if err := s.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("gateway: %w", err))
		}
		if names[s.Name] {
			errs = append(errs, fmt.Errorf("gateway: stage %q: defined twice", s.Name))
		}
		if s.Name == stage.Default && !cfg.httpAPI {
			errs = append(errs, fmt.Errorf("gateway: stage %q: only HTTP APIs have a $default stage (gateway.WithHTTPAPI)", s.Name))
		}
		names[s.Name] = true
	}
	if err := checkPlansCover(cfg); err != nil {
		errs = append(errs, err)
	}
	if cfg.httpAPI {
		errs = append(errs, checkHTTPAPI(cfg)...)
	}
	if cfg.plans == nil {
		reg, err := usageplan.New(usageplan.Config{Now: cfg.now, AccountThrottle: &usageplan.Throttle{Rate: usageplan.Unlimited}})
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		g.throttleOnly = reg
	}
	if cfg.cache != nil {
		cc := *cfg.cache
		if cc.Now == nil {
			cc.Now = cfg.now
		}
		sc, err := newStageCache(cc)
		if err != nil {
			errs = append(errs, fmt.Errorf("gateway: WithCache: %w", err))
		}
		g.cache = sc
	}
	dep, err := g.newDeployment(cfg)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	st := &state{httpAPI: cfg.httpAPI, stages: map[string]*stageRuntime{}, deployments: map[string]*deployment{dep.id: dep}, latest: dep}
	for _, s := range cfg.stages {
		if s.DeploymentID != "" {
			errs = append(errs, fmt.Errorf("gateway: stage %q: DeploymentID %q: no such deployment (New creates the first one)", s.Name, s.DeploymentID))
			continue
		}
		if c := s.Canary; c != nil && c.DeploymentID != "" {
			errs = append(errs, fmt.Errorf("gateway: stage %q: Canary.DeploymentID %q: no such deployment (New creates the first one)", s.Name, c.DeploymentID))
			continue
		}
		rt, err := g.newStageRuntime(st, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st.stages[s.Name] = rt
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	st.pickRoot()
	g.state.Store(st)
	return g, nil
}

func (g *Gateway) setDefaults() {
	c := g.cfg
	if len(c.stages) == 0 {
		name := DefaultStageName
		if c.httpAPI {
			name = stage.Default
		}
		c.stages = []stage.Stage{{Name: name}}
	}
	if c.apiID == "" {
		c.apiID = "apigw"
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.accountID == "" {
		c.accountID = "123456789012"
	}
	if c.now == nil {
		c.now, c.realClock = time.Now, true
	}
	if c.random == nil {
		c.random = rand.Float64
	}
	if c.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 1024
		t.MaxIdleConnsPerHost = 256
		c.transport = t
	}
}

// track remembers something with background work for Close. Called with
// g.mu held, or from New.
func (g *Gateway) track(c io.Closer) {
	for _, have := range g.closers {
		if have == c {
			return
		}
	}
	g.closers = append(g.closers, c)
}

// Close stops the background work of everything the gateway was given
// (authorizers refreshing their JWKS). The gateway keeps serving; an
// authorizer closed this way keeps the keys it holds.
func (g *Gateway) Close() error {
	g.mu.Lock()
	closers := g.closers
	g.closers = nil
	g.mu.Unlock()
	var errs []error
	for _, c := range closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// pickRoot picks the stage served at "/": a REST API's only stage (several
// are served under /{stage}/), an HTTP API's $default stage (the others
// under /{stage}/ beside it). It sets the answer to a request for no stage
// or an unservable path: AWS's 403 Missing Authentication Token (an HTTP
// API's 404 Not Found), with the latest deployment's CORS headers as every
// other error has them.
func (s *state) pickRoot() {
	s.notFound = s.latest.cors.Handler(missingToken)
	s.root = nil
	if s.httpAPI {
		s.root = s.stages[stage.Default]
		return
	}
	if len(s.stages) == 1 {
		for _, rt := range s.stages {
			s.root = rt
		}
	}
}

// ServeHTTP runs the request through the pipeline of its stage and route.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := g.state.Load()
	rc := &requestCtx{parent: r.Context(), client: r}
	c := &rc.c
	*c = *apigw.NewRequestContext(r, g.cfg.now())
	c.APIID, c.Region, c.AccountID = g.cfg.apiID, g.cfg.region, g.cfg.accountID
	// The header's slice lives in rc: one allocation fewer per request.
	idHeader := "X-Amzn-Requestid"
	if st.httpAPI {
		c.RequestID = c.ExtendedRequestID // HTTP APIs' short form

		c.Responses = apigw.HTTPAPIResponses()
		idHeader = "Apigw-Requestid"
	}
	rc.requestIDHeader[0] = c.RequestID
	w.Header()[idHeader] = rc.requestIDHeader[:]
	rc.rw = responseWriter{ResponseWriter: w}
	rw := &rc.rw

	h := st.notFound
	if cr, ok := canonicalRequest(r); ok {
		r = cr
		c.HTTPMethod, c.Path = r.Method, r.URL.Path
		if sr, rest := st.resolve(r.URL.Path); sr != nil {
			h = g.serveStage(rc, sr, r, rest)
		}
	}
	if o := g.cfg.observer; o != nil {
		rc.parent = o.Request(rc.parent, r, c)
	}
	r = r.WithContext(rc)
	// A request that ends in a panic (an integration's, after its answer
	// started: see withIntegrationTimeout) is logged too.
	defer g.finish(rc)
	h.ServeHTTP(rw, r)
}

// finish records what was sent, writes the access-log line and ends the
// request's context.
func (g *Gateway) finish(rc *requestCtx) {
	defer rc.end()
	c, rw := &rc.c, &rc.rw
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	c.Status = rw.status
	c.ResponseLength = rw.written
	l, o := g.cfg.accessLog, g.cfg.observer
	if l != nil || o != nil {
		c.ResponseLatency = g.cfg.now().Sub(c.RequestTime)
	}
	if l != nil {
		logAccess(rc, l, c)
	}
	if o != nil {
		o.Done(rc, c)
	}
}

// serveStage fills in the stage and returns the handler of the route that
// path (the stage-less rest of the request path) addresses.
func (g *Gateway) serveStage(rc *requestCtx, sr *stageRuntime, r *http.Request, path string) http.Handler {
	c := &rc.c
	b := sr.pick(r, g.cfg.random)
	b.fill(c)
	if path == "" {
		path = "/"
	}
	c.StagePath = path
	if g.cfg.httpAPI && b.dep.cors != nil && cors.IsPreflight(r) {
		// An HTTP API with CORS answers every preflight itself, before
		// any route (ANY and $default ones included) and authorizer.
		return http.HandlerFunc(b.dep.cors.ServePreflight)
	}
	if h := b.route(rc, r.Method, path); h != nil {
		return h
	}
	if r.Method == http.MethodOptions {
		if h := b.preflight(rc, r, path); h != nil {
			return h
		}
	}
	return b.notFound
}

// resolve finds the stage a path addresses and the path that remains.
func (s *state) resolve(path string) (*stageRuntime, string) {
	if s.root != nil && !s.httpAPI {
		return s.root, path
	}
	name, rest := path, ""
	if len(name) > 0 && name[0] == '/' {
		name = name[1:]
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			name, rest = name[:i], name[i:]
			break
		}
	}
	if sr := s.stages[name]; sr != nil && name != stage.Default {
		return sr, rest
	}
	if s.httpAPI && s.root != nil {
		return s.root, path
	}
	return nil, ""
}
