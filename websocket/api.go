package websocket

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/usageplan"
	ws "github.com/coder/websocket"
)

// API is a WebSocket API: an http.Handler that upgrades the requests it
// admits to WebSocket connections and routes their messages, plus the
// @connections methods. Build it with [New]; stop it with [API.Shutdown].
// It is safe for simultaneous use by multiple goroutines.
type API struct {
	sel        *selection
	routes     map[string]*route // custom routes
	defRoute   *route            // $default; nil: none
	connect    *route            // $connect; nil: none
	disconnect *route            // $disconnect; nil: none
	// admit runs the authorizer and API key check of $connect, then
	// upgrades.
	admit http.Handler
	authz authorizer.Authorizer
	scope []string

	apiID, stage, region, accountID, domain string
	stageVars                               map[string]string
	limits                                  Limits
	clock                                   Clock
	bus                                     Bus
	replica                                 string
	logger                                  *slog.Logger
	accept                                  ws.AcceptOptions
	observer                                Observer

	mu      sync.RWMutex
	conns   map[string]*conn
	closing atomic.Bool
	wg      sync.WaitGroup
	stopped chan struct{}
	once    sync.Once
}

// route is a compiled route.
type route struct {
	key    string
	inv    invoker
	twoWay bool
}

// New builds a WebSocket API from opts. Every mistake is reported at once,
// each naming its option and field: no $default and no custom route, a
// bad selection expression, an unknown authorizer, a bad integration.
func New(opts ...Option) (*API, error) {
	cfg := config{}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	errs := cfg.errs
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("websocket: "+format, args...))
	}
	a := &API{
		routes: map[string]*route{}, conns: map[string]*conn{}, stopped: make(chan struct{}),
		apiID: cfg.apiID, stage: cfg.stage, region: cfg.region, accountID: cfg.accountID,
		domain: cfg.domain, stageVars: cfg.stageVars, limits: cfg.limits, clock: cfg.clock,
		bus: cfg.bus, replica: cfg.replica, logger: cfg.logger, observer: cfg.observer,
	}
	setDefault(&a.apiID, "websocket")
	setDefault(&a.stage, "$default")
	setDefault(&a.region, "us-east-1")
	setDefault(&a.accountID, "123456789012")
	setDefault(&a.replica, newID())
	if a.clock == nil {
		a.clock = realClock{}
	}
	if a.logger == nil {
		a.logger = slog.Default()
	}
	a.accept = ws.AcceptOptions{InsecureSkipVerify: !cfg.checkOrigin, OriginPatterns: cfg.origins}

	expr := cfg.selection
	if !cfg.selSet {
		expr = DefaultRouteSelection
	}
	sel, err := compileSelection(expr)
	if err != nil {
		bad("WithRouteSelection(%q): %v", expr, err)
	}
	a.sel = sel

	if err := a.limits.fill(); err != nil {
		bad("WithLimits: %v", err)
	}

	var connectSpec *RouteSpec
	for _, rd := range cfg.routes {
		name := fmt.Sprintf("Route(%q)", rd.key)
		switch {
		case rd.key == "":
			bad("Route(\"\"): empty route key")
			continue
		case rd.key[0] == '$' && rd.key != RouteConnect && rd.key != RouteDisconnect && rd.key != RouteDefault:
			bad("%s: keys starting with $ are reserved for $connect, $disconnect and $default", name)
			continue
		}
		if rd.spec.Integration == nil {
			bad("%s.Integration: required", name)
			continue
		}
		inv, err := rd.spec.Integration.compile()
		if err != nil {
			bad("%s.Integration: %v", name, err)
			continue
		}
		r := &route{key: rd.key, inv: inv, twoWay: rd.spec.TwoWay}
		if rd.key != RouteConnect {
			if rd.spec.Authorizer != "" {
				bad("%s.Authorizer: only $connect has an authorizer (it protects the whole API)", name)
			}
			if rd.spec.APIKeyRequired {
				bad("%s.APIKeyRequired: only $connect checks API keys", name)
			}
			if len(rd.spec.AuthorizationScopes) > 0 {
				bad("%s.AuthorizationScopes: only $connect has an authorizer", name)
			}
		}
		if rd.spec.TwoWay && (rd.key == RouteConnect || rd.key == RouteDisconnect) {
			bad("%s.TwoWay: %s sends no answer to the client", name, rd.key)
		}
		dup := false
		switch rd.key {
		case RouteConnect:
			dup = a.connect != nil
			a.connect = r
			spec := rd.spec
			connectSpec = &spec
		case RouteDisconnect:
			dup = a.disconnect != nil
			a.disconnect = r
		case RouteDefault:
			dup = a.defRoute != nil
			a.defRoute = r
		default:
			_, dup = a.routes[rd.key]
			a.routes[rd.key] = r
		}
		if dup {
			bad("%s: defined twice", name)
		}
	}
	if a.defRoute == nil && len(a.routes) == 0 {
		bad("Route: the API needs a $default route or at least one custom route")
	}

	var keyMW func(http.Handler) http.Handler
	if connectSpec != nil {
		if n := connectSpec.Authorizer; n != "" {
			az, ok := cfg.authz[n]
			switch {
			case !ok:
				bad("Route(%q).Authorizer %q: no WithAuthorizer of that name", RouteConnect, n)
			case az == nil:
				bad("WithAuthorizer(%q): nil authorizer", n)
			default:
				if err := authorizer.ValidateScopes(connectSpec.AuthorizationScopes); err != nil {
					bad("Route(%q).AuthorizationScopes: %v", RouteConnect, err)
				}
				a.authz, a.scope = az, slices.Clone(connectSpec.AuthorizationScopes)
			}
		} else if len(connectSpec.AuthorizationScopes) > 0 {
			bad("Route(%q).AuthorizationScopes: set without an Authorizer", RouteConnect)
		}
		if connectSpec.APIKeyRequired {
			if cfg.plans == nil {
				bad("Route(%q).APIKeyRequired: needs WithUsagePlans", RouteConnect)
			} else {
				mw, err := cfg.plans.Middleware(usageplan.MethodSpec{
					APIID: a.apiID, Stage: a.stage, Resource: "/" + RouteConnect, HTTPMethod: http.MethodGet,
					APIKeyRequired: true,
				})
				if err != nil {
					bad("Route(%q).APIKeyRequired: %v", RouteConnect, err)
				}
				keyMW = mw
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	a.admit = http.HandlerFunc(a.upgrade)
	if keyMW != nil {
		a.admit = keyMW(a.admit)
	}
	if a.bus != nil {
		if err := a.bus.Attach(host{a}); err != nil {
			return nil, fmt.Errorf("websocket: WithBus: %w", err)
		}
	}
	return a, nil
}

func setDefault(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

// fill applies the defaults and checks the limits.
func (l *Limits) fill() error {
	var errs []error
	neg := func(name string, v int64) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s %d: negative", name, v))
		}
	}
	neg("MaxMessageBytes", l.MaxMessageBytes)
	neg("IdleTimeout", int64(l.IdleTimeout))
	neg("MaxDuration", int64(l.MaxDuration))
	neg("WriteTimeout", int64(l.WriteTimeout))
	neg("MaxQueuedBytes", int64(l.MaxQueuedBytes))
	neg("ReadBufferSize", int64(l.ReadBufferSize))
	neg("WriteBufferSize", int64(l.WriteBufferSize))
	if l.MaxMessageBytes == 0 {
		l.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.MaxDuration == 0 {
		l.MaxDuration = DefaultMaxDuration
	}
	if l.WriteTimeout == 0 {
		l.WriteTimeout = DefaultWriteTimeout
	}
	if l.MaxQueuedBytes == 0 {
		l.MaxQueuedBytes = DefaultMaxQueuedBytes
	}
	if l.ReadBufferSize == 0 {
		l.ReadBufferSize = DefaultBufferSize
	}
	if l.WriteBufferSize == 0 {
		l.WriteBufferSize = DefaultBufferSize
	}
	if l.ReadBufferSize > 0 && l.ReadBufferSize < 16 {
		l.ReadBufferSize = 16
	}
	return errors.Join(errs...)
}

// ServeHTTP answers a WebSocket upgrade request: $connect. The authorizer
// and the API key check run first; a refusal is AWS's 401 or 403 (through
// apigw.WriteError) and no socket opens. Then the $connect integration
// runs; an answer other than 2xx refuses the connection with that status.
// A request that is not an upgrade gets 426.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r, c := apigw.EnsureContext(r)
	c.APIID, c.Stage, c.Region, c.AccountID = a.apiID, a.stage, a.region, a.accountID
	c.StageVariables = a.stageVars
	c.ResourcePath = RouteConnect
	c.HTTPMethod = RouteConnect
	c.Path = ""
	if a.domain != "" {
		c.DomainName = a.domain
	}
	if ctx, e := a.startEvent(r.Context(), EventConnect, RouteConnect, "", c.RequestID, a.clock.Now()); e != nil {
		r = r.WithContext(ctx)
		defer a.endEvent(ctx, e)
	}
	if a.closing.Load() {
		apigw.WriteError(w, r, &apigw.Error{Type: apigw.Default5XX, Status: http.StatusServiceUnavailable,
			Message: "Service Unavailable", Err: errors.New("websocket: the API is shutting down")})
		return
	}
	if !isUpgrade(r) {
		w.Header().Set("Upgrade", "websocket")
		apigw.WriteError(w, r, &apigw.Error{Type: apigw.Default4XX, Status: http.StatusUpgradeRequired,
			Message: "Upgrade Required", Err: errors.New("websocket: not a WebSocket upgrade request")})
		return
	}
	if handshakeBytes(r) > maxHandshakeBytes {
		// Kept for $disconnect's event as long as the connection lives:
		// AWS's limit on the request line and headers bounds it.
		apigw.WriteError(w, r, &apigw.Error{Type: apigw.Default4XX, Status: http.StatusRequestHeaderFieldsTooLarge,
			Message: "Request Header Fields Too Large", Err: errors.New("websocket: the handshake's headers are over 10,240 bytes")})
		return
	}
	if !a.accept.InsecureSkipVerify && !originAllowed(r, a.accept.OriginPatterns) {
		apigw.WriteError(w, r, &apigw.Error{Type: apigw.Default4XX, Status: http.StatusForbidden,
			Message: "Forbidden", Err: errors.New("websocket: the request's Origin is not allowed")})
		return
	}
	if a.authz != nil {
		if err := a.authz.Authorize(r, c, a.scope); err != nil {
			apigw.WriteError(w, r, err)
			return
		}
	}
	a.admit.ServeHTTP(w, r)
}

// isUpgrade reports whether r is a whole WebSocket handshake (RFC 6455
// 4.2.1), checked before any route runs, so that a request the upgrade
// would refuse never runs $connect.
func isUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && headerHasToken(r.Header, "Connection", "upgrade") &&
		headerHasToken(r.Header, "Upgrade", "websocket") &&
		r.Header.Get("Sec-WebSocket-Key") != "" && r.Header.Get("Sec-WebSocket-Version") == "13"
}

