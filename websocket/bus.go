package websocket

import (
	"context"
	"errors"
	"time"
)

// Errors of the @connections management API. The HTTP form
// ([API.ConnectionsHandler]) answers them with AWS's status and
// x-amzn-ErrorType.
var (
	// ErrGone: no replica holds the connection (410 GoneException).
	ErrGone = errors.New("websocket: connection is gone")
	// ErrLimitExceeded: the connection has too much data waiting to be
	// written to it, a client that does not read (429 LimitExceededException).
	ErrLimitExceeded = errors.New("websocket: too much data queued for the connection")
	// ErrPayloadTooLarge: the data is larger than the API's message limit
	// (413 PayloadTooLargeException).
	ErrPayloadTooLarge = errors.New("websocket: data larger than the message limit")
)

// ConnectionInfo is what GET @connections/{id} returns: AWS's GetConnection
// output, plus the id and the replica that holds the connection.
type ConnectionInfo struct {
	ConnectionID string    `json:"-"`
	ConnectedAt  time.Time `json:"connectedAt"`
	Identity     Identity  `json:"identity"`
	LastActiveAt time.Time `json:"lastActiveAt"`
	// Replica names the replica holding the connection ([WithReplicaID]).
	Replica string `json:"-"`
}

// Identity is the caller of a connection, as GetConnection reports it.
type Identity struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// CommandKind says what a [Command] asks of the replica holding a
// connection.
type CommandKind uint8

// The commands of the @connections API that travel between replicas.
const (
	// Post sends Command.Data to the connection.
	Post CommandKind = iota + 1
	// Delete closes the connection.
	Delete
)

// Command is a @connections call addressed to a connection that another
// replica may hold.
type Command struct {
	Kind         CommandKind
	ConnectionID string
	Data         []byte
}

// Bus links the replicas of one WebSocket API: a shared directory of
// connections and a way to reach the replica holding one. Without a bus
// ([WithBus]) an API is a single replica. package websocket/redisbus is a
// bus over Redis; [MemoryHub] links APIs within one process (tests).
//
// Bus has five methods, more than the house's three: attaching, the
// directory and delivery belong to one shared resource, and splitting them
// would let a user combine halves that cannot work together.
type Bus interface {
	// Attach starts delivering to h the commands addressed to connections
	// h holds. [New] calls it once.
	Attach(h Host) error
	// Detach stops delivery once every command already accepted for this
	// replica has been passed to the host. [API.Shutdown] calls it before
	// closing the replica's connections.
	Detach(ctx context.Context) error
	// Track records that this replica holds (held) or no longer holds a
	// connection.
	Track(ctx context.Context, info ConnectionInfo, held bool) error
	// Lookup returns the info of a connection held by any replica, or
	// ErrGone.
	Lookup(ctx context.Context, id string) (ConnectionInfo, error)
	// Send passes cmd to the replica holding its connection: nil once that
	// replica has accepted it, ErrGone when no replica holds it, another
	// error when the bus cannot tell (the backend is unreachable).
	Send(ctx context.Context, cmd Command) error
}

// Host is the replica side of a [Bus]: the API that holds connections.
type Host interface {
	// Deliver carries out a command for a connection this replica holds;
	// ErrGone when it holds it no more.
	Deliver(ctx context.Context, cmd Command) error
	// Held lists the connections this replica holds, with their current
	// lastActiveAt, for a bus that refreshes its directory.
	Held() []ConnectionInfo
	// ReplicaID names this replica ([WithReplicaID]).
	ReplicaID() string
}
