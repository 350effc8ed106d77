package websocket

import (
	"context"
	"errors"
	"sync"
)

// MemoryHub links several APIs of one process as replicas of one WebSocket
// API, the in-memory [Bus]: what package websocket/redisbus does across
// processes. It serves tests and demos of multi-replica behaviour. The
// zero value is not usable; call [NewMemoryHub]. It is safe for
// simultaneous use by multiple goroutines.
type MemoryHub struct {
	mu    sync.Mutex
	hosts map[string]Host           // replica -> host; nil host: detached
	conns map[string]ConnectionInfo // connection id -> info
	fail  error
}

// NewMemoryHub returns an empty hub.
func NewMemoryHub() *MemoryHub {
	return &MemoryHub{hosts: map[string]Host{}, conns: map[string]ConnectionInfo{}}
}

// Bus returns a bus for one more replica, to give to [WithBus]. The
// replica is known by the API's [WithReplicaID].
func (h *MemoryHub) Bus() Bus { return &memBus{hub: h} }

// SetFailure makes every call of the hub's buses fail with err, as a
// backend that went away; nil restores it. Delivery already attached
// stays.
func (h *MemoryHub) SetFailure(err error) {
	h.mu.Lock()
	h.fail = err
	h.mu.Unlock()
}

type memBus struct {
	hub *MemoryHub
	id  string
}

func (b *memBus) Attach(host Host) error {
	h := b.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	b.id = host.ReplicaID()
	if _, dup := h.hosts[b.id]; dup {
		return errors.New("websocket: MemoryHub: replica " + b.id + " attached twice")
	}
	h.hosts[b.id] = host
	return nil
}

func (b *memBus) Detach(context.Context) error {
	h := b.hub
	h.mu.Lock()
	h.hosts[b.id] = nil
	h.mu.Unlock()
	return nil
}

func (b *memBus) Track(_ context.Context, info ConnectionInfo, held bool) error {
	h := b.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail != nil {
		return h.fail
	}
	if held {
		info.Replica = b.id
		h.conns[info.ConnectionID] = info
	} else if cur, ok := h.conns[info.ConnectionID]; ok && cur.Replica == b.id {
		delete(h.conns, info.ConnectionID)
	}
	return nil
}

func (b *memBus) Lookup(_ context.Context, id string) (ConnectionInfo, error) {
	h := b.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail != nil {
		return ConnectionInfo{}, h.fail
	}
	info, ok := h.conns[id]
	if !ok {
		return ConnectionInfo{}, ErrGone
	}
	return info, nil
}

func (b *memBus) Send(ctx context.Context, cmd Command) error {
	h := b.hub
	h.mu.Lock()
	if h.fail != nil {
		h.mu.Unlock()
		return h.fail
	}
	info, ok := h.conns[cmd.ConnectionID]
	host := h.hosts[info.Replica]
	h.mu.Unlock()
	if !ok || host == nil {
		return ErrGone
	}
	return host.Deliver(ctx, cmd)
}
