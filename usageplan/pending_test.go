package usageplan

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
)

// lateStore runs every call on its MemoryStore, as a store whose answers
// come too late: while late is set, Admit returns a *Pending (or, with
// plain, a plain error) after running the call, and resolves it with the
// call's real outcome when resolve is called. It records the backlog
// batches it is given.
type lateStore struct {
	*MemoryStore
	mu      sync.Mutex
	late    bool
	plain   bool
	lost    bool // resolve with an error: the outcome is unknown
	waiting []func()
	batches map[string][]int64 // batch ID → the N of each delivery
}

func (s *lateStore) Admit(ctx context.Context, req AdmitRequest) (Decision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Backlog.N > 0 {
		if s.batches == nil {
			s.batches = map[string][]int64{}
		}
		s.batches[req.Backlog.ID] = append(s.batches[req.Backlog.ID], req.Backlog.N)
		if len(s.batches[req.Backlog.ID]) > 1 {
			req.Backlog = Backlog{} // counted already: a store counts a batch once
		}
	}
	dec, err := s.MemoryStore.Admit(ctx, req)
	if !s.late || err != nil {
		return dec, err
	}
	if s.plain {
		return Decision{}, errStoreDown
	}
	p := NewPending(errStoreDown)
	lost := s.lost
	s.waiting = append(s.waiting, func() {
		if lost {
			p.Resolve(Decision{}, errStoreDown)
		} else {
			p.Resolve(dec, nil)
		}
	})
	return Decision{}, p
}

func (s *lateStore) set(late, plain, lost bool) {
	s.mu.Lock()
	s.late, s.plain, s.lost = late, plain, lost
	s.mu.Unlock()
}

func (s *lateStore) resolve() {
	s.mu.Lock()
	w := s.waiting
	s.waiting = nil
	s.mu.Unlock()
	for _, f := range w {
		f()
	}
}

func used(t *testing.T, r *Registry) int64 {
	t.Helper()
	u, err := r.Usage(t.Context(), UsageQuery{PlanID: "standard", Start: DateOf(t0), End: DateOf(t0)})
	if err != nil {
		t.Fatal(err)
	}
	return u.Items["standard-key"][0][0]
}

// TestLateAnswersCountedOnce: requests whose store calls timed out but ran
// are counted once, whether the store reports their outcome later
// (*Pending), and whatever that outcome, or only fails (a plain error), in
// which case the backlog batches it carried are carried again under the
// same ID and counted once by the store.
func TestLateAnswersCountedOnce(t *testing.T) {
	for _, tt := range []struct {
		name        string
		policy      FailurePolicy
		plain, lost bool
		want        int64 // counted, of 5 late and 3 after
	}{
		{"fail open, outcome known", FailOpen, false, false, 8},
		// The store ran the calls but cannot say so: each request is
		// counted by the store and again by the registry. What is
		// exact is the backlog: each batch counted once.
		{"fail open, outcome unknown", FailOpen, false, true, 13},
		{"fail open, plain errors", FailOpen, true, false, 13},
		// Refused with 500: given back once the store says it counted.
		{"fail closed, outcome known", FailClosed, false, false, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mem, _ := NewMemoryStore(MemoryStoreConfig{})
			store := &lateStore{MemoryStore: mem}
			r, _ := newDemo(t, Config{Store: store, OnStoreError: tt.policy, Logger: slog.New(slog.DiscardHandler)})
			h := mustHandler(t, r, breeds)
			store.set(true, tt.plain, tt.lost)
			for range 5 {
				send(h, standardKey)
			}
			store.resolve()
			store.set(false, false, false)
			if got := countOK(h, standardKey, 3); got != 3 {
				t.Fatalf("%d of 3 admitted after", got)
			}
			if got := used(t, r); got != tt.want {
				t.Errorf("counted %d, want %d", got, tt.want)
			}
			for id, ns := range store.batches {
				for _, n := range ns[1:] {
					if n != ns[0] {
						t.Errorf("batch %s carried with %v requests: a batch never changes", id, ns)
					}
				}
			}
		})
	}
}

// TestPendingResolvedOnce: Resolve reports the first outcome only, to a
// function given before or after it.
func TestPendingResolvedOnce(t *testing.T) {
	p := NewPending(errStoreDown)
	if !errors.Is(p, errStoreDown) || p.Error() != errStoreDown.Error() {
		t.Errorf("Pending wraps %v", p.Err)
	}
	var got []Decision
	p.onResolved(func(d Decision, _ error) { got = append(got, d) })
	p.Resolve(Decision{Remaining: 1}, nil)
	p.Resolve(Decision{Remaining: 2}, nil)
	q := NewPending(errStoreDown)
	q.Resolve(Decision{Remaining: 3}, nil)
	q.onResolved(func(d Decision, _ error) { got = append(got, d) })
	if len(got) != 2 || got[0].Remaining != 1 || got[1].Remaining != 3 {
		t.Fatalf("outcomes %+v", got)
	}
}
