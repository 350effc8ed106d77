// Package petbreed is the petbreed example (the main package one directory
// up) as a library, so that the browser test in module
// github.com/apigw/apigw/e2e runs the very same servers: a pet shop's page
// and the breed-recognition API its script calls from another origin.
//
// The API is a gateway with a CORS policy that allows only the shop's
// origin. Its routes:
//
//   - POST /identify, body {"photo": "..."}: answers {"breed": "..."}.
//   - POST /identify/premium: the same behind a TOKEN authorizer, which lets
//     in "Authorization: Bearer premium-token" ([PremiumToken]) and refuses
//     anything else, a missing token included, with 401 Unauthorized.
//
// Both validate the body against a JSON Schema (a photo is required). Every
// answer to the shop's origin carries the CORS headers, the gateway's own
// refusals too, so that the page can show a 401 or a 400 as it is rather
// than a network error.
package petbreed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/serve"
	"github.com/aws/aws-lambda-go/events"
)

const (
	// DefaultAddr is the API's default listening address.
	DefaultAddr = "127.0.0.1:8080"
	// DefaultSiteAddr is the shop page's default listening address.
	DefaultSiteAddr = "127.0.0.1:8081"
	// PremiumToken is the bearer token the premium route lets in.
	PremiumToken = "premium-token"
	// ClientHeader is the custom header the page sends with each call. A
	// header that is not CORS-safelisted makes the browser preflight the
	// call, as does Content-Type: application/json.
	ClientHeader = "X-Petbreed-Client"
)

// Config configures [Start]. The zero value serves the API on
// [DefaultAddr] and the shop on [DefaultSiteAddr].
type Config struct {
	// Addr is the API's listening address ("127.0.0.1:0" for a free port).
	// Default: DefaultAddr.
	Addr string
	// SiteAddr is the shop page's listening address. Default:
	// DefaultSiteAddr.
	SiteAddr string
	// APIURL is the API's base URL as the page's script calls it. Default:
	// http://host:port of the API's listener (127.0.0.1 for an unspecified
	// address).
	APIURL string
	// Origin is the shop's origin as browsers send it, the only origin the
	// API allows. Default: http://host:port of the site's listener, so the
	// page must be opened at exactly that host (http://127.0.0.1:8081, not
	// http://localhost:8081, which is another origin).
	Origin string
	// Logger receives the API's access log and the authorizer's errors.
	// Default: nil, no logs.
	Logger *slog.Logger
	// Options are more options of the API's gateway, such as an observer
	// (gateway.WithObserver).
	Options []gateway.Option
}

// Servers are the running API and shop page, from [Start]. Its methods are
// safe for simultaneous use.
type Servers struct {
	// APIURL is the API's base URL, as the page calls it, without a
	// trailing slash.
	APIURL string
	// SiteURL is the shop page's URL.
	SiteURL string
	// Origin is the shop's origin, the one the API allows.
	Origin string
	// APIAddr and SiteAddr are the addresses the servers listen on.
	APIAddr, SiteAddr string
	// Gateway is the API's gateway.
	Gateway *gateway.Gateway

	calls atomic.Int64
	done  chan struct{}
	err   error
}

// Start listens on both addresses and serves the API and the shop page
// until ctx ends; then it shuts both down gracefully (waiting up to 5 s for
// requests in flight). [Servers.Wait] returns when they have stopped.
func Start(ctx context.Context, cfg Config) (*Servers, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.SiteAddr == "" {
		cfg.SiteAddr = DefaultSiteAddr
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	apiLn, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("petbreed: API: %w", err)
	}
	siteLn, err := net.Listen("tcp", cfg.SiteAddr)
	if err != nil {
		apiLn.Close()
		return nil, fmt.Errorf("petbreed: site: %w", err)
	}
	s := &Servers{APIURL: strings.TrimSuffix(cfg.APIURL, "/"), Origin: cfg.Origin, SiteURL: serve.BaseURL(siteLn.Addr()) + "/",
		APIAddr: apiLn.Addr().String(), SiteAddr: siteLn.Addr().String(), done: make(chan struct{})}
	if s.APIURL == "" {
		s.APIURL = serve.BaseURL(apiLn.Addr())
	}
	if s.Origin == "" {
		s.Origin = serve.BaseURL(siteLn.Addr())
	}
	gw, err := NewAPI(s.Origin, logger, &s.calls, cfg.Options...)
	s.Gateway = gw
	var page http.Handler
	if err == nil {
		page, err = Page(s.APIURL)
	}
	if err != nil {
		apiLn.Close()
		siteLn.Close()
		if gw != nil {
			gw.Close()
		}
		return nil, err
	}
	api := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	site := &http.Server{Handler: page, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := context.WithCancel(ctx) // a server that fails stops the other
	errs := make(chan error, 2)
	serve := func(srv *http.Server, ln net.Listener, name string) {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		} else {
			err = fmt.Errorf("petbreed: %s: %w", name, err)
			stop()
		}
		errs <- err
	}
	go serve(api, apiLn, "API")
	go serve(site, siteLn, "site")
	go func() {
		<-ctx.Done()
		stop()
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := errors.Join(api.Shutdown(c), site.Shutdown(c))
		s.err = errors.Join(<-errs, <-errs, err, gw.Close())
		close(s.done)
	}()
	return s, nil
}

