// Command httpapi is AWS's tutorial "Build a CRUD HTTP API with Lambda and
// DynamoDB" as an HTTP API in front of one Go Lambda function (payload 2.0),
// which serves GET /items, GET /items/{id}, PUT /items and DELETE
// /items/{id} by switching on the event's routeKey. Items are kept in
// memory, or in Redis with -redis so that several replicas share them.
//
// PUT and DELETE need a JWT with the scope items/write from the example's
// own issuer (POST /token with the form field scope; its keys at
// /.well-known/jwks.json), as an HTTP API's JWT authorizer checks it. CORS
// lets the page at http://localhost:3000 call the API. The API is served on
// its $default stage, at the root.
//
//	go run ./examples/httpapi
//	curl -s localhost:8080/items                                               # []
//	TOKEN=$(curl -s -d scope=items/write localhost:8080/token | jq -r .access_token)
//	curl -i -X PUT -H "Authorization: Bearer $TOKEN" -d '{"id":"123","price":12345,"name":"myitem"}' localhost:8080/items
//	curl -s localhost:8080/items/123                                           # {"id":"123","name":"myitem","price":12345}
//	curl -i -X DELETE -H "Authorization: Bearer $TOKEN" localhost:8080/items/123
//	curl -i -X PUT -d '{"id":"1"}' localhost:8080/items                        # 401 {"message":"Unauthorized"}
//	READ=$(curl -s -d scope=items/read localhost:8080/token | jq -r .access_token)
//	curl -i -X DELETE -H "Authorization: Bearer $READ" localhost:8080/items/1  # 403 {"message":"Forbidden"}
//	curl -i localhost:8080/nothing                                             # 404 {"message":"Not Found"}
//	curl -i -X OPTIONS -H 'Origin: http://localhost:3000' -H 'Access-Control-Request-Method: PUT' localhost:8080/items
//
// Several replicas sharing the items through Redis (one server, or a
// cluster as comma-separated addresses):
//
//	go run ./examples/httpapi -redis 127.0.0.1:6379 -addr 127.0.0.1:8080 &
//	go run ./examples/httpapi -redis 127.0.0.1:6379 -addr 127.0.0.1:8081 &
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
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/examples/internal/issuer"
	"github.com/apigw/apigw/examples/internal/redisflag"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/serve"
	"github.com/aws/aws-lambda-go/events"
)

// item is what the API stores, as AWS's tutorial has it.
type item struct {
	ID    string  `json:"id"`
	Name  string  `json:"name,omitempty"`
	Price float64 `json:"price,omitempty"`
}

// store keeps the items.
type store interface {
	List(ctx context.Context) ([]item, error)
	Get(ctx context.Context, id string) (item, bool, error)
	Put(ctx context.Context, it item) error
	Delete(ctx context.Context, id string) error
}

// handler is the tutorial's Lambda function: one function for every route,
// switching on the route key.
func handler(items store) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		switch ev.RouteKey {
		case "GET /items":
			all, err := items.List(ctx)
			if err != nil {
				return events.APIGatewayV2HTTPResponse{}, err
			}
			return jsonAnswer(http.StatusOK, all)
		case "GET /items/{id}":
			it, ok, err := items.Get(ctx, ev.PathParameters["id"])
			switch {
			case err != nil:
				return events.APIGatewayV2HTTPResponse{}, err
			case !ok:
				return jsonAnswer(http.StatusNotFound, map[string]string{"message": "no item " + ev.PathParameters["id"]})
			}
			return jsonAnswer(http.StatusOK, it)
		case "PUT /items":
			var it item
			if err := json.Unmarshal([]byte(ev.Body), &it); err != nil || it.ID == "" {
				return jsonAnswer(http.StatusBadRequest, map[string]string{"message": "want an item with an id"})
			}
			if err := items.Put(ctx, it); err != nil {
				return events.APIGatewayV2HTTPResponse{}, err
			}
			return jsonAnswer(http.StatusOK, map[string]string{"message": "Put item " + it.ID})
		case "DELETE /items/{id}":
			if err := items.Delete(ctx, ev.PathParameters["id"]); err != nil {
				return events.APIGatewayV2HTTPResponse{}, err
			}
			return jsonAnswer(http.StatusOK, map[string]string{"message": "Deleted item " + ev.PathParameters["id"]})
		}
		return jsonAnswer(http.StatusBadRequest, map[string]string{"message": "Unsupported route: " + ev.RouteKey})
	}
}

