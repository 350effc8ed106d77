package usageplan

import (
	"fmt"
	"slices"
	"strings"
)

// AddPlan adds the plan p (AWS's CreateUsagePlan). A zero CreatedAt is set
// to now.
func (r *Registry) AddPlan(p Plan) error {
	if err := p.validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	plans := r.plans.Load()
	if plans.m[p.ID] != nil {
		return fmt.Errorf("usageplan: plan %q: %w", p.ID, ErrExists)
	}
	p = p.clone()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = r.now()
	}
	r.publishPlan(plans, p.ID, compilePlan(p))
	return nil
}

// UpdatePlan replaces the plan p.ID with p, keeping its keys and, when p's
// CreatedAt is zero, its creation time. Quota counters and buckets carry
// on: a lower limit applies to what the keys already used.
func (r *Registry) UpdatePlan(p Plan) error {
	if err := p.validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	plans := r.plans.Load()
	old := plans.m[p.ID]
	if old == nil {
		return fmt.Errorf("usageplan: plan %q: %w", p.ID, ErrNotFound)
	}
	p = p.clone()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = old.plan.CreatedAt
	}
	ps := compilePlan(p)
	for keyID := range r.planKeys[p.ID] {
		if err := r.checkStages(plans, r.byID[keyID].planIDs(), ps); err != nil {
			return fmt.Errorf("usageplan: plan %q: key %q: %w", p.ID, keyID, err)
		}
	}
	r.publishPlan(plans, p.ID, ps)
	return nil
}

// SetPlanEnabled enables or disables the plan id; the keys of a disabled
// plan get 403 Forbidden on its stages.
func (r *Registry) SetPlanEnabled(id string, enabled bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	plans := r.plans.Load()
	old := plans.m[id]
	if old == nil {
		return fmt.Errorf("usageplan: plan %q: %w", id, ErrNotFound)
	}
	p := old.plan.clone()
	p.Disabled = !enabled
	r.publishPlan(plans, id, compilePlan(p))
	return nil
}

// RemovePlan removes the plan id and detaches its keys (the keys stay).
// Usage records stay in the store until their retention ends.
func (r *Registry) RemovePlan(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	plans := r.plans.Load()
	if plans.m[id] == nil {
		return fmt.Errorf("usageplan: plan %q: %w", id, ErrNotFound)
	}
	for _, keyID := range sortedKeys(r.planKeys[id]) {
		old := r.byID[keyID]
		r.rebind(old, slices.DeleteFunc(old.planIDs(), func(p string) bool { return p == id }))
	}
	delete(r.planKeys, id)
	r.publishPlan(plans, id, nil)
	return nil
}

// publishPlan stores ps as plan id (nil removes it) in a copy of plans and
// in the plan's slot. Callers hold mu.
func (r *Registry) publishPlan(plans *planSet, id string, ps *planState) {
	slot := r.slots[id]
	if ps == nil {
		if slot != nil {
			slot.ps.Store(nil)
			delete(r.slots, id)
		}
	} else {
		if slot == nil {
			slot = &planSlot{}
			r.slots[id] = slot
		}
		slot.ps.Store(ps)
	}
	m := make(map[string]*planState, len(plans.m)+1)
	for k, v := range plans.m {
		m[k] = v
	}
	if ps == nil {
		delete(m, id)
	} else {
		m[id] = ps
	}
	r.plans.Store(&planSet{m: m})
}

// Plan returns a copy of the plan id.
func (r *Registry) Plan(id string) (Plan, bool) {
	if p := r.plans.Load().m[id]; p != nil {
		return p.plan.clone(), true
	}
	return Plan{}, false
}

// Plans returns copies of every plan, sorted by ID.
func (r *Registry) Plans() []Plan {
	m := r.plans.Load().m
	out := make([]Plan, 0, len(m))
	for _, p := range m {
		out = append(out, p.plan.clone())
	}
	slices.SortFunc(out, func(a, b Plan) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// AddPlanKey attaches the key keyID to the plan planID (AWS's
// CreateUsagePlanKey).
func (r *Registry) AddPlanKey(planID, keyID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	plans := r.plans.Load()
	if plans.m[planID] == nil {
		return fmt.Errorf("usageplan: plan %q: %w", planID, ErrNotFound)
	}
	old := r.byID[keyID]
	if old == nil {
		return fmt.Errorf("usageplan: key %q: %w", keyID, ErrNotFound)
	}
	ids := old.planIDs()
	if slices.Contains(ids, planID) {
		return fmt.Errorf("usageplan: key %q in plan %q: %w", keyID, planID, ErrExists)
	}
	ids = append(ids, planID)
	if err := r.checkStages(plans, ids, nil); err != nil {
		return fmt.Errorf("usageplan: key %q: %w", keyID, err)
	}
	r.rebind(old, ids)
	r.attach(planID, keyID)
	return nil
}

// RemovePlanKey detaches the key keyID from the plan planID (AWS's
// DeleteUsagePlanKey).
func (r *Registry) RemovePlanKey(planID, keyID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.byID[keyID]
	if old == nil {
		return fmt.Errorf("usageplan: key %q: %w", keyID, ErrNotFound)
	}
	ids := old.planIDs()
	if !slices.Contains(ids, planID) {
		return fmt.Errorf("usageplan: key %q in plan %q: %w", keyID, planID, ErrNotFound)
	}
	r.rebind(old, slices.DeleteFunc(ids, func(p string) bool { return p == planID }))
	delete(r.planKeys[planID], keyID)
	return nil
}

// PlanKeys returns the IDs of the keys of the plan planID, sorted.
func (r *Registry) PlanKeys(planID string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return sortedKeys(r.planKeys[planID])
}
