package websocket_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/apigw/apigw/websocket"
	"github.com/aws/aws-lambda-go/events"
	ws "github.com/coder/websocket"
)

// A chat-like API: "whoami" answers the sender, anything else reaches
// $default.
func Example() {
	whoami := func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "you are on stage " + ev.RequestContext.Stage}, nil
	}
	help := func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: `try {"action":"whoami"}`}, nil
	}
	api, err := websocket.New(
		websocket.WithStage("prod", nil),
		websocket.Route("whoami", websocket.RouteSpec{Integration: websocket.Lambda(whoami), TwoWay: true}),
		websocket.Route("$default", websocket.RouteSpec{Integration: websocket.Lambda(help), TwoWay: true}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer api.Close()

	ctx := context.Background()
	c, _, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseNow()
	for _, msg := range []string{`{"action":"whoami"}`, `hello`} {
		_ = c.Write(ctx, ws.MessageText, []byte(msg))
		_, answer, _ := c.Read(ctx)
		fmt.Println(string(answer))
	}
	// Output:
	// you are on stage prod
	// try {"action":"whoami"}
}

// Mistakes are reported when the API is built, each naming its field.
func ExampleNew_errors() {
	_, err := websocket.New(
		websocket.WithRouteSelection("$request.header.action"),
		websocket.Route("$connect", websocket.RouteSpec{Integration: websocket.Lambda(nil), Authorizer: "users"}),
	)
	fmt.Println(err)
	// Output:
	// websocket: WithRouteSelection("$request.header.action"): variable "$request.header.action": only $request.body.<property> may select a WebSocket route
	// websocket: Route("$connect").Integration: Lambda: nil function
	// websocket: Route: the API needs a $default route or at least one custom route
}
