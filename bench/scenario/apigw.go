package scenario

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

// The API stage the usage plan covers.
const (
	apiID     = "bench"
	stageName = "prod"
)

func built(gw *gateway.Gateway, err error) (http.Handler, func(), error) {
	if err != nil {
		return nil, nil, err
	}
	return gw, func() { _ = gw.Close() }, nil
}

// apigwProxy is one route with a path parameter and an in-process
// integration: the gateway's fixed cost.
func apigwProxy() (http.Handler, func(), error) {
	return built(gateway.New(
		gateway.Route("GET /artists/{id}", gateway.Method{Integration: gateway.Handler(Backend)}),
	))
}

// apigwFull is every phase a typical public API turns on: CORS, a JWT
// authorizer on a static RS256 key set, an API key in a usage plan (whose
// throttle never rejects, with the account throttle off), the body
// validated against a model, and the backend's answer reshaped by a
// response template. tokenCache is JWTConfig.TokenCacheSize (0: the
// default cache; -1: off). extra are more gateway options (an observer).
func apigwFull(env Env, tokenCache int, extra ...gateway.Option) (http.Handler, func(), error) {
	plans, err := usageplan.New(usageplan.Config{AccountThrottle: &usageplan.Throttle{Rate: usageplan.Unlimited}})
	if err != nil {
		return nil, nil, err
	}
	if err := plans.AddPlan(usageplan.Plan{
		ID:       "bench",
		Throttle: &usageplan.Throttle{Rate: 1e9, Burst: 1e9},
		Stages:   []usageplan.APIStage{{APIID: apiID, Stage: stageName}},
	}); err != nil {
		return nil, nil, err
	}
	if _, err := plans.AddKey(usageplan.APIKey{ID: "bench-client", Value: APIKey}, "bench"); err != nil {
		return nil, nil, err
	}
	users, err := authorizer.NewJWT(authorizer.JWTConfig{
		Issuer: Issuer, Keys: env.Keys, Algorithms: []string{"RS256"}, TokenCacheSize: tokenCache,
	})
	if err != nil {
		return nil, nil, err
	}
	return built(gateway.New(append([]gateway.Option{
		gateway.WithAPIID(apiID),
		gateway.WithStage(stage.Stage{Name: stageName}),
		gateway.WithCORS(cors.Config{
			AllowOrigins: []string{Origin},
			AllowMethods: []string{"GET", "POST"},
			AllowHeaders: []string{"Authorization", "Content-Type", "X-Api-Key"},
		}),
		gateway.WithAuthorizer("users", users),
		gateway.WithUsagePlans(plans),
		gateway.WithModel("ArtistUpdate", UpdateSchema),
		gateway.Route("POST /artists/{id}", gateway.Method{
			Authorizer:     "users",
			APIKeyRequired: true,
			RequestModels:  map[string]string{"application/json": "ArtistUpdate"},
			Integration:    gateway.Handler(Backend),
			Response:       mapping.MustCompile(`{"name": input.json.artist, "popularity": input.json.popularity}`),
		}),
	}, extra...)...))
}

// apigwCache serves every request but the first from the stage cache.
func apigwCache() (http.Handler, func(), error) {
	return built(gateway.New(
		gateway.WithCache(cache.Config{TTL: time.Hour, XCache: true}),
		gateway.Route("GET /artists/{id}", gateway.Method{
			Integration: gateway.Handler(Backend),
			Cache:       &gateway.CacheSettings{KeyParameters: []string{"method.request.path.id"}},
		}),
	))
}

// apigwHTTP forwards to the backend process through the HTTP proxy
// integration, on the gateway's default transport.
func apigwHTTP(env Env) (http.Handler, func(), error) {
	u, err := backendURL(env)
	if err != nil {
		return nil, nil, err
	}
	return built(gateway.New(
		gateway.Route("GET /artists/{id}", gateway.Method{Integration: gateway.HTTP(u.String() + "/artists/{id}")}),
	))
}

// apigwHTTPAPI is apigwProxy as an HTTP API (WithHTTPAPI): the profile must
// cost nothing on the proxy path.
func apigwHTTPAPI() (http.Handler, func(), error) {
	return built(gateway.New(
		gateway.WithHTTPAPI(),
		gateway.Route("GET /artists/{id}", gateway.Method{Integration: gateway.Handler(Backend)}),
	))
}

// lambdaHeaders are the headers of the Lambda functions' answers.
func lambdaHeaders() map[string]string { return map[string]string{"Content-Type": "application/json"} }

// artistV1 is a trivial aws-lambda-go handler behind a Lambda proxy
// integration (payload format 1.0): it answers the artist of the path
// parameter id, and 404 for any other.
func artistV1(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if ev.PathParameters["id"] != "1234" {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusNotFound}, nil
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Headers: lambdaHeaders(), Body: ArtistJSON}, nil
}

// artistV2 is artistV1 for payload format 2.0.
func artistV2(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if ev.PathParameters["id"] != "1234" {
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNotFound}, nil
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Headers: lambdaHeaders(), Body: ArtistJSON}, nil
}

// apigwLambda is one route to a Lambda function: a REST API with payload
// format 1.0, or (v2) an HTTP API with payload format 2.0, as each is
// deployed on AWS.
func apigwLambda(v2 bool) (http.Handler, func(), error) {
	if v2 {
		return built(gateway.New(
			gateway.WithHTTPAPI(),
			gateway.Route("GET /artists/{id}", gateway.Method{Integration: gateway.LambdaV2(artistV2)}),
		))
	}
	return built(gateway.New(
		gateway.Route("GET /artists/{id}", gateway.Method{Integration: gateway.Lambda(artistV1)}),
	))
}

// apigwKrakenDJob does KrakenD's job (the krakend scenario): a JWT
// authorizer on the static RS256 key set with its verified-token cache off,
// so that the signature is verified on every request as krakend-jose does,
// a stage throttle (limit, burst) and an HTTP integration to the backend.
func apigwKrakenDJob(env Env, limit float64, burst int) (http.Handler, func(), error) {
	u, err := backendURL(env)
	if err != nil {
		return nil, nil, err
	}
	users, err := authorizer.NewJWT(authorizer.JWTConfig{
		Issuer: Issuer, Keys: env.Keys, Algorithms: []string{"RS256"}, TokenCacheSize: -1,
	})
	if err != nil {
		return nil, nil, err
	}
	return built(gateway.New(
		gateway.WithAPIID(apiID),
		gateway.WithStage(stage.Stage{Name: stageName, Settings: stage.MethodSettings{
			ThrottlingRateLimit: limit, ThrottlingBurstLimit: burst,
		}}),
		gateway.WithAuthorizer("users", users),
		gateway.Route("GET /artists/{id}", gateway.Method{
			Authorizer:  "users",
			Integration: gateway.HTTP(u.String() + "/artists/{id}"),
		}),
	))
}
