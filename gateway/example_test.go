package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/stage"
	"github.com/aws/aws-lambda-go/events"
)

func Example() {
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		fmt.Fprintf(w, `{"id":%q,"stage":%q}`, c.PathParameters["id"], c.Stage)
	})
	gw, err := gateway.New(
		gateway.WithStage(stage.Stage{Name: "prod"}),
		gateway.Route("GET /artists/{id}", gateway.Method{Integration: gateway.Handler(backend)}),
	)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	for _, path := range []string{"/artists/1234", "/albums/1"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	// Output:
	// 200 {"id":"1234","stage":"prod"}
	// 403 {"message":"Missing Authentication Token"}
}

// A handler written for AWS Lambda runs unchanged behind a Lambda proxy
// integration.
func ExampleLambda() {
	hello := func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "hello " + req.QueryStringParameters["name"]}, nil
	}
	gw, err := gateway.New(gateway.Route("GET /hello", gateway.Method{Integration: gateway.Lambda(hello)}))
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, httptest.NewRequest("GET", "/hello?name=ada", nil))
	fmt.Println(rec.Code, rec.Body)
	// Output: 200 hello ada
}

// Every mistake in a definition is reported by New, each naming its route.
func ExampleNew_errors() {
	_, err := gateway.New(
		gateway.Route("GET /a/{id}", gateway.Method{}),
		gateway.Route("POST /b", gateway.Method{Integration: gateway.HTTP("not a url")}),
	)
	fmt.Println(err)
	// Output:
	// gateway: route "GET /a/{id}": Integration: missing
	// gateway: route "POST /b": Integration: HTTP "not a url": not an absolute http or https URL
}