// maxHandshakeBytes is AWS's limit on a request's line and headers
// together (10,240 bytes).
const maxHandshakeBytes = 10240

// handshakeBytes is the size of r's request line and headers, as sent.
func handshakeBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// originAllowed is coder/websocket's origin check (no Origin, the request's
// own host, or a host matching one of the patterns), made before the
// authorizer and $connect run, so that a refused cross-site upgrade runs
// neither.
func originAllowed(r *http.Request, patterns []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(r.Host, u.Host) {
		return true
	}
	for _, p := range patterns {
		if ok, err := filepath.Match(strings.ToLower(p), strings.ToLower(u.Host)); err == nil && ok {
			return true
		}
	}
	return false
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h[name] {
		for len(v) > 0 {
			var t string
			if i := indexByte(v, ','); i >= 0 {
				t, v = v[:i], v[i+1:]
			} else {
				t, v = v, ""
			}
			if equalFoldTrim(t, token) {
				return true
			}
		}
	}
	return false
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}

func equalFoldTrim(s, t string) bool {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		x := s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != t[i] {
			return false
		}
	}
	return true
}

// Shutdown stops the API as a replica stops gracefully: new connections
// are refused (503), the bus delivers the commands it had already
// accepted for this replica, then every connection is closed with status
// 1001 "Going away" after the data queued for it is written, and its
// $disconnect runs. Shutdown returns once all have run, or when ctx ends
// (the connections left are then dropped without a close handshake; their
// $disconnect still runs, once). It does not close the bus's client.
func (a *API) Shutdown(ctx context.Context) error {
	var errs []error
	a.once.Do(func() {
		a.closing.Store(true)
		if a.bus != nil {
			if err := a.bus.Detach(ctx); err != nil {
				errs = append(errs, fmt.Errorf("websocket: Shutdown: bus: %w", err))
			}
		}
		close(a.stopped)
	})
	for _, c := range a.snapshot() {
		c.closeWith(ws.StatusGoingAway, reasonGoingAway)
	}
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range a.snapshot() {
			_ = c.ws.CloseNow()
		}
		<-done
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}

