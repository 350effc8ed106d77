// Package scenario defines what the load benchmark serves: each scenario is
// an http.Handler (built the same way in the server process and, for the
// allocation figures, in-process), the one request the load generator
// repeats, and the answer that request must get.
package scenario

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Env is what a scenario's handler may depend on besides its own code.
type Env struct {
	// Keys are the public keys the JWT verifiers trust (Credentials.Public).
	Keys jwk.Set
	// JWKSPath is a file holding Keys as a JWK set (Credentials.WriteJWKS),
	// for the verifiers that read their keys from a file (KrakenD's).
	JWKSPath string
	// BackendURL is the base URL of the backend process the HTTP proxies
	// forward to ("http://127.0.0.1:PORT"); empty for the other scenarios.
	BackendURL string
}

// Request is the request a scenario's load repeats.
type Request struct {
	Method string
	Path   string // with the query string, if any
	Header http.Header
	Body   string
}

// NewHTTPRequest returns r as an *http.Request for baseURL
// ("http://127.0.0.1:PORT").
func (r Request) NewHTTPRequest(baseURL string) (*http.Request, error) {
	var body *strings.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequest(r.Method, baseURL+r.Path, body)
	} else {
		req, err = http.NewRequest(r.Method, baseURL+r.Path, nil)
	}
	if err != nil {
		return nil, err
	}
	for k, v := range r.Header {
		req.Header[k] = slices.Clone(v)
	}
	return req, nil
}

// Scenario is one thing the benchmark measures.
type Scenario struct {
	// Name is the scenario's short name, used on command lines.
	Name string
	// Title says what is measured, for the table.
	Title string
	// Backend says that the handler forwards to a backend process (a
	// server of the "bare" scenario) at Env.BackendURL.
	Backend bool
	// Peer says that the scenario is another project built from its Go
	// modules (Caddy, Lura): it is compiled in only with the build tag
	// "peers" (PeersBuilt), which cmd/loadbench builds the server with.
	Peer bool
	// Build returns the scenario's handler and what releases it.
	Build func(env Env) (h http.Handler, close func(), err error)
	// Serve, when set, serves the scenario on ln with the server of its
	// own (Caddy's) instead of the benchmark's http.Server around Build's
	// handler; stop stops it. Build is still what the in-process figures
	// call.
	Serve func(env Env, ln net.Listener) (stop func(), err error)
	// Request is the request the load repeats; token is a valid RS256 JWT
	// for Credentials.Public.
	Request func(token string) Request
	// WantStatus, WantBody and WantHeader are the answer each request must
	// get (WantHeader only once warm: a cache hit says so only from the
	// second request).
	WantStatus int
	WantBody   string
	WantHeader map[string]string
}

// Check reports whether an answer is the one s's request must get. warm
// says that the scenario has already served a request (so that, for
// example, a cache answers from its entry).
func (s *Scenario) Check(status int, header http.Header, body []byte, warm bool) error {
	var errs []error
	if status != s.WantStatus {
		errs = append(errs, fmt.Errorf("status %d, want %d", status, s.WantStatus))
	}
	if string(body) != s.WantBody {
		errs = append(errs, fmt.Errorf("body %q, want %q", body, s.WantBody))
	}
	if warm {
		for k, v := range s.WantHeader {
			if got := header.Get(k); got != v {
				errs = append(errs, fmt.Errorf("header %s: %q, want %q", k, got, v))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("scenario %s: %w", s.Name, errors.Join(errs...))
	}
	return nil
}

// The fixed parts of the requests and answers.
const (
	// Origin is the page origin of the CORS scenarios.
	Origin = "https://app.example"
	// APIKey is the API key of the usage-plan scenarios.
	APIKey = "bench-key-0000000000000001"
	// Issuer is the JWT issuer.
	Issuer = "https://issuer.example"
	// ArtistJSON is the backend's answer.
	ArtistJSON = `{"id":1234,"artist":"Queen","popularity":90,"genres":["Progressive rock","Pop rock","Glam rock"]}`
	// MappedJSON is the answer of the "full" scenarios: the backend's
	// answer reshaped by a response mapping.
	MappedJSON = `{"name":"Queen","popularity":90}`
	// UpdateBody is the body of the "full" scenarios' POST, valid against
	// UpdateSchema.
	UpdateBody = `{"popularity":95}`
	// UpdateSchema is the model the "full" scenarios validate the body
	// against.
	UpdateSchema = `{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "type": "object",
  "properties": {"popularity": {"type": "integer", "minimum": 0, "maximum": 100}},
  "required": ["popularity"],
  "additionalProperties": false
}`
)

var artistJSON = []byte(ArtistJSON)

// Backend is the trivial backend: it answers ArtistJSON to any request,
// as cheaply as a handler can.
var Backend = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = []string{"application/json"}
	_, _ = w.Write(artistJSON)
})

