// Package redisbus is a websocket.Bus over Redis: the replicas of one
// WebSocket API share a directory of connections (one hash per connection,
// with a TTL, refreshed by the replica holding it) and reach each other
// through pub/sub, one channel per replica.
//
// On a Redis Cluster (a *redis.ClusterClient; Redis 7 or later) the
// channels are shard channels (SSUBSCRIBE, SPUBLISH): PUBLISH reaches every
// node but counts only the subscribers of the node that ran it, so a post
// whose connection's entry and replica's channel live on different masters
// would be delivered and still answered 410 Gone. A post is then two round
// trips: read the entry, publish on the replica's shard channel.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	bus, err := redisbus.New(redisbus.Options{Client: rdb, Prefix: "chat:"})
//	api, err := websocket.New(websocket.WithBus(bus), ...)
//
// A @connections call for a connection held elsewhere is one round trip: a
// script reads the connection's replica and publishes the command on that
// replica's channel; it is accepted once that replica's subscriber has it
// (PUBLISH counted it), and that replica writes it to the client, also when
// it is shutting down: [Bus.Detach] unsubscribes and delivers every message
// that arrived before the unsubscription was confirmed.
//
// When Redis is unreachable the API's local delivery keeps working, and
// calls that need Redis fail with an error that says so. Recovery is
// automatic: the subscriber reconnects and resubscribes, and as soon as it
// is subscribed again the replica writes back the directory entries of
// every connection it holds (those opened meanwhile, and all of them when
// Redis came back empty), retrying until Redis takes them.
//
// Differences from AWS: lastActiveAt of a connection held by another
// replica is as fresh as that replica's last refresh (Options.Refresh).
package redisbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/apigw/apigw/internal/redisopt"
	"github.com/apigw/apigw/websocket"
	"github.com/redis/go-redis/v9"
)

// Options configure a Bus.
type Options struct {
	// Client is the Redis client; required. The bus does not close it.
	Client redis.UniversalClient
	// Prefix starts every key and channel. Default "apigw:ws:".
	Prefix string
	// TTL is how long a connection's directory entry outlives its
	// replica's last refresh (a replica that died without Detach).
	// Default 3 minutes.
	TTL time.Duration
	// Refresh is how often a replica rewrites the entries of the
	// connections it holds, with their lastActiveAt. Default TTL/3.
	Refresh time.Duration
	// Timeout bounds each Redis call. Default 2 seconds.
	Timeout time.Duration
	// Logger receives subscriber and refresh errors. Default
	// slog.Default().
	Logger *slog.Logger
}

// Bus is a websocket.Bus over Redis for one replica. Give each API its
// own, built by [New]. It is safe for simultaneous use by multiple
// goroutines.
type Bus struct {
	rdb     redis.UniversalClient
	prefix  string
	ttl     time.Duration
	refresh time.Duration
	timeout time.Duration
	log     *slog.Logger
	sharded bool // a Redis Cluster: sharded pub/sub

	mu      sync.Mutex
	host    websocket.Host
	channel string
	pubsub  *redis.PubSub
	closing bool
	stop    chan struct{}
	kick    chan struct{} // asks the refresher for a refresh now
	done    chan struct{} // the subscriber ended
	rdone   chan struct{} // the refresher ended
}

var _ websocket.Bus = (*Bus)(nil)

