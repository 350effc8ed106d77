package gateway

import (
	"maps"
	"slices"
	"time"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/stage"
)

// Description is a read-only view of what a gateway serves at one moment:
// its stages, the deployments they serve and each route's phases. It is a
// copy: changing it changes nothing.
type Description struct {
	APIID       string
	Stages      []StageDescription      // by name
	Deployments []DeploymentDescription // oldest first
}

// StageDescription is one stage as served.
type StageDescription struct {
	Config       stage.Stage // as configured (Canary.Percent is the split)
	DeploymentID string      // the deployment the stage serves
	// CanaryDeploymentID is the deployment its canary serves; "" without
	// a canary.
	CanaryDeploymentID string
	// Routes are the stage's routes (its base deployment's), in the
	// order they were defined.
	Routes []RouteDescription
}

// RouteDescription is one route of a stage and the phases it runs.
type RouteDescription struct {
	Method   string // HTTP method, or ANY
	Resource string // /pets/{id}
	Phases   []Phase
}

// DeploymentDescription is one deployment.
type DeploymentDescription struct {
	ID          string
	Description string
	Created     time.Time
}

// Describe returns what the gateway serves now.
func (g *Gateway) Describe() Description {
	st := g.state.Load()
	d := Description{APIID: g.cfg.apiID}
	for _, name := range sortedKeys(st.stages) {
		rt := st.stages[name]
		sd := StageDescription{Config: rt.cfg, DeploymentID: rt.base.dep.id}
		sd.Config.Variables = maps.Clone(rt.cfg.Variables)
		sd.Config.MethodSettings = maps.Clone(rt.cfg.MethodSettings)
		if c := rt.cfg.Canary; c != nil {
			cc := *c
			cc.Variables = maps.Clone(c.Variables)
			sd.Config.Canary = &cc
		}
		if rt.canary != nil {
			sd.CanaryDeploymentID = rt.canary.dep.id
		}
		for _, r := range rt.base.routes {
			sd.Routes = append(sd.Routes, RouteDescription{Method: r.method, Resource: r.resourcePath, Phases: slices.Clone(r.phases)})
		}
		d.Stages = append(d.Stages, sd)
	}
	deps := slices.SortedFunc(maps.Values(st.deployments), byCreation)
	for _, dep := range deps {
		d.Deployments = append(d.Deployments, DeploymentDescription{ID: dep.id, Description: dep.description, Created: dep.created})
	}
	return d
}

// CacheStore returns the store of the gateway's stage cache, nil without
// one: for its size (cache.MemoryStore's Len and Bytes) on a console.
func (g *Gateway) CacheStore() cache.Store {
	if g.cache == nil {
		return nil
	}
	return g.cache.shared.Store()
}
