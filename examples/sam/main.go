// Command sam serves a SAM template — the pets API of template.yaml, as
// `sam deploy` would put it on AWS — with its Go functions bound
// in-process: the template's Cognito authorizer on writes, its API key and
// usage plan, the cache on GET /pets/{id}, its CORS and its stage variable,
// all answered by apigw's pipeline in microseconds.
//
// The Go way: load the template and bind each function by its logical id.
//
//	api, err := sam.Load(template, sam.Bindings{Bindings: openapi.Bindings{
//		Functions: map[string]any{"ListPetsFunction": listPets, "GetPetFunction": getPet, "CreatePetFunction": createPet},
//	}})
//	gw, err := gateway.New(api.Options()...)
//
// Run it:
//
//	go run ./examples/sam                  # prints a demo token for POST /pets
//	curl -H 'x-api-key: demo-pets-key-0000000001' localhost:8080/pets
//	curl -H 'x-api-key: demo-pets-key-0000000001' localhost:8080/pets/1   # cached for 60 s
//	curl -H 'x-api-key: demo-pets-key-0000000001' -H "Authorization: $TOKEN" \
//	     -H 'Content-Type: application/json' -d '{"name":"Rex","type":"dog"}' localhost:8080/pets
//
// The command way: the functions run elsewhere, behind Lambda's Invoke API —
// here this program with -lambda-addr (which also publishes the demo user
// pool's keys), as `sam local start-lambda` would run them — and the apigw
// command serves the same template:
//
//	go run ./examples/sam -lambda-addr 127.0.0.1:3001 &
//	go run ./cmd/apigw serve -lambda-endpoint http://127.0.0.1:3001 \
//	    -jwks https://cognito-idp.us-east-1.amazonaws.com/us-east-1_PetsUserPool=http://127.0.0.1:3001/.well-known/jwks.json \
//	    examples/sam/template.yaml
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/serve"
	"github.com/apigw/apigw/lambdainvoke"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

//go:embed template.yaml
var template []byte

// The demo user pool: the template's PetsUserPool, whose issuer apigw
// derives from its logical id.
const (
	issuer  = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_PetsUserPool"
	demoKey = "demo-pets-key-0000000001"
)

// Pet is one pet of the store.
type Pet struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Type  string `json:"type"`
	Owner string `json:"owner,omitempty"`
}

// store is the functions' database.
type store struct {
	mu   sync.Mutex
	pets map[int]Pet
	gets int // GetPetFunction's invocations, to show the cache
}

func newStore() *store {
	return &store{pets: map[int]Pet{1: {ID: 1, Name: "Fido", Type: "dog"}, 2: {ID: 2, Name: "Tom", Type: "cat"}}}
}

func jsonResponse(status int, v any) events.APIGatewayProxyResponse {
	body, _ := json.Marshal(v)
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body)}
}

// functions returns the template's functions by logical id.
func (s *store) functions() map[string]any {
	return map[string]any{
		"ListPetsFunction": func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			pets := make([]Pet, 0, len(s.pets))
			for _, p := range s.pets {
				pets = append(pets, p)
			}
			sort.Slice(pets, func(i, j int) bool { return pets[i].ID < pets[j].ID })
			// The stage variable store names the shop.
			return jsonResponse(200, map[string]any{"store": req.StageVariables["store"], "pets": pets}), nil
		},
		"GetPetFunction": func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.gets++
			id, _ := strconv.Atoi(req.PathParameters["id"])
			p, ok := s.pets[id]
			if !ok {
				return jsonResponse(404, map[string]string{"message": "no such pet"}), nil
			}
			return jsonResponse(200, p), nil
		},
		"CreatePetFunction": func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			var p Pet
			if err := json.Unmarshal([]byte(req.Body), &p); err != nil {
				return jsonResponse(400, map[string]string{"message": "not a pet"}), nil
			}
			// The Cognito authorizer's claims: who is creating the pet.
			if claims, ok := req.RequestContext.Authorizer["claims"].(map[string]any); ok {
				p.Owner, _ = claims["sub"].(string)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			p.ID = len(s.pets) + 1
			s.pets[p.ID] = p
			return jsonResponse(201, p), nil
		},
	}
}

// issuerKeys is the demo user pool: a key that signs tokens and the key
// set that verifies them.
type issuerKeys struct {
	private jwk.Key
	public  jwk.Set
}