func getArtist(string) Request {
	return Request{Method: http.MethodGet, Path: "/artists/1234", Header: http.Header{}}
}

func fullRequest(token string) Request {
	return Request{Method: http.MethodPost, Path: "/artists/1234", Body: UpdateBody, Header: http.Header{
		"Origin":        {Origin},
		"Authorization": {"Bearer " + token},
		"X-Api-Key":     {APIKey},
		"Content-Type":  {"application/json"},
	}}
}

func noClose() {}

// All returns every scenario, in the order of the table.
func All() []*Scenario {
	corsHeader := map[string]string{"Access-Control-Allow-Origin": Origin}
	return []*Scenario{
		{
			Name: "bare", Title: "bare net/http backend",
			Build:   func(Env) (http.Handler, func(), error) { return Backend, noClose, nil },
			Request: getArtist, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "bare-post", Title: "bare net/http backend sent apigw-full's request (POST, JWT, API key, JSON body)",
			Build:   func(Env) (http.Handler, func(), error) { return Backend, noClose, nil },
			Request: fullRequest, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "apigw-proxy", Title: "apigw: route + in-process integration",
			Build:   func(Env) (http.Handler, func(), error) { return apigwProxy() },
			Request: getArtist, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "apigw-httpapi", Title: "apigw HTTP API (WithHTTPAPI): route + in-process integration",
			Build:   func(Env) (http.Handler, func(), error) { return apigwHTTPAPI() },
			Request: getArtist, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "apigw-lambda", Title: "apigw: Lambda proxy integration (payload 1.0), a trivial aws-lambda-go handler",
			Build:   func(Env) (http.Handler, func(), error) { return apigwLambda(false) },
			Request: getArtist, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "apigw-lambda-v2", Title: "apigw HTTP API: Lambda proxy integration (payload 2.0), a trivial aws-lambda-go handler",
			Build:   func(Env) (http.Handler, func(), error) { return apigwLambda(true) },
			Request: getArtist, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "apigw-full", Title: "apigw: CORS + JWT RS256 + API key/usage plan + body model + response template",
			Build:   func(env Env) (http.Handler, func(), error) { return apigwFull(env, 0) },
			Request: fullRequest, WantStatus: 200, WantBody: MappedJSON, WantHeader: corsHeader,
		},
		{
			Name: "apigw-full-nocache", Title: "apigw full, JWT token cache off (RSA verify every request)",
			Build:   func(env Env) (http.Handler, func(), error) { return apigwFull(env, -1) },
			Request: fullRequest, WantStatus: 200, WantBody: MappedJSON, WantHeader: corsHeader,
		},
		{
			Name: "apigw-full-metrics", Title: "apigw full with the monitor's metrics (in-memory reader), no tracing",
			Build:   func(env Env) (http.Handler, func(), error) { return apigwMonitored(env, nil) },
			Request: fullRequest, WantStatus: 200, WantBody: MappedJSON, WantHeader: corsHeader,
		},
		{
			Name: "apigw-full-monitor", Title: "apigw full with metrics and traces, 5 % sampled (in-memory exporters)",
			Build: func(env Env) (http.Handler, func(), error) {
				return apigwMonitored(env, sdktrace.TraceIDRatioBased(0.05))
			},
			Request: fullRequest, WantStatus: 200, WantBody: MappedJSON, WantHeader: corsHeader,
		},
		{
			Name: "apigw-full-traced", Title: "apigw full with metrics and every request traced (in-memory exporters)",
			Build:   func(env Env) (http.Handler, func(), error) { return apigwMonitored(env, sdktrace.AlwaysSample()) },
			Request: fullRequest, WantStatus: 200, WantBody: MappedJSON, WantHeader: corsHeader,
		},
		{
			Name: "chi-stack", Title: "chi + rs/cors + httprate + jwx + jsonschema, same job as apigw full",
			Build:   func(env Env) (http.Handler, func(), error) { return chiStack(env) },
			Request: fullRequest, WantStatus: 200, WantBody: MappedJSON, WantHeader: corsHeader,
		},
		{
			Name: "apigw-cache", Title: "apigw: stage cache hit",
			Build:   func(Env) (http.Handler, func(), error) { return apigwCache() },
			Request: getArtist, WantStatus: 200, WantBody: ArtistJSON, WantHeader: map[string]string{"X-Cache": "Hit"},
		},
		{
			Name: "apigw-http", Title: "apigw: HTTP proxy integration to a backend process", Backend: true,
			Build:   func(env Env) (http.Handler, func(), error) { return apigwHTTP(env) },
			Request: getArtist, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "reverseproxy", Title: "httputil.ReverseProxy alone to the same backend process", Backend: true,
			Build:   func(env Env) (http.Handler, func(), error) { return reverseProxy(env) },
			Request: getArtist, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "caddy-proxy", Peer: true, Title: "Caddy v2.11.9 reverse_proxy to the same backend process, on Caddy's own server", Backend: true,
			Build:   func(env Env) (http.Handler, func(), error) { return caddyProxy(env) },
			Serve:   serveCaddy,
			Request: getArtist, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "lura-proxy", Peer: true, Title: "Lura v2.13.0 (KrakenD's core) proxying to the same backend process", Backend: true,
			Build:   func(env Env) (http.Handler, func(), error) { return luraProxy(env) },
			Request: getArtist, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "apigw-krakend", Title: "apigw doing KrakenD's job: JWT authorizer (RS256 verified every request) + stage throttle + HTTP integration", Backend: true,
			Build:   func(env Env) (http.Handler, func(), error) { return apigwKrakenDJob(env, unlimited, unlimitedBurst) },
			Request: bearerGet, WantStatus: 200, WantBody: ArtistJSON,
		},
		{
			Name: "krakend", Peer: true, Title: "KrakenD CE's chain on Lura v2.13.0: krakend-jose JWT validator + endpoint rate limit + proxy", Backend: true,
			Build:   func(env Env) (http.Handler, func(), error) { return krakenD(env, unlimited, unlimitedBurst) },
			Request: bearerGet, WantStatus: 200, WantBody: ArtistJSON,
		},
	}
}

