package authorizer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"golang.org/x/sync/singleflight"
)

// Limits of JWKS fetching.
const (
	// maxJWKSBytes bounds a JWKS response body.
	maxJWKSBytes = 1 << 20
	// fetchTimeout bounds one JWKS fetch.
	fetchTimeout = 10 * time.Second
	// initialRetry is the longest wait between attempts while no key set
	// has ever been fetched.
	initialRetry = 5 * time.Second
	// maxRefreshWindow is how often jwk.Cache looks for due refreshes
	// when RefreshInterval is longer.
	maxRefreshWindow = 15 * time.Minute
)

var (
	errFetchTooSoon = errors.New("authorizer: JWKS fetched too recently")
	errClosed       = errors.New("authorizer: closed")
)

// remoteKeys keeps a JWKS URL's keys fresh with a jwk.Cache, started on the
// first fetch and stopped by close. Every successful fetch, on demand or by
// the cache's background refresh, is handed to install; a failed one leaves
// the keys already installed in place.
type remoteKeys struct {
	url       string
	client    *http.Client
	ownClient bool          // created here: Close drops its idle connections
	refresh   time.Duration // background refresh interval
	now       func() time.Time
	log       *slog.Logger
	install   func(jwk.Set)

	sf singleflight.Group

	mu      sync.Mutex
	cache   *jwk.Cache
	ctx     context.Context
	cancel  context.CancelFunc
	closed  bool
	tried   [numReasons]bool
	lastTry [numReasons]time.Time // by the injected clock
}

// fetchReason says why a fetch is made; each reason has its own rate limit.
type fetchReason uint8

const (
	fetchInitial    fetchReason = iota // no key set held yet
	fetchUnknownKID                    // a token named a kid not held
	fetchManual                        // Refresh: never limited
	numReasons
)

// fetch fetches the JWKS now, unless a fetch for the same reason started
// less than gap ago (errFetchTooSoon). Concurrent callers share one fetch,
// whatever their reason; a caller whose ctx ends stops waiting, the fetch
// goes on for the others.
func (k *remoteKeys) fetch(ctx context.Context, why fetchReason, gap time.Duration) error {
	ch := k.sf.DoChan("jwks", func() (any, error) {
		cache, lctx, err := k.begin(why, gap)
		if err != nil {
			return nil, err
		}
		fctx, cancel := context.WithTimeout(lctx, fetchTimeout)
		defer cancel()
		if _, err := cache.Refresh(fctx, k.url); err != nil {
			k.log.Warn("authorizer: JWKS fetch failed; keeping the keys held", "url", k.url, "err", err)
			return nil, err
		}
		return nil, nil
	})
	select {
	case res := <-ch:
		return res.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// begin records an on-demand fetch attempt and starts the cache if needed.
func (k *remoteKeys) begin(why fetchReason, gap time.Duration) (*jwk.Cache, context.Context, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return nil, nil, errClosed
	}
	now := k.now()
	last := k.lastTry[why]
	if k.tried[why] && now.Sub(last) < gap && !now.Before(last) {
		return nil, nil, errFetchTooSoon
	}
	k.tried[why], k.lastTry[why] = true, now
	if k.cache == nil {
		if err := k.startLocked(); err != nil {
			return nil, nil, err
		}
	}
	return k.cache, k.ctx, nil
}

func (k *remoteKeys) startLocked() error {
	ctx, cancel := context.WithCancel(context.Background())
	window := min(k.refresh, maxRefreshWindow)
	cache := jwk.NewCache(ctx, jwk.WithRefreshWindow(window), jwk.WithErrSink(errSink{k.log, k.url}))
	err := cache.Register(k.url,
		jwk.WithHTTPClient(&jwksClient{client: k.client, ctx: ctx}),
		jwk.WithRefreshInterval(k.refresh),
		jwk.WithPostFetcher(jwk.PostFetchFunc(func(_ string, set jwk.Set) (jwk.Set, error) {
			k.install(set)
			return set, nil
		})),
	)
	if err != nil {
		cancel()
		return fmt.Errorf("authorizer: JWKS %s: %w", k.url, err)
	}
	k.cache, k.ctx, k.cancel = cache, ctx, cancel
	return nil
}

// close stops the cache's goroutines and any fetch in flight; later
// fetches fail with errClosed.
func (k *remoteKeys) close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closed = true
	if k.cancel != nil {
		k.cancel()
	}
	if k.ownClient {
		k.client.CloseIdleConnections()
	}
}

// errSink logs the failures of jwk.Cache's background refreshes.
type errSink struct {
	log *slog.Logger
	url string
}

func (s errSink) Error(err error) {
	s.log.Warn("authorizer: JWKS refresh failed; keeping the keys held", "url", s.url, "err", err)
}

// jwksClient is the jwk.HTTPClient the cache fetches with: requests carry
// the authorizer's lifetime context (so Close cancels them) and a timeout,
// bodies are capped at maxJWKSBytes, and a non-200 body is drained and
// closed here because jwk.Cache never closes one.
type jwksClient struct {
	client *http.Client
	ctx    context.Context
}

func (j *jwksClient) Get(u string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(j.ctx, fetchTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	res, err := j.client.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		_ = res.Body.Close()
		cancel()
		res.Body = http.NoBody
		return res, nil
	}
	res.Body = &limitedBody{rc: res.Body, left: maxJWKSBytes, cancel: cancel}
	return res, nil
}

// limitedBody fails a body over its limit, and closes itself (releasing
// the connection and the request's context) at its end or first error.
type limitedBody struct {
	rc     io.ReadCloser
	left   int64
	cancel context.CancelFunc
	done   bool
}

var errJWKSTooLarge = fmt.Errorf("authorizer: JWKS response over %d bytes", maxJWKSBytes)

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		_ = b.Close()
		return 0, errJWKSTooLarge
	}
	if err != nil {
		_ = b.Close()
	}
	return n, err
}

func (b *limitedBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	err := b.rc.Close()
	b.cancel()
	return err
}
