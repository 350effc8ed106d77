package cache

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// brokenStore fails every call, as a store whose backend is down.
type brokenStore struct{ err error }

func (s brokenStore) Get(context.Context, string) (*Entry, error)              { return nil, s.err }
func (s brokenStore) Set(context.Context, string, *Entry, time.Duration) error { return s.err }
func (s brokenStore) Delete(context.Context, string, bool) error               { return s.err }

func TestStoreFailureIsAMiss(t *testing.T) {
	clock := newFakeClock()
	var logs bytes.Buffer
	down := errors.New("connection refused")
	c := mustNew(t, Config{Store: brokenStore{down}, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		AnyoneMayInvalidate: true})
	backend := &counter{body: "v"}
	h := c.Handler(backend)
	for i := range 3 {
		w := get(h, "/x")
		wantBody(t, w, "v #"+itoa(int64(i+1)))
	}
	get(h, "/x", "Cache-Control", "max-age=0") // a refresh stores: one failed Set
	if got := c.Stats(); got.StoreErrors != 7 || got.Misses != 4 || got.Hits != 0 {
		t.Errorf("Stats = %+v, want 7 store errors (3 gets, 4 sets) and 4 misses", got)
	}
	if n := strings.Count(logs.String(), "store failed"); n != 1 {
		t.Errorf("logged %d times within a second, want once:\n%s", n, logs.String())
	}
	clock.Advance(time.Second)
	get(h, "/x")
	if n := strings.Count(logs.String(), "store failed"); n != 2 {
		t.Errorf("logged %d times after a second, want twice", n)
	}

	err := c.Flush(context.Background(), "prod")
	if !errors.Is(err, down) || !strings.Contains(err.Error(), `cache: flushing stage "prod"`) {
		t.Errorf("Flush: %v", err)
	}
	err = c.Invalidate(context.Background(), Key{Method: "GET", Resource: "/x"})
	if !errors.Is(err, down) || !strings.Contains(err.Error(), "cache: invalidating GET /x") {
		t.Errorf("Invalidate: %v", err)
	}
}

// garbageStore returns an entry no ResponseWriter could write.
type garbageStore struct{ *MemoryStore }

func (*garbageStore) Get(context.Context, string) (*Entry, error) {
	return NewEntry(0, nil, []byte("garbage")), nil
}

func TestGarbageEntryIsAMiss(t *testing.T) {
	c := mustNew(t, Config{Store: &garbageStore{NewMemoryStore(0, nil)}})
	wantBody(t, get(c.Handler(&counter{body: "v"}), "/x"), "v #1")
}

func TestInformationalResponses(t *testing.T) {
	c := mustNew(t, Config{})
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("ok"))
		// ResponseController reaches the client's writer through Unwrap.
		if err := http.NewResponseController(w).EnableFullDuplex(); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("EnableFullDuplex through the recorder: %v", err)
		}
	}))
	first := get(h, "/x")
	second := get(h, "/x")
	// (httptest's recorder keeps the 103 as the first response's Code.)
	if first.Body.String() != "ok" || second.Code != 200 || second.Body.String() != "ok" {
		t.Errorf("first body %q; hit %d %q", first.Body, second.Code, second.Body)
	}
}
