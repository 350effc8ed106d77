package lambdainvoke_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/lambdainvoke"
	"github.com/aws/aws-lambda-go/events"
)

// TestThroughTheGateway runs remote functions behind gateway.Lambda and
// gateway.LambdaV2: proxy events out, proxy responses back, and a function
// error as AWS's 502.
func TestThroughTheGateway(t *testing.T) {
	srv, _ := newFakeLambda(t, map[string]any{
		"v1": func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: ev.HTTPMethod + " " + ev.Resource + " " + ev.PathParameters["id"]}, nil
		},
		"v2": func(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{StatusCode: 201, Body: ev.RouteKey}, nil
		},
		"broken": func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{}, io.ErrUnexpectedEOF
		},
	})
	c, err := lambdainvoke.New(lambdainvoke.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(
		gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Lambda(c.Function("v1", ""))}),
		gateway.Route("POST /pets", gateway.Method{Integration: gateway.LambdaV2(c.Function("v2", ""))}),
		gateway.Route("GET /broken", gateway.Method{Integration: gateway.Lambda(c.Function("broken", ""))}),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/pets/7", 200, "GET /pets/{id} 7"},
		{"POST", "/pets", 201, "POST /pets"},
		{"GET", "/broken", 502, `{"message":"Internal server error"}`},
	} {
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, strings.NewReader("{}")))
		if w.Code != tc.status || strings.TrimSpace(w.Body.String()) != tc.body {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, w.Code, w.Body, tc.status, tc.body)
		}
	}
}
