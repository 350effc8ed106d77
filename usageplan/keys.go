package usageplan

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors of the registry's methods, for errors.Is.
var (
	// ErrNotFound: no key or plan has the ID.
	ErrNotFound = errors.New("usageplan: not found")
	// ErrExists: a key or plan with the ID (or a key with the value)
	// exists already.
	ErrExists = errors.New("usageplan: already exists")
	// ErrConflict: the key would belong to two plans that cover the same
	// API stage, which AWS forbids too.
	ErrConflict = errors.New("usageplan: a key may belong to only one plan per API stage")
)

// AddKey adds k, and attaches it to the plans planIDs, in one step; it
// returns the key as stored, with its generated ID, value and creation time
// filled in. See [APIKey] for the rules on values.
func (r *Registry) AddKey(k APIKey, planIDs ...string) (APIKey, error) {
	keys, err := r.ImportKeys([]APIKey{k}, planIDs...)
	if err != nil {
		return APIKey{}, err
	}
	return keys[0], nil
}

// ImportKeys adds many keys at once, each attached to the plans planIDs,
// all or none (AWS's ImportApiKeys). It is much faster than one AddKey
// per key when loading thousands.
func (r *Registry) ImportKeys(keys []APIKey, planIDs ...string) ([]APIKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	plans := r.plans.Load()
	var errs []error
	for _, id := range planIDs {
		if plans.m[id] == nil {
			errs = append(errs, fmt.Errorf("usageplan: plan %q: %w", id, ErrNotFound))
		}
	}
	if err := r.checkStages(plans, planIDs, nil); err != nil {
		errs = append(errs, err)
	}
	now := r.now()
	out := make([]APIKey, len(keys))
	entries := make([]*keyEntry, 0, len(keys))
	ids := make(map[string]bool, len(keys))
	values := make(map[string]bool, len(keys))
	for i, k := range keys {
		name := fmt.Sprintf("usageplan: key[%d]", i)
		if k.ID != "" {
			name += fmt.Sprintf(" %q", k.ID)
		}
		switch {
		case k.ID == "":
			for k.ID == "" || r.byID[k.ID] != nil || ids[k.ID] {
				k.ID = generateID()
			}
		case !validID(k.ID):
			errs = append(errs, fmt.Errorf("%s: ID: must be 1 to 128 characters of A-Z a-z 0-9 . _ -", name))
		case r.byID[k.ID] != nil || ids[k.ID]:
			errs = append(errs, fmt.Errorf("%s: ID: %w", name, ErrExists))
		}
		ids[k.ID] = true
		if k.Value == "" {
			k.Value = GenerateKeyValue()
		} else if err := validateValue(k.Value, r.strict); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		} else if r.lookup(k.Value) != nil || values[k.Value] {
			errs = append(errs, fmt.Errorf("%s: Value: %w", name, ErrExists))
		}
		values[k.Value] = true
		if k.CreatedAt.IsZero() {
			k.CreatedAt = now
		}
		out[i] = k
		entries = append(entries, r.newEntry(k, planIDs))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r.putEntries(entries, nil)
	for _, e := range entries {
		r.byID[e.key.ID] = e
		for _, p := range planIDs {
			r.attach(p, e.key.ID)
		}
	}
	return out, nil
}

