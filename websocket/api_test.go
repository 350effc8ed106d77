package websocket

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/testkit"
	"github.com/aws/aws-lambda-go/events"
	ws "github.com/coder/websocket"
)

func echo() Integration {
	return Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, r.ContentLength)
		_, _ = r.Body.Read(b)
		_, _ = w.Write(b)
	}))
}

func TestNewErrors(t *testing.T) {
	ok := RouteSpec{Integration: echo()}
	tests := []struct {
		name string
		opts []Option
		want []string
	}{
		{"no routes", nil, []string{"needs a $default route or at least one custom route"}},
		{"only connect", []Option{Route("$connect", ok)}, []string{"needs a $default route"}},
		{"bad selection", []Option{WithRouteSelection("action"), Route("$default", ok)},
			[]string{`WithRouteSelection("action")`, "names no $request.body"}},
		{"selection on header", []Option{WithRouteSelection("$request.header.x"), Route("$default", ok)},
			[]string{`variable "$request.header.x"`}},
		{"unclosed brace", []Option{WithRouteSelection("${request.body.a"), Route("$default", ok)},
			[]string{"without a closing"}},
		{"empty property", []Option{WithRouteSelection("$request.body.a..b"), Route("$default", ok)},
			[]string{"empty property name"}},
		{"unknown authorizer", []Option{Route("$connect", RouteSpec{Integration: echo(), Authorizer: "users"}), Route("$default", ok)},
			[]string{`Route("$connect").Authorizer "users": no WithAuthorizer of that name`}},
		{"authorizer off $connect", []Option{Route("$default", RouteSpec{Integration: echo(), Authorizer: "users"})},
			[]string{`Route("$default").Authorizer: only $connect`}},
		{"api key without plans", []Option{Route("$connect", RouteSpec{Integration: echo(), APIKeyRequired: true}), Route("$default", ok)},
			[]string{`Route("$connect").APIKeyRequired: needs WithUsagePlans`}},
		{"no integration", []Option{Route("send", RouteSpec{})}, []string{`Route("send").Integration: required`}},
		{"bad lambda", []Option{Route("send", RouteSpec{Integration: Lambda(func(a, b int) {})})},
			[]string{`Route("send").Integration: Lambda:`, "context.Context first"}},
		{"not a function", []Option{Route("send", RouteSpec{Integration: Lambda(42)})}, []string{"is not a function"}},
		{"nil handler", []Option{Route("send", RouteSpec{Integration: Handler(nil)})}, []string{"nil http.Handler"}},
		{"reserved key", []Option{Route("$foo", ok)}, []string{`Route("$foo"): keys starting with $ are reserved`}},
		{"duplicate", []Option{Route("a", ok), Route("a", ok)}, []string{`Route("a"): defined twice`}},
		{"two-way disconnect", []Option{Route("$disconnect", RouteSpec{Integration: echo(), TwoWay: true}), Route("a", ok)},
			[]string{`Route("$disconnect").TwoWay`}},
		{"negative limit", []Option{Route("a", ok), WithLimits(Limits{IdleTimeout: -1})}, []string{"WithLimits: IdleTimeout -1: negative"}},
		{"nil authorizer", []Option{WithAuthorizer("users", nil),
			Route("$connect", RouteSpec{Integration: echo(), Authorizer: "users"}), Route("a", ok)},
			[]string{`WithAuthorizer("users"): nil authorizer`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, err := New(tt.opts...)
			if err == nil {
				_ = api.Close()
				t.Fatal("New: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestRoutingAndEvents(t *testing.T) {
	testkit.NoLeaks(t)
	log := newEventLog()
	s := startAPI(t,
		WithAPIID("chatapi"), WithStage("prod", map[string]string{"v": "1"}),
		Route("$connect", RouteSpec{Integration: Lambda(log.fn("ignored"))}),
		Route("$disconnect", RouteSpec{Integration: Lambda(log.fn(""))}),
		Route("$default", RouteSpec{Integration: Lambda(log.fn("default answer")), TwoWay: true}),
		Route("echo", RouteSpec{Integration: Lambda(log.fn("")), TwoWay: true}),
		Route("oneway", RouteSpec{Integration: Lambda(log.fn("never sent"))}),
	)
	c := dial(t, s, "/?name=alice&name=bob", http.Header{"X-Test": {"yes"}, "User-Agent": {"tester/1"}})
	conn := log.next(t, "$connect")
	rc := conn.RequestContext
	if rc.EventType != "CONNECT" || rc.ConnectionID == "" || rc.Stage != "prod" || rc.APIID != "chatapi" ||
		rc.ConnectedAt == 0 || rc.RequestTimeEpoch == 0 || rc.DomainName != "127.0.0.1" || rc.RequestID == "" ||
		rc.Identity.SourceIP != "127.0.0.1" || rc.Identity.UserAgent != "tester/1" || rc.MessageDirection != "IN" {
		t.Errorf("connect context = %+v", rc)
	}
	if conn.Headers["X-Test"] != "yes" || conn.QueryStringParameters["name"] != "bob" ||
		strings.Join(conn.MultiValueQueryStringParameters["name"], ",") != "alice,bob" || conn.StageVariables["v"] != "1" {
		t.Errorf("connect headers %v query %v stage variables %v", conn.Headers, conn.MultiValueQueryStringParameters, conn.StageVariables)
	}
	id := rc.ConnectionID

	tests := []struct {
		name, send, route, want string
	}{
		{"custom route, two-way", `{"action":"echo","x":1}`, "echo", `{"action":"echo","x":1}`},
		{"no match goes to $default", `{"action":"nope"}`, "$default", "default answer"},
		{"not JSON goes to $default", `hello`, "$default", "default answer"},
		{"action not a string", `{"action":{"a":1}}`, "$default", "default answer"},
		{"escaped key", `{"act\u0069on":"ec\u0068o"}`, "echo", `{"act\u0069on":"ec\u0068o"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(t, c, tt.send)
			if got := read(t, c); got != tt.want {
				t.Errorf("answer %q, want %q", got, tt.want)
			}
			ev := log.next(t, tt.route)
			rc := ev.RequestContext
			if ev.Body != tt.send || rc.EventType != "MESSAGE" || rc.ConnectionID != id || rc.MessageID == nil ||
				rc.MessageID == "" || rc.ConnectedAt != conn.RequestContext.ConnectedAt || rc.Stage != "prod" {
				t.Errorf("event %+v", ev)
			}
		})
	}
	t.Run("one-way route answers nothing", func(t *testing.T) {
		write(t, c, `{"action":"oneway"}`)
		log.next(t, "oneway")
		write(t, c, `{"action":"echo"}`)
		if got := read(t, c); got != `{"action":"echo"}` {
			t.Errorf("next answer %q: the one-way route answered", got)
		}
		log.next(t, "echo")
	})
	write(t, c, "bye")
	read(t, c)
	if err := c.Close(1000, "done"); err != nil {
		t.Fatal(err)
	}
	dis := log.next(t, "$disconnect")
	if dis.RequestContext.EventType != "DISCONNECT" || dis.RequestContext.DisconnectStatusCode != 1000 ||
		dis.RequestContext.DisconnectReason == nil || *dis.RequestContext.DisconnectReason != "done" ||
		dis.RequestContext.ConnectionID != id || dis.Headers["X-Test"] != "yes" {
		t.Errorf("disconnect %+v", dis.RequestContext)
	}
	testkit.WaitFor(t, "the connection to go", func() bool { return s.api.Len() == 0 })
}

func TestNoDefaultRouteForbidden(t *testing.T) {
	s := startAPI(t, Route("echo", RouteSpec{Integration: echo(), TwoWay: true}))
	c := dial(t, s, "/", nil)
	write(t, c, `{"action":"other"}`)
	m := jsonMap(t, read(t, c))
	if m["message"] != "Forbidden" || m["connectionId"] != s.api.ConnectionIDs()[0] || m["requestId"] == "" {
		t.Errorf("frame %v", m)
	}
	write(t, c, `{"action":"echo"}`)
	if got := read(t, c); got != `{"action":"echo"}` {
		t.Errorf("after the error: %q", got)
	}
}

// A Handler integration may hand its request on: the body, read after the
// integration returned, is still its own message, not that of a later
// message (another client's) read into the same reused buffer.
func TestHandlerBodyOutlivesTheMessage(t *testing.T) {
	kept := make(chan io.Reader, 1)
	keep := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kept <- r.Body
		_, _ = w.Write([]byte("kept"))
	}))
	s := startAPI(t, Route("keep", RouteSpec{Integration: keep, TwoWay: true}), Route("echo", RouteSpec{Integration: echo(), TwoWay: true}))
	alice, bob := dial(t, s, "/", nil), dial(t, s, "/", nil)
	mine := `{"action":"keep","secret":"alice"}`
	write(t, alice, mine)
	read(t, alice)
	body := <-kept
	for range 20 {
		for _, c := range []*ws.Conn{alice, bob} {
			write(t, c, `{"action":"echo","secret":"bob00"}`) // as long as alice's
			read(t, c)
		}
	}
	if got, err := io.ReadAll(body); err != nil || string(got) != mine {
		t.Errorf("the kept body reads %q, %v; want %q", got, err, mine)
	}
}

func TestIntegrationFailures(t *testing.T) {
	s := startAPI(t,
		Route("boom", RouteSpec{Integration: Lambda(func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{}, errors.New("boom")
		})}),
		Route("panic", RouteSpec{Integration: Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("oops") }))}),
		Route("echo", RouteSpec{Integration: echo(), TwoWay: true}),
	)
	c := dial(t, s, "/", nil)
	for _, action := range []string{"boom", "panic"} {
		write(t, c, `{"action":"`+action+`"}`)
		if m := jsonMap(t, read(t, c)); m["message"] != "Internal server error" || m["requestId"] == "" {
			t.Errorf("%s: frame %v", action, m)
		}
	}
	write(t, c, `{"action":"echo"}`)
	if got := read(t, c); got != `{"action":"echo"}` {
		t.Errorf("after failures: %q", got)
	}
}

// TestLambdaSignatures runs functions of other signatures through the
// JSON round trip.
func TestLambdaSignatures(t *testing.T) {
	type myEvent struct {
		Body           string `json:"body"`
		RequestContext struct {
			RouteKey     string `json:"routeKey"`
			ConnectionID string `json:"connectionId"`
		} `json:"requestContext"`
	}
	s := startAPI(t,
		Route("str", RouteSpec{TwoWay: true, Integration: Lambda(func(ev myEvent) (string, error) {
			return "route " + ev.RequestContext.RouteKey, nil
		})}),
		Route("obj", RouteSpec{TwoWay: true, Integration: Lambda(func(ctx context.Context, ev map[string]any) (map[string]any, error) {
			return map[string]any{"ok": FromContext(ctx).RouteKey}, nil
		})}),
		Route("proxy", RouteSpec{TwoWay: true, Integration: Lambda(func(ctx context.Context, ev myEvent) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: "aGk=", IsBase64Encoded: true}, nil
		})}),
	)
	c := dial(t, s, "/", nil)
	for _, tt := range []struct{ action, want string }{
		{"str", "route str"}, {"obj", `{"ok":"obj"}`}, {"proxy", "hi"},
	} {
		write(t, c, `{"action":"`+tt.action+`"}`)
		if got := read(t, c); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.action, got, tt.want)
		}
	}
}

// TestHandlerContext: an http.Handler integration reads the route's
// $context (routeKey, resourcePath, requestId, stage) from its request.
func TestHandlerContext(t *testing.T) {
	s := startAPI(t, WithStage("prod", nil),
		Route("whoami", RouteSpec{TwoWay: true, Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := apigw.FromContext(r.Context())
			key, _ := c.Var("routeKey")
			io.WriteString(w, key+" "+c.ResourcePath+" "+c.Stage+" "+strconv.FormatBool(c.RequestID != ""))
		}))}))
	c := dial(t, s, "/", nil)
	write(t, c, `{"action":"whoami"}`)
	if got, want := read(t, c), "whoami whoami prod true"; got != want {
		t.Errorf("the handler saw %q, want %q", got, want)
	}
}
