//go:build peers

package scenario

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	krakendjose "github.com/krakend/krakend-jose/v2"
	ginjose "github.com/krakend/krakend-jose/v2/gin"
	"github.com/luraproject/lura/v2/config"
	"github.com/luraproject/lura/v2/logging"
	"github.com/luraproject/lura/v2/proxy"
	luragin "github.com/luraproject/lura/v2/router/gin"
	"github.com/luraproject/lura/v2/transport/http/server"
	"golang.org/x/time/rate"
)

// The Lura scenarios are built as KrakenD CE builds its router: a Lura
// service configuration, Lura's gin engine (NewEngine), the endpoint's proxy
// stack from Lura's default proxy factory over its HTTP backend factory, and
// the endpoint's gin handler from a chain of handler factories (KrakenD CE's
// NewHandlerFactory: the endpoint handler, wrapped by the rate limiter,
// wrapped by krakend-jose's JWT validator). The engine is registered as
// Lura's router does (one GET route per endpoint) and served by the
// benchmark's http.Server, as Lura's RunServer serves it by a plain
// http.Server. Left out, as nothing is configured for them: KrakenD CE's
// Lua, metrics, OpenTelemetry and bot-detector wrappers (each passes
// through when unconfigured).
//
// Both answer with the backend's bytes: the endpoint and its backend use the
// no-op encoding (a pure proxy; Lura's default, JSON, would decode the
// answer and encode it again with its keys sorted). Lura's access log
// (gin's logger) is off, as no other scenario logs requests.

// luraConfig is the service configuration of one endpoint, GET
// /artists/{id}, forwarded to the backend's /artists/{id}. jwt, when set,
// is the endpoint's krakend-jose validator configuration.
func luraConfig(env Env, jwt map[string]any) (*config.ServiceConfig, error) {
	if _, err := backendURL(env); err != nil {
		return nil, err
	}
	endpoint := &config.EndpointConfig{
		Endpoint:       "/artists/{id}",
		Method:         http.MethodGet,
		OutputEncoding: "no-op",
		Backend: []*config.Backend{{
			URLPattern: "/artists/{id}",
			Host:       []string{env.BackendURL},
			Method:     http.MethodGet,
			Encoding:   "no-op",
		}},
		ExtraConfig: config.ExtraConfig{},
	}
	if jwt != nil {
		endpoint.ExtraConfig[krakendjose.ValidatorNamespace] = jwt
	}
	cfg := &config.ServiceConfig{
		Version: config.ConfigVersion,
		Name:    "bench",
		Timeout: 29 * time.Second, // apigw's integration timeout
		// Lura's backend transport with its defaults, but 256 idle
		// connections per host (Lura's default: 250) like the other
		// proxies.
		MaxIdleConnsPerHost: 256,
		ExtraConfig: config.ExtraConfig{
			luragin.Namespace: map[string]any{"disable_access_log": true},
		},
		Endpoints: []*config.EndpointConfig{endpoint},
	}
	if err := cfg.Init(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// luraRouter builds cfg's gin engine with handlers from hf.
func luraRouter(cfg *config.ServiceConfig, hf luragin.HandlerFactory) (http.Handler, func(), error) {
	logger := logging.NoOp
	transport := server.NewTransport(*cfg, logger)
	client := &http.Client{Transport: transport}
	proxies := proxy.NewDefaultFactory(proxy.CustomHTTPProxyFactory(func(context.Context) *http.Client { return client }), logger)
	engine := luragin.NewEngine(*cfg, luragin.EngineOptions{Logger: logger})
	for _, e := range cfg.Endpoints {
		p, err := proxies.New(e)
		if err != nil {
			return nil, nil, err
		}
		engine.GET(e.Endpoint, hf(e, p))
	}
	return engine, transport.CloseIdleConnections, nil
}

// luraProxy is Lura alone: its default endpoint handler and proxy.
func luraProxy(env Env) (http.Handler, func(), error) {
	cfg, err := luraConfig(env, nil)
	if err != nil {
		return nil, nil, err
	}
	return luraRouter(cfg, luragin.EndpointHandler)
}

// krakenD is KrakenD CE's job for one endpoint: krakend-jose validates the
// RS256 token on every request (the key set read from env.JWKSPath, issuer
// and algorithm checked), an endpoint-wide token bucket limits the rate
// (limit, burst), and Lura proxies to the backend. The handler chain is
// KrakenD CE's (handler_factory.go): the endpoint handler with its error
// mapping, wrapped by the rate limiter, wrapped by the JWT validator.
//
// The rate limiter stands in for krakend-ratelimit's endpoint limiter,
// which this machine cannot fetch (the Go checksum database refuses
// krakend-ratelimit/v3 v3.3.x, and the older versions tried are not
// served): it
// is the same thing in the same place, a token bucket asked once per
// request that answers 503 when empty, from golang.org/x/time/rate.
func krakenD(env Env, limit rate.Limit, burst int) (http.Handler, func(), error) {
	if env.JWKSPath == "" {
		return nil, nil, errors.New("krakend: no JWKS file (Env.JWKSPath)")
	}
	cfg, err := luraConfig(env, map[string]any{
		"alg":            "RS256",
		"jwk_local_path": env.JWKSPath,
		"issuer":         Issuer,
		// A local key file has no URL, which krakend-jose takes for an
		// insecure one; KrakenD's documentation pairs jwk_local_path with
		// this.
		"disable_jwk_security": true,
	})
	if err != nil {
		return nil, nil, err
	}
	logger := logging.NoOp
	hf := luragin.CustomErrorEndpointHandler(logger, server.DefaultToHTTPError)
	hf = endpointRateLimit(hf, limit, burst)
	hf = ginjose.HandlerFactory(hf, logger, nil)
	return luraRouter(cfg, hf)
}

// errLimited is the rate limiter's refusal.
var errLimited = errors.New("rate limit exceeded")

// endpointRateLimit wraps next's handlers with one token bucket per
// endpoint.
func endpointRateLimit(next luragin.HandlerFactory, limit rate.Limit, burst int) luragin.HandlerFactory {
	return func(cfg *config.EndpointConfig, p proxy.Proxy) gin.HandlerFunc {
		l := rate.NewLimiter(limit, burst)
		h := next(cfg, p)
		return func(c *gin.Context) {
			if !l.Allow() {
				_ = c.AbortWithError(http.StatusServiceUnavailable, errLimited)
				return
			}
			h(c)
		}
	}
}