func newIssuer() (*issuerKeys, error) {
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	priv, err := jwk.FromRaw(raw)
	if err != nil {
		return nil, err
	}
	_ = priv.Set(jwk.KeyIDKey, "demo")
	_ = priv.Set(jwk.AlgorithmKey, jwa.RS256)
	pub, err := priv.PublicKey()
	if err != nil {
		return nil, err
	}
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	return &issuerKeys{private: priv, public: set}, nil
}

// token returns an id token of the demo user pool for sub.
func (k *issuerKeys) token(sub string) (string, error) {
	tok, err := jwt.NewBuilder().Issuer(issuer).Subject(sub).Audience([]string{"pets-app"}).
		IssuedAt(time.Now()).Expiration(time.Now().Add(24*time.Hour)).Claim("token_use", "id").Build()
	if err != nil {
		return "", err
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, k.private))
	return string(signed), err
}

// options are the example's settings.
type options struct {
	lambda bool // serve the functions through the Invoke API instead
	store  *store
	keys   *issuerKeys
	logger *slog.Logger
	admin  *admin.Admin // metrics and console; nil: none
}

// newGateway loads the template with the functions bound in-process.
func newGateway(o options) (*gateway.Gateway, error) {
	api, err := sam.Load(template, sam.Bindings{Bindings: openapi.Bindings{
		Functions: o.store.functions(),
		JWT:       func(_ string, cfg *authorizer.JWTConfig) { cfg.Keys = o.keys.public },
	}})
	if err != nil {
		return nil, err
	}
	opts := append(api.Options(), gateway.WithAccessLog(o.logger))
	return gateway.New(append(opts, o.admin.Gateway()...)...)
}

// lambdaServer serves the functions through Lambda's Invoke API and the
// demo user pool's keys at /.well-known/jwks.json.
func lambdaServer(o options) (http.Handler, error) {
	invoke, err := lambdainvoke.NewHandler(o.store.functions())
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/2015-03-31/functions/", invoke)
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(o.keys.public)
	})
	return mux, nil
}

// run serves the example on addr until ctx ends.
func run(ctx context.Context, addr string, o options, ready chan<- string) error {
	if o.store == nil {
		o.store = newStore()
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if o.keys == nil {
		k, err := newIssuer()
		if err != nil {
			return err
		}
		o.keys = k
	}
	if o.lambda {
		h, err := lambdaServer(o)
		if err != nil {
			return err
		}
		return serve.ListenAndServe(ctx, addr, h, ready)
	}
	gw, err := newGateway(o)
	if err != nil {
		return err
	}
	o.admin.Watch(gw)
	return o.admin.Run(ctx, func(ctx context.Context) error {
		return serve.ListenAndServe(ctx, addr, gw, ready, func(context.Context) error { return gw.Close() })
	})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to serve the API on")
	lambdaAddr := flag.String("lambda-addr", "", "serve the template's functions through Lambda's Invoke API on this address instead, for apigw serve -lambda-endpoint")
	adminAddr := flag.String("admin-addr", "", admin.Usage)
	flag.Parse()
	ctx, stop := serve.SignalContext()
	defer stop()
	adm, err := admin.New(ctx, *adminAddr, nil)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := newIssuer()
	if err != nil {
		log.Fatal(err)
	}
	token, err := keys.token("demo-user")
	if err != nil {
		log.Fatal(err)
	}
	o := options{keys: keys, lambda: *lambdaAddr != "", admin: adm}
	listen := *addr
	if o.lambda {
		listen = *lambdaAddr
	}
	ready := make(chan string, 1)
	go func() {
		at := <-ready
		if o.lambda {
			log.Printf("sam example: the functions' Invoke API on http://%s, the user pool's keys at http://%s/.well-known/jwks.json", at, at)
		} else {
			log.Printf("sam example: the pets API on http://%s/pets (x-api-key: %s)", at, demoKey)
		}
		fmt.Fprintf(os.Stderr, "a token of the demo user pool for POST /pets:\nTOKEN=%s\n", token)
	}()
	if err := run(ctx, listen, o, ready); err != nil {
		log.Fatal(err)
	}
}

// serveHandler serves h on addr until ctx ends (the tests' apigw serve).
func serveHandler(ctx context.Context, addr string, h http.Handler, ready chan<- string) error {
	return serve.ListenAndServe(ctx, addr, h, ready)
}
