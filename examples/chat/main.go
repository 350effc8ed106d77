// Command chat is the chat application of AWS's WebSocket API tutorial,
// on package websocket: clients connect to / (optionally /?name=alice),
// and
//
//	{"action":"sendmessage","message":"hi"}  reaches every connected client as {"from":"alice","message":"hi"}
//	{"action":"whoami"}                      answers the sender {"connectionId":"...","name":"alice"}
//	anything else                            reaches $default, which answers a short help text
//
// The routes are Lambda-style functions, written as for AWS Lambda: they
// get events.APIGatewayWebsocketProxyRequest and answer
// events.APIGatewayProxyResponse; sendmessage posts to every connection
// through the @connections API, as the tutorial's function does.
//
//	go run ./examples/chat
//	websocat 'ws://127.0.0.1:8080/?name=alice'
//
// With -redis, several replicas share the connections: each records the
// connections it holds in Redis, the list of chat members is a Redis set,
// and a message posted on any replica reaches clients on every other:
//
//	go run ./examples/chat -redis 127.0.0.1:6379 -addr 127.0.0.1:8080 &
//	go run ./examples/chat -redis 127.0.0.1:6379 -addr 127.0.0.1:8081 &
//
// -redis also takes a Redis Cluster (several comma-separated node
// addresses, or one node's): the replicas then use sharded pub/sub.
// SIGTERM, as SIGINT, stops a replica gracefully: its clients get a close
// frame (1001 going away).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"sync"

	"github.com/apigw/apigw/examples/internal/redisflag"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/serve"
	"github.com/apigw/apigw/websocket"
	"github.com/apigw/apigw/websocket/redisbus"
	"github.com/aws/aws-lambda-go/events"
	"github.com/redis/go-redis/v9"
)

// defaultRedisPrefix starts every Redis key and channel of the example.
const defaultRedisPrefix = "apigw:examples:chat:"

// helpText is the $default route's answer.
const helpText = `Send {"action":"sendmessage","message":"..."} to talk to everyone, or {"action":"whoami"} to learn who you are.`

// members is the chat's list of connection ids: the tutorial's DynamoDB
// table. In memory for one replica, a Redis set for several.
type members interface {
	Add(ctx context.Context, id string) error
	Remove(ctx context.Context, id string) error
	All(ctx context.Context) ([]string, error)
}

type memMembers struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (m *memMembers) Add(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ids[id] = true
	return nil
}

func (m *memMembers) Remove(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.ids, id)
	return nil
}

func (m *memMembers) All(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.ids))
	for id := range m.ids {
		out = append(out, id)
	}
	return out, nil
}

type redisMembers struct {
	rdb redis.UniversalClient
	key string
}

func (m redisMembers) Add(ctx context.Context, id string) error {
	return m.rdb.SAdd(ctx, m.key, id).Err()
}

func (m redisMembers) Remove(ctx context.Context, id string) error {
	return m.rdb.SRem(ctx, m.key, id).Err()
}

func (m redisMembers) All(ctx context.Context) ([]string, error) {
	return m.rdb.SMembers(ctx, m.key).Result()
}

// chat holds the routes' state: the members, and the names of the
// connections this replica holds (a sender is always local).
type chat struct {
	members members
	logger  *slog.Logger
	mu      sync.Mutex
	names   map[string]string
}

func (ch *chat) name(id string) string {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if n := ch.names[id]; n != "" {
		return n
	}
	return "anonymous"
}

// onConnect is the $connect route.
func (ch *chat) onConnect(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	id := ev.RequestContext.ConnectionID
	name := ev.QueryStringParameters["name"]
	if len(name) > 64 {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusBadRequest, Body: "name too long"}, nil
	}
	if err := ch.members.Add(ctx, id); err != nil {
		return events.APIGatewayProxyResponse{}, err // 502: the client is refused
	}
	ch.mu.Lock()
	ch.names[id] = name
	ch.mu.Unlock()
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

// onDisconnect is the $disconnect route.
func (ch *chat) onDisconnect(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	id := ev.RequestContext.ConnectionID
	ch.mu.Lock()
	delete(ch.names, id)
	ch.mu.Unlock()
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, ch.members.Remove(ctx, id)
}

