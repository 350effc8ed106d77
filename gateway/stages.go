package gateway

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/apigw/apigw/stage"
)

// stageRuntime is a stage as served: its base binding and, with a canary,
// the canary's binding and draw.
type stageRuntime struct {
	cfg     stage.Stage
	base    *binding
	canary  *binding
	percent float64
	sticky  *stage.Sticky
}

// newStageRuntime binds a stage (and its canary) to their deployments in st.
func (g *Gateway) newStageRuntime(st *state, s stage.Stage) (*stageRuntime, error) {
	dep := st.latest
	if s.DeploymentID != "" {
		dep = st.deployments[s.DeploymentID]
		if dep == nil {
			return nil, fmt.Errorf("gateway: stage %q: DeploymentID %q: no such deployment", s.Name, s.DeploymentID)
		}
	}
	base, err := g.bind(dep, &s, s.Variables, false)
	if err != nil {
		return nil, err
	}
	rt := &stageRuntime{cfg: s, base: base}
	if c := s.Canary; c != nil {
		cdep := dep
		if c.DeploymentID != "" {
			cdep = st.deployments[c.DeploymentID]
			if cdep == nil {
				return nil, fmt.Errorf("gateway: stage %q: Canary.DeploymentID %q: no such deployment", s.Name, c.DeploymentID)
			}
		}
		rt.canary, err = g.bind(cdep, &s, stage.MergeVariables(s.Variables, c.Variables), true)
		if err != nil {
			return nil, err
		}
		rt.percent, rt.sticky = c.Percent, c.Sticky
	}
	return rt, nil
}

// pick draws the side of a canary release that serves r.
func (s *stageRuntime) pick(r *http.Request, random func() float64) *binding {
	if s.canary == nil || s.percent <= 0 {
		return s.base
	}
	if s.percent >= 100 {
		return s.canary
	}
	var x float64
	if kind, id := s.stickyID(r); id != "" {
		x = hashPercent(kind, id)
	} else {
		x = random() * 100
	}
	if x < s.percent {
		return s.canary
	}
	return s.base
}

// stickyID is what identifies the client for a sticky canary, and where it
// came from; id is "" when the request carries nothing to stick by.
func (s *stageRuntime) stickyID(r *http.Request) (kind byte, id string) {
	st := s.sticky
	if st == nil {
		return 0, ""
	}
	if st.APIKey {
		if v := r.Header.Get("X-Api-Key"); v != "" {
			return 'k', v
		}
	}
	if st.Header != "" {
		if v := r.Header.Get(st.Header); v != "" {
			return 'h', v
		}
	}
	if st.Cookie != "" {
		if ck, err := r.Cookie(st.Cookie); err == nil && ck.Value != "" {
			return 'c', ck.Value
		}
	}
	return 0, ""
}

// hashPercent maps id uniformly onto [0, 100) with FNV-1a, so a client's
// side depends only on its id and the percent: raising the percent moves
// clients to the canary, never back.
func hashPercent(kind byte, id string) float64 {
	h := uint64(14695981039346656037)
	h ^= uint64(kind)
	h *= 1099511628211
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	// Mix the high bits down so that ids differing in their last byte spread.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return float64(h>>11) / (1 << 53) * 100
}

// Stages returns the stages as they are now configured.
func (g *Gateway) Stages() []stage.Stage {
	st := g.state.Load()
	out := make([]stage.Stage, 0, len(st.stages))
	for _, name := range sortedKeys(st.stages) {
		out = append(out, st.stages[name].cfg)
	}
	return out
}

// Deploy creates a deployment from the API definition in opts (routes,
// models, gateway responses: the options that describe the API) and moves
// every stage that follows the latest deployment (those with no
// DeploymentID) onto it, atomically: a request in flight finishes on the
// deployment it started on, the next one sees the new one. It returns the
// new deployment's id.
func (g *Gateway) Deploy(opts ...DeploymentOption) (string, error) {
	return g.createDeployment(true, opts)
}

// CreateDeployment creates a deployment from opts, as Deploy does, without
// moving any stage onto it: point a stage or a canary at the returned id
// with [Gateway.SetStageDeployment] or [Gateway.SetCanary].
func (g *Gateway) CreateDeployment(opts ...DeploymentOption) (string, error) {
	return g.createDeployment(false, opts)
}