// New returns a bus, or an error naming each bad field.
func New(o Options) (*Bus, error) {
	var errs []error
	if o.Client == nil {
		errs = append(errs, errors.New("redisbus: Options.Client: required"))
	}
	for name, d := range map[string]time.Duration{"TTL": o.TTL, "Refresh": o.Refresh, "Timeout": o.Timeout} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("redisbus: Options.%s %v: negative", name, d))
		}
	}
	if o.TTL == 0 {
		o.TTL = 3 * time.Minute
	}
	if o.Refresh == 0 {
		o.Refresh = o.TTL / 3
	}
	if o.Refresh >= o.TTL {
		errs = append(errs, fmt.Errorf("redisbus: Options.Refresh %v: must be shorter than TTL %v", o.Refresh, o.TTL))
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Prefix == "" {
		o.Prefix = "apigw:ws:"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	_, sharded := o.Client.(*redis.ClusterClient)
	return &Bus{rdb: o.Client, prefix: o.Prefix, ttl: o.TTL, refresh: o.Refresh, timeout: o.Timeout, log: o.Logger,
		sharded: sharded}, nil
}

func (b *Bus) connKey(id string) string { return b.prefix + "conn:" + id }

func (b *Bus) channelOf(replica string) string { return b.prefix + "replica:" + replica }

// errSlotMoved is what the bus tells the cluster client when the channel's
// slot moved: reload the layout.
var errSlotMoved = errors.New("redisbus: shard channel unsubscribed by the cluster")

// unavailable wraps a Redis error so that callers see what failed; a
// cluster client reloads the cluster's layout (a master may have failed
// over).
func (b *Bus) unavailable(op string, err error) error {
	redisopt.Failed(b.rdb, err)
	return fmt.Errorf("redisbus: %s: Redis unavailable: %w", op, err)
}

// Attach subscribes to the replica's channel and starts delivering to h,
// and starts the periodic refresh. When Redis does not answer, Attach
// logs it and keeps trying in the background.
func (b *Bus) Attach(h websocket.Host) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.host != nil {
		return errors.New("redisbus: Attach: already attached; give each replica its own Bus")
	}
	b.host = h
	b.channel = b.channelOf(h.ReplicaID())
	b.stop, b.done, b.rdone = make(chan struct{}), make(chan struct{}), make(chan struct{})
	b.kick = make(chan struct{}, 1)
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	if b.sharded {
		b.pubsub = b.rdb.SSubscribe(ctx, b.channel)
	} else {
		b.pubsub = b.rdb.Subscribe(ctx, b.channel)
	}
	// Wait for the confirmation, so that a connection opened right after
	// is reachable at once.
	if _, err := b.pubsub.ReceiveTimeout(ctx, b.timeout); err != nil {
		b.log.Warn("redisbus: cannot subscribe yet; retrying in the background", "channel", b.channel, "err", err)
	}
	go b.receive(b.pubsub)
	go b.refresher()
	return nil
}

// receive delivers the replica's commands until Detach.
func (b *Bus) receive(ps *redis.PubSub) {
	defer close(b.done)
	ctx := context.Background()
	backoff := 50 * time.Millisecond
	for {
		msg, err := ps.ReceiveTimeout(ctx, 5*time.Second)
		b.mu.Lock()
		closing := b.closing
		b.mu.Unlock()
		switch m := msg.(type) {
		case *redis.Message:
			backoff = 50 * time.Millisecond
			cmd, ok := decode(m.Payload)
			if !ok {
				b.log.Warn("redisbus: malformed command", "channel", m.Channel)
				continue
			}
			dctx, cancel := context.WithTimeout(ctx, b.timeout)
			_ = b.host.Deliver(dctx, cmd)
			cancel()
			continue
		case *redis.Subscription:
			if (m.Kind == "unsubscribe" || m.Kind == "sunsubscribe") && closing {
				return
			}
			if m.Kind == "subscribe" || m.Kind == "ssubscribe" {
				// Subscribed again after losing Redis, which may have
				// come back empty: write the directory back now.
				b.refreshNow()
			}
			if m.Kind == "sunsubscribe" {
				// The cluster moved the channel's slot to another master
				// and unsubscribed us: subscribe where it lives now.
				b.log.Warn("redisbus: the channel's slot moved; subscribing again", "channel", b.channel)
				redisopt.Failed(b.rdb, errSlotMoved)
				sctx, cancel := context.WithTimeout(ctx, b.timeout)
				_ = ps.SSubscribe(sctx, b.channel)
				cancel()
			}
			continue
		case *redis.Pong:
			continue
		}
		if err == nil {
			continue
		}
		if closing {
			return
		}
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			continue
		}
		redisopt.Failed(b.rdb, err)
		b.log.Warn("redisbus: subscriber lost Redis; reconnecting", "channel", b.channel, "err", err)
		select {
		case <-b.stop:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// refreshNow asks the refresher for a refresh at once.
func (b *Bus) refreshNow() {
	select {
	case b.kick <- struct{}{}:
	default: // one is asked for already
	}
}

// refresher rewrites the directory entries of the replica's connections
// every Options.Refresh and when asked (the subscriber is connected
// again); a refresh that fails is tried again soon, backing off to the
// refresh period.
func (b *Bus) refresher() {
	defer close(b.rdone)
	t := time.NewTicker(b.refresh)
	defer t.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	backoff := 100 * time.Millisecond
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		case <-b.kick:
		case <-retry.C:
		}
		if err := b.Refresh(context.Background()); err != nil {
			b.log.Warn("redisbus: refresh failed; trying again", "in", backoff, "err", err)
			retry.Reset(backoff)
			backoff = min(2*backoff, b.refresh)
			continue
		}
		retry.Stop()
		backoff = 100 * time.Millisecond
	}
}