// The rate of the rate limiters that must never refuse.
const (
	unlimited      = 1e9
	unlimitedBurst = 1e9
)

// bearerGet is getArtist with the token.
func bearerGet(token string) Request {
	r := getArtist(token)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// ByName returns the scenario called name.
func ByName(name string) (*Scenario, error) {
	var names []string
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return nil, fmt.Errorf("unknown scenario %q (have %s)", name, strings.Join(names, ", "))
}

// ProxyTransport is the transport of both HTTP proxies: the one apigw
// builds by default (a clone of http.DefaultTransport keeping up to 256
// idle connections per host), given to the plain ReverseProxy too so that
// both keep their connections to the backend alive under load. (With
// http.DefaultTransport's 2 idle connections per host a ReverseProxy under
// 32 connections would open and close connections all the time.)
func ProxyTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	return t
}

func reverseProxy(env Env) (http.Handler, func(), error) {
	target, err := backendURL(env)
	if err != nil {
		return nil, nil, err
	}
	t := ProxyTransport()
	rp := &httputil.ReverseProxy{
		Transport: t,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
	}
	return rp, t.CloseIdleConnections, nil
}

func backendURL(env Env) (*url.URL, error) {
	u, err := url.Parse(env.BackendURL)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
		return nil, fmt.Errorf("backend URL %q: want http://127.0.0.1:PORT", env.BackendURL)
	}
	return u, nil
}

// tokenLifetime is how long the benchmark's token stays valid.
const tokenLifetime = 24 * time.Hour