func (g *Gateway) createDeployment(latest bool, opts []DeploymentOption) (string, error) {
	def := &config{}
	for _, o := range opts {
		o.apply(def)
	}
	if err := errors.Join(def.errs...); err != nil {
		return "", err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	dep, err := g.newDeployment(def)
	if err != nil {
		return "", err
	}
	old := g.state.Load()
	next := old.clone()
	next.deployments[dep.id] = dep
	if !latest {
		next.trimHistory()
		g.state.Store(next)
		return dep.id, nil
	}
	next.latest = dep
	for name, rt := range old.stages {
		if rt.cfg.DeploymentID != "" {
			continue // pinned; its canary, if any, is pinned or follows it
		}
		nrt, err := g.newStageRuntime(next, rt.cfg)
		if err != nil {
			return "", err
		}
		next.stages[name] = nrt
	}
	next.pickRoot()
	next.trimHistory()
	g.state.Store(next)
	return dep.id, nil
}

// MaxDeployments bounds a gateway's deployment history: beyond it, the
// oldest deployments that no stage or canary serves are deleted, so that a
// gateway redeployed all day does not grow without bound.
const MaxDeployments = 100

// DeleteDeployment deletes a deployment, as AWS's DeleteDeployment does. A
// deployment a stage or a canary serves, and the latest deployment (which
// the stages without a DeploymentID follow), cannot be deleted.
func (g *Gateway) DeleteDeployment(id string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.state.Load()
	if old.deployments[id] == nil {
		return fmt.Errorf("gateway: DeleteDeployment(%q): no such deployment", id)
	}
	if old.latest.id == id {
		return fmt.Errorf("gateway: DeleteDeployment(%q): it is the latest deployment, which stages without a DeploymentID follow", id)
	}
	if users := old.users(id); len(users) > 0 {
		return fmt.Errorf("gateway: DeleteDeployment(%q): served by %s", id, strings.Join(users, ", "))
	}
	next := old.clone()
	delete(next.deployments, id)
	g.state.Store(next)
	return nil
}

// users names the stages and canaries that serve deployment id.
func (s *state) users(id string) []string {
	var users []string
	for _, name := range sortedKeys(s.stages) {
		rt := s.stages[name]
		if rt.base.dep.id == id {
			users = append(users, "stage "+name)
		}
		if rt.canary != nil && rt.canary.dep.id == id {
			users = append(users, "the canary of stage "+name)
		}
	}
	return users
}

// trimHistory deletes the oldest unused deployments beyond MaxDeployments.
func (s *state) trimHistory() {
	if len(s.deployments) <= MaxDeployments {
		return
	}
	deps := slices.SortedFunc(maps.Values(s.deployments), byCreation)
	for _, d := range deps {
		if len(s.deployments) <= MaxDeployments {
			return
		}
		if d != s.latest && len(s.users(d.id)) == 0 {
			delete(s.deployments, d.id)
		}
	}
}

// SetStageDeployment points a stage at a deployment by id; "" makes it
// follow the latest deployment again.
func (g *Gateway) SetStageDeployment(stageName, deploymentID string) error {
	return g.updateStage(stageName, func(s *stage.Stage) error {
		s.DeploymentID = deploymentID
		return nil
	})
}

// SetStageVariables replaces a stage's variables.
func (g *Gateway) SetStageVariables(stageName string, vars map[string]string) error {
	return g.updateStage(stageName, func(s *stage.Stage) error {
		s.Variables = maps.Clone(vars)
		return nil
	})
}

// SetCanary creates or replaces a stage's canary; nil deletes it.
func (g *Gateway) SetCanary(stageName string, c *stage.Canary) error {
	return g.updateStage(stageName, func(s *stage.Stage) error {
		if c == nil {
			s.Canary = nil
			return nil
		}
		cc := *c
		cc.Variables = maps.Clone(c.Variables)
		s.Canary = &cc
		return nil
	})
}

// SetCanaryPercent changes the share of a stage's traffic that goes to its
// canary, 0.0 to 100.0.
func (g *Gateway) SetCanaryPercent(stageName string, percent float64) error {
	return g.updateStage(stageName, func(s *stage.Stage) error {
		if s.Canary == nil {
			return errors.New("has no canary")
		}
		cc := *s.Canary
		cc.Percent = percent
		s.Canary = &cc
		return nil
	})
}

// PromoteCanary makes the canary's deployment and variable overrides the
// stage's own and sets the canary's percent to 0, as AWS's promotion does;
// the canary stays until [Gateway.DeleteCanary].
func (g *Gateway) PromoteCanary(stageName string) error {
	return g.updateStage(stageName, func(s *stage.Stage) error {
		c := s.Canary
		if c == nil {
			return errors.New("has no canary")
		}
		if c.DeploymentID != "" {
			s.DeploymentID = c.DeploymentID
		}
		s.Variables = stage.MergeVariables(s.Variables, c.Variables)
		s.Canary = &stage.Canary{DeploymentID: s.DeploymentID, UseStageCache: c.UseStageCache, Sticky: c.Sticky}
		return nil
	})
}

// DeleteCanary removes a stage's canary: all its traffic goes to the base.
func (g *Gateway) DeleteCanary(stageName string) error { return g.SetCanary(stageName, nil) }

// updateStage applies change to a copy of a stage's configuration, checks
// it, rebinds the stage and publishes the result atomically.
func (g *Gateway) updateStage(stageName string, change func(*stage.Stage) error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.state.Load()
	rt := old.stages[stageName]
	if rt == nil {
		return fmt.Errorf("gateway: stage %q: no such stage", stageName)
	}
	s := rt.cfg
	s.Variables = maps.Clone(s.Variables)
	if err := change(&s); err != nil {
		return fmt.Errorf("gateway: stage %q: %w", stageName, err)
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	next := old.clone()
	nrt, err := g.newStageRuntime(next, s)
	if err != nil {
		return err
	}
	next.stages[stageName] = nrt
	next.pickRoot()
	g.state.Store(next)
	return nil
}

// Deployments lists the ids of the gateway's deployments, oldest first.
func (g *Gateway) Deployments() []string {
	st := g.state.Load()
	deps := slices.Collect(maps.Values(st.deployments))
	slices.SortFunc(deps, byCreation)
	ids := make([]string, len(deps))
	for i, d := range deps {
		ids[i] = d.id
	}
	return ids
}

func (s *state) clone() *state {
	return &state{
		httpAPI:     s.httpAPI,
		root:        s.root,
		stages:      maps.Clone(s.stages),
		deployments: maps.Clone(s.deployments),
		latest:      s.latest,
		notFound:    s.notFound,
	}
}

func byCreation(a, b *deployment) int { return cmp.Compare(a.seq, b.seq) }
