package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
)

// DefaultVPCLinkCooldown is how long a VPC link skips a target it could
// not connect to, unless VPCLink.Cooldown says otherwise.
const DefaultVPCLinkCooldown = 10 * time.Second

// VPCLink is a named set of private targets, AWS's VPC link (to a Network
// Load Balancer, or an HTTP API's to a load balancer or Cloud Map
// service): HTTP integrations reach it by id ([ViaVPCLink]) instead of
// the host of their URL.
type VPCLink struct {
	// Targets are the link's endpoints: "http://10.0.1.5:8080",
	// "https://orders.internal:8443", or "host:port" for http. At least
	// one.
	Targets []string
	// Random spreads requests over the targets at random; default round
	// robin.
	Random bool
	// Cooldown is how long a target that refused a connection is skipped.
	// Default DefaultVPCLinkCooldown.
	Cooldown time.Duration
}

// WithVPCLink defines the VPC link id, for the HTTP integrations of every
// deployment ([ViaVPCLink]). Requests are spread over its targets; one
// that cannot be connected to is skipped for the link's cooldown (by the
// gateway's clock, [WithClock]), and the request is retried on the next
// target, since it was not sent. When no target can be reached the client
// gets AWS's 502, as for an unreachable HTTP endpoint.
func WithVPCLink(id string, link VPCLink) Option {
	return gatewayOption(func(c *config) {
		l, err := newVPCLink(id, link, c)
		if err != nil {
			c.errs = append(c.errs, err)
			return
		}
		if c.vpcLinks == nil {
			c.vpcLinks = map[string]*vpcLink{}
		}
		if c.vpcLinks[id] != nil {
			c.errs = append(c.errs, fmt.Errorf("gateway: WithVPCLink(%q): defined twice", id))
		}
		c.vpcLinks[id] = l
	})
}

// HTTPOption configures an [HTTP] integration.
type HTTPOption func(*httpIntegration)

// ViaVPCLink sends an HTTP integration's requests through the VPC link
// connectionID (AWS's connectionType VPC_LINK): to one of the link's
// targets, with the integration URL's path and query, and its host as the
// Host header. connectionID may be "${stageVariables.name}": the link is
// then chosen per request, and a stage variable that names no link is
// AWS's 500, with the reason in the access log. A literal id that names no
// link fails [New].
func ViaVPCLink(connectionID string) HTTPOption {
	return func(hi *httpIntegration) { hi.connectionID = connectionID }
}

// vpcLink is a VPCLink in service: its targets' health and the turn.
type vpcLink struct {
	id       string
	targets  []*linkTarget
	random   bool
	cooldown time.Duration
	cfg      *config // its now, set by New's defaults, is the clock
	turn     atomic.Uint64
}

type linkTarget struct {
	scheme, host string
	downUntil    atomic.Int64 // unix nanoseconds; skipped before then
}

func newVPCLink(id string, link VPCLink, c *config) (*vpcLink, error) {
	l := &vpcLink{id: id, random: link.Random, cooldown: link.Cooldown, cfg: c}
	var errs []error
	if id == "" {
		errs = append(errs, errors.New("gateway: WithVPCLink: empty id"))
	}
	if l.cooldown == 0 {
		l.cooldown = DefaultVPCLinkCooldown
	}
	if l.cooldown < 0 {
		errs = append(errs, fmt.Errorf("gateway: WithVPCLink(%q): Cooldown %v: negative", id, link.Cooldown))
	}
	if len(link.Targets) == 0 {
		errs = append(errs, fmt.Errorf("gateway: WithVPCLink(%q): no Targets", id))
	}
	for _, t := range link.Targets {
		raw := t
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			errs = append(errs, fmt.Errorf("gateway: WithVPCLink(%q): target %q: want http(s)://host:port or host:port", id, t))
			continue
		}
		l.targets = append(l.targets, &linkTarget{scheme: u.Scheme, host: u.Host})
	}
	return l, errors.Join(errs...)
}

