//go:build peers

package scenario

import "errors"

// PeersBuilt says whether the peers (Caddy, Lura, KrakenD's modules) are
// compiled in: with the build tag "peers". They are left out of a plain
// build because compiling them takes minutes on a small machine.
const PeersBuilt = true

// ErrNoPeers is the error of a Peer scenario built without the tag.
var ErrNoPeers = errors.New("scenario: the peers are not compiled in (build with -tags peers)")
