package websocket

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/usageplan"
	"github.com/aws/aws-lambda-go/events"
)

// allowIf is a REQUEST authorizer that allows token "good", denies "deny"
// and refuses anything else with 401.
func allowIf(t *testing.T) authorizer.Authorizer {
	t.Helper()
	return authorizer.MustNewRequest(authorizer.RequestConfig{
		IdentitySources: []string{"$request.querystring.token"},
		TTL:             authorizer.NoCache,
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			effect := "Allow"
			switch req.QueryStringParameters["token"] {
			case "good":
			case "deny":
				effect = "Deny"
			default:
				return events.APIGatewayCustomAuthorizerResponse{}, authorizer.ErrUnauthorized
			}
			return events.APIGatewayCustomAuthorizerResponse{
				PrincipalID: "user-1",
				PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
					{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{"*"}},
				}},
				Context: map[string]any{"tier": "gold"},
			}, nil
		},
	})
}

func TestConnectRefusals(t *testing.T) {
	plans := usageplan.MustNew(usageplan.Config{})
	if err := plans.AddPlan(usageplan.Plan{ID: "p", Stages: []usageplan.APIStage{{APIID: "chat", Stage: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := plans.AddKey(usageplan.APIKey{ID: "k", Value: "key-value-000000000001"}, "p"); err != nil {
		t.Fatal(err)
	}
	log := newEventLog()
	connectFn := func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		if ev.QueryStringParameters["room"] == "closed" {
			return events.APIGatewayProxyResponse{StatusCode: 403, Body: "room closed"}, nil
		}
		if ev.QueryStringParameters["room"] == "fail" {
			return events.APIGatewayProxyResponse{}, errors.New("database down")
		}
		return log.fn("")(ctx, ev)
	}
	s := startAPI(t, WithAPIID("chat"), WithStage("prod", nil),
		WithAuthorizer("tok", allowIf(t)), WithUsagePlans(plans),
		Route("$connect", RouteSpec{Integration: Lambda(connectFn), Authorizer: "tok", APIKeyRequired: true}),
		Route("$default", RouteSpec{Integration: Lambda(log.fn("")), TwoWay: true}),
	)
	key := http.Header{"X-Api-Key": {"key-value-000000000001"}}
	tests := []struct {
		name   string
		path   string
		header http.Header
		status int
	}{
		{"no token", "/", key, 401},
		{"bad token", "/?token=bad", key, 401},
		{"denied", "/?token=deny", key, 403},
		{"no API key", "/?token=good", nil, 403},
		{"wrong API key", "/?token=good", http.Header{"X-Api-Key": {"nope-nope-nope-nope-nope"}}, 403},
		{"integration refuses", "/?token=good&room=closed", key, 403},
		{"integration fails", "/?token=good&room=fail", key, 502},
		{"admitted", "/?token=good", key, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := dialErr(s, tt.path, tt.header)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				defer c.CloseNow()
				ev := log.next(t, "$connect")
				auth, _ := ev.RequestContext.Authorizer.(map[string]any)
				if auth["principalId"] != "user-1" || auth["tier"] != "gold" || ev.RequestContext.Identity.APIKey != "key-value-000000000001" {
					t.Errorf("authorizer %v identity %+v", ev.RequestContext.Authorizer, ev.RequestContext.Identity)
				}
				write(t, c, "hi")
				read(t, c)
				ev = log.next(t, "$default")
				if auth, _ := ev.RequestContext.Authorizer.(map[string]any); auth["principalId"] != "user-1" {
					t.Errorf("message authorizer %v", ev.RequestContext.Authorizer)
				}
				if n := s.api.Len(); n != 1 {
					t.Errorf("%d connections held, want 1", n)
				}
				return
			}
			var de *dialError
			if !errors.As(err, &de) || de.status != tt.status {
				t.Fatalf("dial: %v, want status %d", err, tt.status)
			}
		})
	}
}

// TestConnectAnswerBody checks the refusal bodies reach the client.
func TestConnectAnswerBody(t *testing.T) {
	s := startAPI(t, WithAuthorizer("tok", allowIf(t)),
		Route("$connect", RouteSpec{Authorizer: "tok", Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("room") == "closed" {
				http.Error(w, "room closed", http.StatusForbidden)
			}
		}))}),
		Route("$default", RouteSpec{Integration: echo()}))
	for _, tt := range []struct{ query, body, errType string }{
		{"", `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{"?token=deny", `{"message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException"},
		{"?token=good&room=closed", "room closed\n", ""},
	} {
		req, _ := http.NewRequest("GET", s.srv.URL+"/"+tt.query, nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != tt.body || resp.Header.Get("X-Amzn-Errortype") != tt.errType || resp.Header.Get("X-Amzn-Requestid") == "" {
			t.Errorf("%s: %d %q %v", tt.query, resp.StatusCode, b, resp.Header)
		}
	}
	// A plain GET is no upgrade.
	resp, err := http.Get(s.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired || !strings.Contains(string(b), "Upgrade Required") {
		t.Errorf("plain GET: %d %s", resp.StatusCode, b)
	}
	if n := s.api.Len(); n != 0 {
		t.Errorf("%d connections held after refusals", n)
	}
}

func TestSubprotocolFromConnect(t *testing.T) {
	s := startAPI(t,
		Route("$connect", RouteSpec{Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Sec-WebSocket-Protocol", "chat.v1")
		}))}),
		Route("$default", RouteSpec{Integration: echo()}))
	ctx := context.Background()
	c, _, err := dialProto(ctx, s.url, "chat.v1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if c.Subprotocol() != "chat.v1" {
		t.Errorf("subprotocol %q", c.Subprotocol())
	}
}