// onSend is the sendmessage route: post to every member, forgetting those
// that are gone.
func (ch *chat) onSend(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	var in struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(ev.Body), &in); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	out, _ := json.Marshal(map[string]string{"from": ch.name(ev.RequestContext.ConnectionID), "message": in.Message})
	api := websocket.FromContext(ctx).API
	ids, err := ch.members.All(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	for _, id := range ids {
		err := api.PostToConnection(ctx, id, out)
		switch {
		case errors.Is(err, websocket.ErrGone):
			_ = ch.members.Remove(ctx, id)
		case err != nil:
			ch.logger.Warn("chat: cannot post", "connectionId", id, "err", err)
		}
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

// onWhoami is the whoami route, two-way: its body goes back to the sender.
func (ch *chat) onWhoami(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	id := ev.RequestContext.ConnectionID
	b, _ := json.Marshal(map[string]string{"connectionId": id, "name": ch.name(id)})
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: string(b)}, nil
}

// onDefault is the $default route, two-way.
func onDefault(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: helpText}, nil
}

// newAPI builds the chat's WebSocket API.
func newAPI(ch *chat, bus websocket.Bus, replica string, extra ...websocket.Option) (*websocket.API, error) {
	opts := []websocket.Option{
		websocket.WithAPIID("chat"), websocket.WithStage("production", nil), websocket.WithLogger(ch.logger),
		websocket.Route("$connect", websocket.RouteSpec{Integration: websocket.Lambda(ch.onConnect)}),
		websocket.Route("$disconnect", websocket.RouteSpec{Integration: websocket.Lambda(ch.onDisconnect)}),
		websocket.Route("sendmessage", websocket.RouteSpec{Integration: websocket.Lambda(ch.onSend)}),
		websocket.Route("whoami", websocket.RouteSpec{Integration: websocket.Lambda(ch.onWhoami), TwoWay: true}),
		websocket.Route("$default", websocket.RouteSpec{Integration: websocket.Lambda(onDefault), TwoWay: true}),
	}
	if bus != nil {
		opts = append(opts, websocket.WithBus(bus))
	}
	if replica != "" {
		opts = append(opts, websocket.WithReplicaID(replica))
	}
	return websocket.New(append(opts, extra...)...)
}

// options configure the example.
type options struct {
	// redisAddr shares the connections with other replicas through the
	// Redis at this address; "": one replica, in memory.
	redisAddr string
	// redisPrefix starts the example's Redis keys; "": defaultRedisPrefix.
	redisPrefix string
	// replica names this replica; "": a random name.
	replica string
	logger  *slog.Logger
}

// run serves the chat on addr until ctx ends; ready, if not nil, receives
// the address it listens on. On the way out it closes every connection
// (their $disconnect runs) before the Redis client closes.
func run(ctx context.Context, adm *admin.Admin, addr string, o options, ready chan<- string) (err error) {
	if o.logger == nil {
		o.logger = slog.Default()
	}
	ch := &chat{logger: o.logger, names: map[string]string{}, members: &memMembers{ids: map[string]bool{}}}
	var bus websocket.Bus
	if o.redisAddr != "" {
		prefix := o.redisPrefix
		if prefix == "" {
			prefix = defaultRedisPrefix
		}
		rdb := redisflag.NewClient(o.redisAddr, false)
		defer func() { err = errors.Join(err, rdb.Close()) }()
		b, err := redisbus.New(redisbus.Options{Client: rdb, Prefix: prefix, Logger: o.logger})
		if err != nil {
			return err
		}
		bus = b
		ch.members = redisMembers{rdb: rdb, key: prefix + "members"}
	}
	api, err := newAPI(ch, bus, o.replica, adm.WebSocket()...)
	if err != nil {
		return err
	}
	adm.WatchWebSocket(api)
	// The server's shutdown does not close hijacked WebSocket connections:
	// the API's does, running their $disconnect, before Redis closes.
	return adm.Run(ctx, func(ctx context.Context) error { return serve.ListenAndServe(ctx, addr, api, ready, api.Shutdown) })
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	redisAddr := flag.String("redis", "", "share connections with other replicas through Redis: "+redisflag.Usage)
	prefix := flag.String("redis-prefix", defaultRedisPrefix, "prefix of the example's Redis keys and channels")
	adminAddr := flag.String("admin-addr", "", admin.Usage)
	flag.Parse()
	ctx, stop := serve.SignalContext()
	defer stop()
	adm, err := admin.New(ctx, *adminAddr, nil)
	if err != nil {
		log.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		log.Printf("chat example: connect to ws://%s/?name=alice and send {\"action\":\"sendmessage\",\"message\":\"hi\"}", <-ready)
	}()
	if err := run(ctx, adm, *addr, options{redisAddr: *redisAddr, redisPrefix: *prefix}, ready); err != nil {
		log.Fatal(err)
	}
}
