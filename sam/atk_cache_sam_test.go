package sam_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
	"github.com/aws/aws-lambda-go/events"
)

// TestAtkCacheSAMPerMethodCacheControlAuth: AWS's
// RequireAuthorizationForCacheControl is a method setting: a stage whose
// "/*/*" default requires authorization and whose /public GET does not lets
// anybody refresh /public only. The loader collapses the per-method
// settings into one stage-wide cache.Config.AnyoneMayInvalidate, the last
// one read winning, so an anonymous Cache-Control: max-age=0 refreshes
// /secret too (FAILS while the finding stands).
func TestAtkCacheSAMPerMethodCacheControlAuth(t *testing.T) {
	var calls atomic.Int32
	fn := func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: fmt.Sprintf("%s call %d", req.Resource, calls.Add(1))}, nil
	}
	tmpl := []byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      CacheClusterEnabled: true
      CacheClusterSize: '0.5'
      MethodSettings:
        - ResourcePath: /*
          HttpMethod: '*'
          CachingEnabled: true
          CacheTtlInSeconds: 300
          RequireAuthorizationForCacheControl: true
          UnauthorizedCacheControlHeaderStrategy: SUCCEED_WITH_RESPONSE_HEADER
        - ResourcePath: /public
          HttpMethod: GET
          CachingEnabled: true
          CacheTtlInSeconds: 300
          RequireAuthorizationForCacheControl: false
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Secret: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /secret, Method: get}}
        Public: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /public, Method: get}}
`)
	api, err := sam.Load(tmpl, sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"Fn": fn}}})
	if err != nil {
		t.Fatal(err)
	}
	if api.Cache == nil {
		t.Fatal("no cache")
	}
	t.Logf("cache config: AnyoneMayInvalidate=%v strategy=%q", api.Cache.AnyoneMayInvalidate, api.Cache.UnauthorizedStrategy)
	gw, err := newGateway(api)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	get := func(path string, hdr ...string) string {
		req := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Add(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		gw.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	first := get("/secret")
	if again := get("/secret"); again != first {
		t.Fatalf("/secret not cached: %q then %q", first, again)
	}
	if got := get("/secret", "Cache-Control", "max-age=0"); got != first {
		t.Errorf("an anonymous caller refreshed /secret, whose method setting requires authorization for Cache-Control: got %q, want the cached %q", got, first)
	}
	// /public allows anybody, as its own method setting says.
	p := get("/public")
	if got := get("/public", "Cache-Control", "max-age=0"); got == p {
		t.Logf("note: /public (RequireAuthorizationForCacheControl false) was not refreshed either: %q", got)
	}
}

// TestAtkCacheSAMStringRequireAuthorization: CloudFormation reads
// RequireAuthorizationForCacheControl: "true" (a quoted YAML scalar, or a
// !Ref to a String parameter) as true. The loader's x.(bool) reads any
// non-bool as false, without a problem, and so lets anybody invalidate
// the cache: the template asked for the opposite. FAILS while the finding
// stands.
func TestAtkCacheSAMStringRequireAuthorization(t *testing.T) {
	fn := func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok"}, nil
	}
	tmpl := []byte(`
Transform: AWS::Serverless-2016-10-31
Parameters:
  RequireAuth: {Type: String, Default: "true"}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      CacheClusterEnabled: true
      CacheClusterSize: '0.5'
      MethodSettings:
        - ResourcePath: /*
          HttpMethod: '*'
          CachingEnabled: true
          RequireAuthorizationForCacheControl: !Ref RequireAuth
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Secret: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /secret, Method: get}}
`)
	for _, variant := range []string{"!Ref RequireAuth", "'true'"} {
		src := []byte(strings.Replace(string(tmpl), "!Ref RequireAuth", variant, 1))
		api, err := sam.Load(src, sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"Fn": fn}}})
		if err != nil {
			t.Logf("%s: refused at load (holds): %v", variant, err)
			continue
		}
		if api.Cache == nil {
			t.Fatal("no cache")
		}
		if api.Cache.AnyoneMayInvalidate {
			t.Errorf("RequireAuthorizationForCacheControl: %s loaded as AnyoneMayInvalidate=true", variant)
		}
	}
}
