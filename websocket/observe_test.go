package websocket

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/apigw/apigw/internal/testkit"
)

// eventRecorder is an Observer that keeps each finished event.
type eventRecorder struct {
	mu   sync.Mutex
	done []Event
}

type obsCtxKey struct{}

func (o *eventRecorder) Event(ctx context.Context, e *Event) context.Context {
	return context.WithValue(ctx, obsCtxKey{}, e.Type)
}

func (o *eventRecorder) EventDone(ctx context.Context, e *Event) {
	if ctx.Value(obsCtxKey{}) != e.Type {
		panic("EventDone without Event's context")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done = append(o.done, *e)
}

func (o *eventRecorder) summary() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var s []string
	for _, e := range o.done {
		s = append(s, e.Type+" "+e.RouteKey+" "+e.Outcome.String())
	}
	return s
}

// TestObserver: the observer sees every $connect, message and $disconnect
// with AWS's outcome: a refused upgrade is a ClientError, a failing
// integration an ExecutionError, a 4xx/5xx answer an IntegrationError.
func TestObserver(t *testing.T) {
	o := &eventRecorder{}
	var seen []string
	var mu sync.Mutex
	note := func(ctx context.Context) {
		mu.Lock()
		defer mu.Unlock()
		v, _ := ctx.Value(obsCtxKey{}).(string)
		seen = append(seen, v)
	}
	s := startAPI(t, WithObserver(o), WithAuthorizer("a", allowIf(t)),
		Route("$connect", RouteSpec{Authorizer: "a", Integration: Lambda(func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			note(ctx)
			if ev.QueryStringParameters["room"] == "closed" {
				return events.APIGatewayProxyResponse{StatusCode: 403}, nil
			}
			return events.APIGatewayProxyResponse{StatusCode: 200}, nil
		})}),
		Route("$disconnect", RouteSpec{Integration: Lambda(func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			note(ctx)
			return events.APIGatewayProxyResponse{StatusCode: 200}, nil
		})}),
		Route("fail", RouteSpec{Integration: Lambda(func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			note(ctx)
			return events.APIGatewayProxyResponse{}, errors.New("boom")
		})}),
		Route("echo", RouteSpec{TwoWay: true, Integration: Lambda(func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			note(ctx)
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: "echo"}, nil
		})}),
	)
	if _, err := dialErr(s, "/?token=bad", nil); err == nil {
		t.Fatal("connected with a bad token")
	}
	if _, err := dialErr(s, "/?token=good&room=closed", nil); err == nil {
		t.Fatal("connected to a closed room")
	}
	c := dial(t, s, "/?token=good", nil)
	write(t, c, `{"action":"echo"}`)
	if got := read(t, c); got != "echo" {
		t.Fatalf("echo: %q", got)
	}
	write(t, c, `{"action":"nothing"}`) // no route, no $default: Forbidden
	if got := read(t, c); !jsonHas(got, "Forbidden") {
		t.Fatalf("no route: %q", got)
	}
	write(t, c, `{"action":"fail"}`)
	if got := read(t, c); !jsonHas(got, "Internal server error") {
		t.Fatalf("fail: %q", got)
	}
	_ = c.CloseNow()
	testkit.WaitFor(t, "$disconnect observed", func() bool { return len(o.summary()) == 7 })
	want := []string{
		"CONNECT $connect ClientError",
		"CONNECT $connect IntegrationError",
		"CONNECT $connect OK",
		"MESSAGE echo OK",
		"MESSAGE  ClientError",
		"MESSAGE fail ExecutionError",
		"DISCONNECT $disconnect OK",
	}
	if got := o.summary(); !slices.Equal(got, want) {
		t.Errorf("events\n%q\nwant\n%q", got, want)
	}
	o.mu.Lock()
	ok := o.done[2]
	o.mu.Unlock()
	if ok.ConnectionID == "" || ok.APIID != "websocket" || ok.Stage != "$default" || ok.Status != 200 || ok.Time.IsZero() {
		t.Errorf("connect event %+v", ok)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, []string{"CONNECT", "CONNECT", "MESSAGE", "MESSAGE", "DISCONNECT"}) {
		t.Errorf("integrations ran under the observer's contexts %v", seen)
	}
}

// jsonHas reports whether s is an error frame with message msg.
func jsonHas(s, msg string) bool {
	var m struct{ Message string }
	return json.Unmarshal([]byte(s), &m) == nil && m.Message == msg
}
