//go:build !peers

package scenario

import (
	"errors"
	"net"
	"net/http"

	"golang.org/x/time/rate"
)

// PeersBuilt says whether the peers (Caddy, Lura, KrakenD's modules) are
// compiled in: with the build tag "peers". They are left out of a plain
// build because compiling them takes minutes on a small machine.
const PeersBuilt = false

// ErrNoPeers is the error of a Peer scenario built without the tag.
var ErrNoPeers = errors.New("scenario: the peers are not compiled in (build with -tags peers)")

func caddyProxy(Env) (http.Handler, func(), error)               { return nil, nil, ErrNoPeers }
func serveCaddy(Env, net.Listener) (func(), error)               { return nil, ErrNoPeers }
func luraProxy(Env) (http.Handler, func(), error)                { return nil, nil, ErrNoPeers }
func krakenD(Env, rate.Limit, int) (http.Handler, func(), error) { return nil, nil, ErrNoPeers }