// Close is Shutdown without a deadline for the close handshakes beyond
// coder/websocket's own (5 s per connection).
func (a *API) Close() error { return a.Shutdown(context.Background()) }

// snapshot returns the connections held now.
func (a *API) snapshot() []*conn {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]*conn, 0, len(a.conns))
	for _, c := range a.conns {
		out = append(out, c)
	}
	return out
}

// Len returns the number of connections this replica holds.
func (a *API) Len() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.conns)
}

// ConnectionIDs returns the ids of the connections this replica holds, in
// no order.
func (a *API) ConnectionIDs() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	ids := make([]string, 0, len(a.conns))
	for id := range a.conns {
		ids = append(ids, id)
	}
	return ids
}

func (a *API) lookup(id string) *conn {
	a.mu.RLock()
	c := a.conns[id]
	a.mu.RUnlock()
	return c
}

// ReplicaID returns the name of this replica in its bus.
func (a *API) ReplicaID() string { return a.replica }

// host is the API's side of its bus.
type host struct{ a *API }

func (h host) Deliver(ctx context.Context, cmd Command) error {
	c := h.a.lookup(cmd.ConnectionID)
	if c == nil {
		return ErrGone
	}
	switch cmd.Kind {
	case Post:
		return c.send(cmd.Data, false)
	case Delete:
		c.closeWith(ws.StatusNormalClosure, reasonNormal)
		return nil
	}
	return fmt.Errorf("websocket: unknown command kind %d", cmd.Kind)
}

func (h host) ReplicaID() string { return h.a.replica }

func (h host) Held() []ConnectionInfo {
	conns := h.a.snapshot()
	out := make([]ConnectionInfo, len(conns))
	for i, c := range conns {
		out[i] = c.info()
	}
	return out
}
