// Command authorizers protects two methods with API Gateway's authorizers:
//
//   - GET /pets takes a JWT with the scope pets/read (a JWT authorizer, as
//     with Cognito or any OpenID issuer). The example is its own issuer: an
//     RSA key generated at start, published at GET /.well-known/jwks.json,
//     and POST /token (form field scope) hands out RS256 access tokens
//     valid for 5 minutes. The gateway fetches the JWKS from the same
//     server on first use.
//   - GET /admin is guarded by AWS's sample TOKEN authorizer, a Go function
//     here: token "allow" is let in, "deny" gets 403 with an explicit deny,
//     anything else 401.
//
// Both answers say who the caller is, as the authorizer found out.
//
//	go run ./examples/authorizers
//	curl -s localhost:8080/.well-known/jwks.json
//	TOKEN=$(curl -s -d scope=pets/read -d username=bob localhost:8080/token | jq -r .access_token)
//	curl -i -H "Authorization: Bearer $TOKEN" localhost:8080/pets        # 200
//	OTHER=$(curl -s -d scope=orders/read localhost:8080/token | jq -r .access_token)
//	curl -i -H "Authorization: Bearer $OTHER" localhost:8080/pets        # 403
//	curl -i localhost:8080/pets                                          # 401
//	curl -i -H "Authorization: Bearer ${TOKEN}x" localhost:8080/pets     # 401
//	curl -i -H "Authorization: allow" localhost:8080/admin               # 200
//	curl -i -H "Authorization: deny" localhost:8080/admin                # 403
//	curl -i -H "Authorization: nope" localhost:8080/admin                # 401
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log"
	"log/slog"
	"net"
	"net/http"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/examples/internal/issuer"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/serve"
	"github.com/aws/aws-lambda-go/events"
)

// sampleAuthorizer is AWS's sample TOKEN authorizer, in Go.
func sampleAuthorizer(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	var effect string
	switch req.AuthorizationToken {
	case "allow":
		effect = "Allow"
	case "deny":
		effect = "Deny"
	default:
		return events.APIGatewayCustomAuthorizerResponse{}, authorizer.ErrUnauthorized
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "user",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{req.MethodArn}},
			},
		},
		Context: map[string]any{"stringKey": "stringval", "numberKey": 123, "booleanKey": true},
	}, nil
}

// backend is the API itself; the gateway lets in only authorized callers.
func backend() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pets", func(w http.ResponseWriter, r *http.Request) {
		a := apigw.FromContext(r.Context()).Authorizer
		writeJSON(w, http.StatusOK, map[string]any{
			"caller": map[string]any{"principalId": a.PrincipalID, "scopes": a.Scopes},
			"pets": []map[string]any{
				{"id": 1, "type": "dog", "price": 249.99},
				{"id": 2, "type": "cat", "price": 124.99},
			},
		})
	})
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		a := apigw.FromContext(r.Context()).Authorizer
		writeJSON(w, http.StatusOK, map[string]any{
			"caller":  map[string]any{"principalId": a.PrincipalID, "context": a.Context},
			"message": "welcome to the admin area",
		})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// newGateway puts the backend behind the two authorizers; base is the
// issuer's URL.
func newGateway(base string, logger *slog.Logger, extra ...gateway.Option) (*gateway.Gateway, error) {
	issuer, err := authorizer.NewJWT(authorizer.JWTConfig{
		Issuer:  base,
		JWKSURL: base + "/.well-known/jwks.json",
		Logger:  logger,
	})
	if err != nil {
		return nil, err
	}
	sample, err := authorizer.NewToken(authorizer.TokenConfig{
		Func:   sampleAuthorizer,
		Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	be := gateway.Handler(backend())
	return gateway.New(append([]gateway.Option{
		gateway.WithAccessLog(logger),
		gateway.WithAuthorizer("issuer", issuer),
		gateway.WithAuthorizer("sample", sample),
		gateway.Route("GET /pets", gateway.Method{
			Integration:         be,
			Authorizer:          "issuer",
			AuthorizationScopes: []string{"pets/read"},
		}),
		gateway.Route("GET /admin", gateway.Method{Integration: be, Authorizer: "sample"}),
	}, extra...)...)
}

// run serves the example on addr until ctx ends; ready, if not nil,
// receives the address it listens on.
func run(ctx context.Context, adm *admin.Admin, addr string, logger *slog.Logger, ready chan<- string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := serve.BaseURL(ln.Addr())
	iss, err := issuer.New(base)
	if err != nil {
		ln.Close()
		return err
	}
	gw, err := newGateway(base, logger, adm.Gateway()...)
	if err != nil {
		ln.Close()
		return err
	}
	adm.Watch(gw)
	// The issuer's routes sit beside the gateway, as another service would.
	mux := http.NewServeMux()
	iss.Register(mux)
	mux.Handle("/", gw)
	err = adm.Run(ctx, func(ctx context.Context) error { return serve.Serve(ctx, ln, mux, ready) })
	return errors.Join(err, gw.Close()) // Close stops the JWKS refreshes
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	adminAddr := flag.String("admin-addr", "", admin.Usage)
	flag.Parse()
	ctx, stop := serve.SignalContext()
	defer stop()
	adm, err := admin.New(ctx, *adminAddr, nil)
	if err != nil {
		log.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() { log.Printf("authorizers example: http://%s/pets and /admin", <-ready) }()
	if err := run(ctx, adm, *addr, slog.Default(), ready); err != nil {
		log.Fatal(err)
	}
}