// pick returns the next target to try, skipping those down or tried (a
// bit per target, for links of up to 64); when every target is down, the
// next one in turn all the same.
func (l *vpcLink) pick(tried uint64) (*linkTarget, int) {
	n := len(l.targets)
	var start int
	if l.random {
		start = rand.IntN(n)
	} else {
		start = int(l.turn.Add(1)-1) % n
	}
	now := l.cfg.now().UnixNano()
	fallback := -1
	for i := range n {
		k := (start + i) % n
		if k < 64 && tried&(1<<k) != 0 {
			continue
		}
		if fallback < 0 {
			fallback = k
		}
		if l.targets[k].downUntil.Load() <= now {
			return l.targets[k], k
		}
	}
	if fallback < 0 {
		return nil, -1
	}
	return l.targets[fallback], fallback
}

func (l *vpcLink) markDown(t *linkTarget) {
	t.downUntil.Store(l.cfg.now().Add(l.cooldown).UnixNano())
}

// linkKey carries, in the integration request's context, the link a stage
// variable chose.
type linkKey struct{}

// linkTransport sends a request to the targets of its link (or of the one
// in the request's context) in turn, until one can be connected to.
type linkTransport struct {
	link *vpcLink // nil: the request's context says
	next http.RoundTripper
}

func (lt *linkTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	l := lt.link
	if l == nil {
		l, _ = req.Context().Value(linkKey{}).(*vpcLink)
	}
	var body *unsentBody
	if req.Body != nil && req.Body != http.NoBody {
		body = &unsentBody{ReadCloser: req.Body}
	}
	var tried uint64
	var lastErr error
	for range len(l.targets) {
		t, k := l.pick(tried)
		if t == nil {
			break
		}
		if k < 64 {
			tried |= 1 << k
		}
		out := *req
		u := *req.URL
		u.Scheme, u.Host = t.scheme, t.host
		out.URL = &u
		if body != nil {
			out.Body = body
		}
		resp, err := lt.next.RoundTrip(&out)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "dial" || req.Context().Err() != nil || (body != nil && body.read) {
			break // sent, perhaps: not to be sent twice
		}
		l.markDown(t)
	}
	if body != nil {
		body.ReadCloser.Close()
	}
	return nil, fmt.Errorf("VPC link %q: %w", l.id, lastErr)
}

// unsentBody is a request body that can be offered to another target as
// long as nothing of it was read.
type unsentBody struct {
	io.ReadCloser
	read bool
}

func (b *unsentBody) Read(p []byte) (int, error) {
	b.read = true
	return b.ReadCloser.Read(p)
}

// Close is left to RoundTrip, which may offer the body again.
func (b *unsentBody) Close() error { return nil }

// viaVPCLink makes rp, an HTTP integration's proxy, go through its VPC link.
func (hi *httpIntegration) viaVPCLink(rp *httputil.ReverseProxy, env *buildEnv) (http.Handler, error) {
	rewrite := rp.Rewrite
	rp.Rewrite = func(pr *httputil.ProxyRequest) {
		rewrite(pr)
		pr.Out.Host = pr.Out.URL.Host // the integration URL's host, to the target
	}
	if !strings.Contains(hi.connectionID, "${") {
		l := env.vpcLinks[hi.connectionID]
		if l == nil {
			return nil, fmt.Errorf("HTTP: VPC link %q: not defined (gateway.WithVPCLink)", hi.connectionID)
		}
		rp.Transport = &linkTransport{link: l, next: rp.Transport}
		return rp, nil
	}
	sel, err := compileURLTemplate(hi.connectionID, nil, "")
	if err != nil {
		return nil, fmt.Errorf("HTTP: VPC link %q: %w", hi.connectionID, err)
	}
	rp.Transport = &linkTransport{next: rp.Transport}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := sel.expand(apigw.FromContext(r.Context()))
		l := env.vpcLinks[id]
		if l == nil {
			apigw.WriteError(w, r, &apigw.Error{Type: apigw.APIConfigurationError,
				Err: fmt.Errorf("VPC link %q (from %s) is not defined", id, hi.connectionID)})
			return
		}
		rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), linkKey{}, l)))
	}), nil
}