// newEntry builds the immutable entry of k in the plans planIDs.
func (r *Registry) newEntry(k APIKey, planIDs []string) *keyEntry {
	e := &keyEntry{key: k, hash: r.hash(k.Value)}
	ids := slices.Clone(planIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, p := range ids {
		e.bindings = append(e.bindings, binding{planID: p, counterID: counterID(p, k.ID), slot: r.slots[p]})
	}
	return e
}

func counterID(planID, keyID string) string { return planID + "/" + keyID }

func (e *keyEntry) planIDs() []string {
	ids := make([]string, len(e.bindings))
	for i, b := range e.bindings {
		ids[i] = b.planID
	}
	return ids
}

func (r *Registry) attach(planID, keyID string) {
	s := r.planKeys[planID]
	if s == nil {
		s = make(map[string]struct{})
		r.planKeys[planID] = s
	}
	s[keyID] = struct{}{}
}

// checkStages reports the plans among planIDs that cover the same API
// stage; override replaces plans by ID (a plan being updated).
func (r *Registry) checkStages(plans *planSet, planIDs []string, override *planState) error {
	seen := make(map[stageRef]string)
	for _, id := range planIDs {
		p := plans.m[id]
		if override != nil && override.plan.ID == id {
			p = override
		}
		if p == nil {
			continue
		}
		for s := range p.stages {
			if other, ok := seen[s]; ok && other != id {
				return fmt.Errorf("usageplan: plans %q and %q both cover API %q stage %q: %w", other, id, s.apiID, s.stage, ErrConflict)
			}
			seen[s] = id
		}
	}
	return nil
}

// UpdateKey replaces the Name, Description and Disabled flag of the key
// k.ID; a non-empty Value replaces the value (rotation: the old value stops
// working at once), a non-zero CreatedAt the creation time.
func (r *Registry) UpdateKey(k APIKey) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.byID[k.ID]
	if old == nil {
		return fmt.Errorf("usageplan: key %q: %w", k.ID, ErrNotFound)
	}
	if k.Value == "" {
		k.Value = old.key.Value
	} else if k.Value != old.key.Value {
		if err := validateValue(k.Value, r.strict); err != nil {
			return fmt.Errorf("usageplan: key %q: %w", k.ID, err)
		}
		if r.lookup(k.Value) != nil {
			return fmt.Errorf("usageplan: key %q: Value: %w", k.ID, ErrExists)
		}
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = old.key.CreatedAt
	}
	r.replace(old, k)
	return nil
}

// SetKeyEnabled enables or disables the key id; a disabled key gets 403
// Forbidden.
func (r *Registry) SetKeyEnabled(id string, enabled bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.byID[id]
	if old == nil {
		return fmt.Errorf("usageplan: key %q: %w", id, ErrNotFound)
	}
	k := old.key
	k.Disabled = !enabled
	r.replace(old, k)
	return nil
}

// replace publishes k in place of old, keeping its plans. Callers hold mu.
func (r *Registry) replace(old *keyEntry, k APIKey) {
	e := &keyEntry{key: k, hash: r.hash(k.Value), bindings: old.bindings}
	r.putEntries([]*keyEntry{e}, []*keyEntry{old})
	r.byID[k.ID] = e
}

// rebind publishes old's key in the plans planIDs. Callers hold mu.
func (r *Registry) rebind(old *keyEntry, planIDs []string) {
	e := r.newEntry(old.key, planIDs)
	r.putEntries([]*keyEntry{e}, []*keyEntry{old})
	r.byID[e.key.ID] = e
}

// RemoveKey removes the key id from the registry and from its plans; its
// usage records stay in the store until their retention ends.
func (r *Registry) RemoveKey(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.byID[id]
	if old == nil {
		return fmt.Errorf("usageplan: key %q: %w", id, ErrNotFound)
	}
	r.putEntries(nil, []*keyEntry{old})
	delete(r.byID, id)
	for _, b := range old.bindings {
		delete(r.planKeys[b.planID], id)
	}
	return nil
}

// Key returns the key id.
func (r *Registry) Key(id string) (APIKey, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.byID[id]; e != nil {
		return e.key, true
	}
	return APIKey{}, false
}

// Keys returns every key, sorted by ID.
func (r *Registry) Keys() []APIKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]APIKey, 0, len(r.byID))
	for _, e := range r.byID {
		out = append(out, e.key)
	}
	slices.SortFunc(out, func(a, b APIKey) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// KeyPlans returns the IDs of the plans the key id belongs to, sorted.
func (r *Registry) KeyPlans(id string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.byID[id]; e != nil {
		return e.planIDs()
	}
	return nil
}