func jsonAnswer(status int, v any) (events.APIGatewayV2HTTPResponse, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: string(b),
		Headers: map[string]string{"Content-Type": "application/json"}}, nil
}

// newGateway is the HTTP API: its routes, the JWT authorizer of the issuer
// at base, CORS for the page at http://localhost:3000.
func newGateway(base string, items store, logger *slog.Logger, extra ...gateway.Option) (*gateway.Gateway, error) {
	jwtAuth, err := authorizer.NewJWT(authorizer.JWTConfig{
		Issuer:  base,
		JWKSURL: base + "/.well-known/jwks.json",
		Header:  "$request.header.Authorization",
		Logger:  logger,
	})
	if err != nil {
		return nil, err
	}
	fn := gateway.LambdaV2(handler(items))
	write := gateway.Method{Integration: fn, Authorizer: "jwt", AuthorizationScopes: []string{"items/write"}}
	return gateway.New(append([]gateway.Option{
		gateway.WithHTTPAPI(),
		gateway.WithAccessLog(logger),
		gateway.WithCORS(cors.Config{
			AllowOrigins: []string{"http://localhost:3000"},
			AllowMethods: []string{"GET", "PUT", "DELETE"},
			AllowHeaders: []string{"Authorization", "Content-Type"},
			MaxAge:       time.Hour,
		}),
		gateway.WithAuthorizer("jwt", jwtAuth),
		gateway.Route("GET /items", gateway.Method{Integration: fn}),
		gateway.Route("GET /items/{id}", gateway.Method{Integration: fn}),
		gateway.Route("PUT /items", write),
		gateway.Route("DELETE /items/{id}", write),
	}, extra...)...)
}

// run serves the example on addr until ctx ends; ready, if not nil,
// receives the address it listens on.
func run(ctx context.Context, adm *admin.Admin, addr string, items store, logger *slog.Logger, ready chan<- string) error {
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
	gw, err := newGateway(base, items, logger, adm.Gateway()...)
	if err != nil {
		ln.Close()
		return err
	}
	adm.Watch(gw)
	// The issuer sits beside the API, as another service would.
	mux := http.NewServeMux()
	iss.Register(mux)
	mux.Handle("/", gw)
	err = adm.Run(ctx, func(ctx context.Context) error { return serve.Serve(ctx, ln, mux, ready) })
	return errors.Join(err, gw.Close()) // Close stops the JWKS refreshes
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	redisAddr := flag.String("redis", "", "keep the items in Redis, shared by every replica: "+redisflag.Usage)
	adminAddr := flag.String("admin-addr", "", admin.Usage)
	flag.Parse()
	ctx, stop := serve.SignalContext()
	defer stop()
	adm, err := admin.New(ctx, *adminAddr, nil)
	if err != nil {
		log.Fatal(err)
	}
	var items store = newMemoryStore()
	if *redisAddr != "" {
		rdb := redisflag.NewClient(*redisAddr, false)
		defer rdb.Close()
		items = redisStore{rdb: rdb, key: "apigw:examples:httpapi:items"}
	}
	ready := make(chan string, 1)
	go func() { log.Printf("httpapi example: http://%s/items", <-ready) }()
	if err := run(ctx, adm, *addr, items, slog.Default(), ready); err != nil {
		log.Fatal(err)
	}
}