// Refresh rewrites now the directory entries of every connection the
// replica holds, with their lastActiveAt; the bus does it every
// Options.Refresh by itself.
func (b *Bus) Refresh(ctx context.Context) error {
	b.mu.Lock()
	h := b.host
	b.mu.Unlock()
	if h == nil {
		return nil
	}
	held := h.Held()
	for len(held) > 0 {
		n := min(len(held), 500)
		ctx, cancel := context.WithTimeout(ctx, b.timeout)
		_, err := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, info := range held[:n] {
				b.put(ctx, p, info)
			}
			return nil
		})
		cancel()
		if err != nil {
			return b.unavailable("Refresh", err)
		}
		held = held[n:]
	}
	return nil
}

func (b *Bus) put(ctx context.Context, p redis.Cmdable, info websocket.ConnectionInfo) {
	key := b.connKey(info.ConnectionID)
	p.HSet(ctx, key,
		"replica", info.Replica,
		"connectedAt", info.ConnectedAt.UnixMilli(),
		"lastActiveAt", info.LastActiveAt.UnixMilli(),
		"sourceIp", info.Identity.SourceIP,
		"userAgent", info.Identity.UserAgent)
	p.PExpire(ctx, key, b.ttl)
}

// Detach unsubscribes, delivers every command that reached the replica
// before the unsubscription took effect, and stops the refresh. When Redis
// cannot confirm, the subscription is dropped when ctx ends.
func (b *Bus) Detach(ctx context.Context) error {
	b.mu.Lock()
	if b.host == nil || b.closing {
		b.mu.Unlock()
		return nil
	}
	b.closing = true
	close(b.stop)
	ps := b.pubsub
	b.mu.Unlock()
	<-b.rdone
	var err error
	uctx, cancel := context.WithTimeout(ctx, b.timeout)
	unsubscribe := ps.Unsubscribe
	if b.sharded {
		unsubscribe = ps.SUnsubscribe
	}
	if uerr := unsubscribe(uctx, b.channel); uerr != nil {
		err = b.unavailable("Detach", uerr)
		_ = ps.Close()
	}
	cancel()
	select {
	case <-b.done:
	case <-ctx.Done():
		_ = ps.Close()
		<-b.done
		err = errors.Join(err, ctx.Err())
	}
	_ = ps.Close()
	return err
}

// Track writes or deletes the connection's directory entry.
func (b *Bus) Track(ctx context.Context, info websocket.ConnectionInfo, held bool) error {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	var err error
	if held {
		_, err = b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			b.put(ctx, p, info)
			return nil
		})
	} else {
		err = b.rdb.Del(ctx, b.connKey(info.ConnectionID)).Err()
	}
	if err != nil {
		return b.unavailable("Track", err)
	}
	return nil
}

