package usageplan

import "sync"

// Pending is the error of a [Store.Admit] that stopped waiting for a call
// that the store may still run: a timeout while Redis is slow or frozen.
// The store goes on waiting for the call in the background and reports its
// outcome through [Pending.Resolve]; the registry, which admitted the
// request (fail open) or refused it (fail closed) meanwhile, then counts the
// request, or gives its quota back, so that every request is counted once
// whether or not the store ran the call.
//
// A store that cannot know a call's outcome returns a plain error: the
// registry then counts a fail-open request itself, which counts it twice
// if the store did run the call.
type Pending struct {
	// Err is why the store stopped waiting.
	Err error

	mu       sync.Mutex
	resolved bool
	dec      Decision
	err      error
	then     func(Decision, error)
}

// NewPending returns the Pending error of a call that the store stopped
// waiting for because of err.
func NewPending(err error) *Pending { return &Pending{Err: err} }

// Error implements error.
func (p *Pending) Error() string { return p.Err.Error() }

// Unwrap returns Err.
func (p *Pending) Unwrap() error { return p.Err }

// Resolve reports the call's outcome: err nil when the store ran the call
// and decided dec, else the reason it cannot tell whether it ran. The store
// calls it once.
func (p *Pending) Resolve(dec Decision, err error) {
	p.mu.Lock()
	if p.resolved {
		p.mu.Unlock()
		return
	}
	p.resolved, p.dec, p.err = true, dec, err
	f := p.then
	p.mu.Unlock()
	if f != nil {
		f(dec, err)
	}
}

// then calls f once with the outcome: at once if it is known, else from
// Resolve.
func (p *Pending) onResolved(f func(Decision, error)) {
	p.mu.Lock()
	if !p.resolved {
		p.then = f
		p.mu.Unlock()
		return
	}
	dec, err := p.dec, p.err
	p.mu.Unlock()
	f(dec, err)
}