// Wait blocks until both servers have stopped, after Start's context ended,
// and returns what went wrong, if anything.
func (s *Servers) Wait() error {
	<-s.done
	return s.err
}

// Calls returns how many requests reached the API's backend: preflights
// never do, nor calls the gateway refused.
func (s *Servers) Calls() int64 { return s.calls.Load() }

// photoSchema is the model of both routes' bodies.
const photoSchema = `{
	"$schema": "http://json-schema.org/draft-04/schema#",
	"type": "object",
	"required": ["photo"],
	"properties": {"photo": {"type": "string", "minLength": 1}}
}`

// NewAPI returns the petbreed API as a gateway whose CORS policy allows
// only origin; calls, if not nil, counts the requests that reach the
// backend; extra are more gateway options. Close the gateway when done.
func NewAPI(origin string, logger *slog.Logger, calls *atomic.Int64, extra ...gateway.Option) (*gateway.Gateway, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if calls == nil {
		calls = new(atomic.Int64)
	}
	premium, err := authorizer.NewToken(authorizer.TokenConfig{
		Func:   premiumAuthorizer,
		Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	be := gateway.Handler(backend(calls))
	models := map[string]string{"application/json": "Photo"}
	return gateway.New(append([]gateway.Option{
		gateway.WithAccessLog(logger),
		gateway.WithCORS(cors.Config{
			AllowOrigins: []string{origin},
			AllowMethods: []string{"POST"},
			AllowHeaders: []string{"Content-Type", ClientHeader, "Authorization"},
			// Scripts may read the request id and the error type too.
			ExposeHeaders: []string{"X-Amzn-RequestId", "X-Amzn-ErrorType"},
			MaxAge:        10 * time.Minute,
		}),
		gateway.WithModel("Photo", photoSchema),
		gateway.WithAuthorizer("premium", premium),
		gateway.Route("POST /identify", gateway.Method{Integration: be, RequestModels: models}),
		gateway.Route("POST /identify/premium", gateway.Method{Integration: be, RequestModels: models, Authorizer: "premium"}),
	}, extra...)...)
}

// premiumAuthorizer lets in the premium token and refuses every other one
// with 401; the authorizer itself refuses a missing token with 401 before
// calling it.
func premiumAuthorizer(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	if req.AuthorizationToken != "Bearer "+PremiumToken {
		return events.APIGatewayCustomAuthorizerResponse{}, authorizer.ErrUnauthorized
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "premium-customer",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{req.MethodArn}},
			},
		},
	}, nil
}

// breeds are the breeds the API tells apart.
var breeds = [...]string{
	"Labrador Retriever", "German Shepherd", "Golden Retriever", "French Bulldog",
	"Beagle", "Poodle", "Dachshund", "Border Collie",
	"Maine Coon", "Siamese", "Persian", "Bengal",
}

// Breed is the breed the API recognises in photo: a stand-in for a model,
// the same breed for the same photo.
func Breed(photo string) string {
	h := fnv.New32a()
	h.Write([]byte(photo))
	return breeds[h.Sum32()%uint32(len(breeds))]
}

// backend is the breed-recognition service, unaware of the gateway in
// front of it (which has validated the body already).
func backend(calls *atomic.Int64) http.Handler {
	identify := func(w http.ResponseWriter, r *http.Request, premium bool) {
		calls.Add(1)
		var req struct {
			Photo string `json:"photo"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Photo == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "a photo is required"})
			return
		}
		answer := map[string]any{"breed": Breed(req.Photo)}
		if premium {
			answer["confidence"] = 0.97
			if c := apigw.FromContext(r.Context()); c != nil {
				answer["customer"] = c.Authorizer.PrincipalID
			}
		}
		writeJSON(w, http.StatusOK, answer)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /identify", func(w http.ResponseWriter, r *http.Request) { identify(w, r, false) })
	mux.HandleFunc("POST /identify/premium", func(w http.ResponseWriter, r *http.Request) { identify(w, r, true) })
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