// Lookup reads a connection's directory entry.
func (b *Bus) Lookup(ctx context.Context, id string) (websocket.ConnectionInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	m, err := b.rdb.HGetAll(ctx, b.connKey(id)).Result()
	if err != nil {
		return websocket.ConnectionInfo{}, b.unavailable("Lookup", err)
	}
	if m["replica"] == "" {
		return websocket.ConnectionInfo{}, websocket.ErrGone
	}
	ms := func(k string) time.Time {
		n, _ := strconv.ParseInt(m[k], 10, 64)
		return time.UnixMilli(n).UTC()
	}
	return websocket.ConnectionInfo{
		ConnectionID: id, Replica: m["replica"],
		ConnectedAt: ms("connectedAt"), LastActiveAt: ms("lastActiveAt"),
		Identity: websocket.Identity{SourceIP: m["sourceIp"], UserAgent: m["userAgent"]},
	}, nil
}

// sendScript publishes a command on the channel of the replica holding the
// connection: -1 when no replica holds it, else the number of subscribers
// that got it (0: the replica is gone).
var sendScript = redis.NewScript(`
local r = redis.call('HGET', KEYS[1], 'replica')
if not r then return -1 end
return redis.call('PUBLISH', ARGV[1] .. r, ARGV[2])
`)

// Send publishes cmd to the replica holding its connection.
func (b *Bus) Send(ctx context.Context, cmd websocket.Command) error {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	if b.sharded {
		return b.sendSharded(ctx, cmd)
	}
	n, err := sendScript.Run(ctx, b.rdb, []string{b.connKey(cmd.ConnectionID)}, b.prefix+"replica:", encode(cmd)).Int64()
	if err != nil {
		return b.unavailable("Send", err)
	}
	if n <= 0 {
		return websocket.ErrGone
	}
	return nil
}

// sendSharded is Send on a Redis Cluster: the connection's directory entry
// and the replica's channel live in slots of their own, maybe on different
// masters, so one script cannot read the one and publish on the other; and
// PUBLISH counts only the subscribers of the node that runs it. Two round
// trips then: read the entry, SPUBLISH on the replica's shard channel,
// which counts the subscribers of the master serving that channel, where
// the replica subscribed.
func (b *Bus) sendSharded(ctx context.Context, cmd websocket.Command) error {
	replica, err := b.rdb.HGet(ctx, b.connKey(cmd.ConnectionID), "replica").Result()
	if errors.Is(err, redis.Nil) {
		return websocket.ErrGone
	}
	if err != nil {
		return b.unavailable("Send", err)
	}
	n, err := b.rdb.SPublish(ctx, b.channelOf(replica), encode(cmd)).Result()
	if err != nil {
		return b.unavailable("Send", err)
	}
	if n <= 0 {
		return websocket.ErrGone
	}
	return nil
}

// encode is a command on the wire: kind byte, id, newline, data.
func encode(cmd websocket.Command) string {
	k := byte('P')
	if cmd.Kind == websocket.Delete {
		k = 'D'
	}
	buf := make([]byte, 0, 2+len(cmd.ConnectionID)+len(cmd.Data))
	buf = append(buf, k)
	buf = append(buf, cmd.ConnectionID...)
	buf = append(buf, '\n')
	buf = append(buf, cmd.Data...)
	return string(buf)
}

func decode(s string) (websocket.Command, bool) {
	if len(s) < 2 {
		return websocket.Command{}, false
	}
	var cmd websocket.Command
	switch s[0] {
	case 'P':
		cmd.Kind = websocket.Post
	case 'D':
		cmd.Kind = websocket.Delete
	default:
		return cmd, false
	}
	rest := s[1:]
	for i := 0; i < len(rest); i++ {
		if rest[i] == '\n' {
			cmd.ConnectionID = rest[:i]
			cmd.Data = []byte(rest[i+1:])
			return cmd, cmd.ConnectionID != ""
		}
	}
	return cmd, false
}
