package websocket

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apigw/apigw/authorizer"
	"github.com/aws/aws-lambda-go/events"
)

// tokenAuthz allows any token "user-*" as that principal, cached by the
// query string token (AWS's default TTL), with a context entry.
func tokenAuthz() authorizer.Authorizer {
	return authorizer.MustNewRequest(authorizer.RequestConfig{
		IdentitySources: []string{"$request.querystring.token"},
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			tok := req.QueryStringParameters["token"]
			if len(tok) < 6 || tok[:5] != "user-" {
				return events.APIGatewayCustomAuthorizerResponse{}, authorizer.ErrUnauthorized
			}
			return events.APIGatewayCustomAuthorizerResponse{
				PrincipalID: tok,
				PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
					{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"*"}},
				}},
				Context: map[string]any{"role": "user"},
			}, nil
		},
	})
}

// Holds: each connection's messages carry its own $connect principal, and
// an integration that writes into one connection's requestContext.authorizer
// (here: a "role" taken from the message) does not reach another
// connection that the cached authorizer answered with the same result.
func TestAtkWSAuthorizerContextPerConnection(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // connection id -> principal,role
	s := startAPI(t, WithAuthorizer("tok", tokenAuthz()),
		Route("$connect", RouteSpec{Authorizer: "tok", Integration: Lambda(countingFn(new(atomic.Int64)))}),
		Route("$default", RouteSpec{TwoWay: true, Integration: Lambda(func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			m, _ := ev.RequestContext.Authorizer.(map[string]any)
			got := fmt.Sprint(m["principalId"], ",", m["role"])
			mu.Lock()
			seen[ev.RequestContext.ConnectionID] = got
			mu.Unlock()
			if ev.Body == "escalate" && m != nil {
				m["role"] = "admin" // an integration writing into the event
			}
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: got}, nil
		})}),
	)
	if _, err := dialErr(s, "/?token=nope", nil); err == nil {
		t.Fatal("bad token connected")
	}
	a := dial(t, s, "/?token=user-a", nil)
	write(t, a, "escalate")
	if got := read(t, a); got != "user-a,user" {
		t.Errorf("a: %q", got)
	}
	// Same token again: the cached answer.
	a2 := dial(t, s, "/?token=user-a", nil)
	b := dial(t, s, "/?token=user-b", nil)
	write(t, a2, "hi")
	if got := read(t, a2); got != "user-a,user" {
		t.Errorf("second connection with a's token sees %q: another connection's write leaked through the authorizer cache", got)
	}
	write(t, b, "hi")
	if got := read(t, b); got != "user-b,user" {
		t.Errorf("b: %q", got)
	}
	// Duplicate identity values: whatever the authorizer chose, the
	// principal must be one of the sent tokens, never a third one.
	c := dial(t, s, "/?token=user-c&token=user-d", nil)
	write(t, c, "hi")
	if got := read(t, c); got != "user-c,user" && got != "user-d,user" {
		t.Errorf("duplicate token: %q", got)
	}
}
