package gateway

import (
	"errors"
	"fmt"
	"slices"

	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

// compileUsagePlan returns the method's API key, throttling and quota
// phase for a stage, or nil when nothing limits the method.
func (g *Gateway) compileUsagePlan(m Method, st *stage.Stage, resourcePath, method string) (middleware, error) {
	throttle := methodThrottle(st.For(resourcePath, method))
	reg := g.cfg.plans
	if reg == nil {
		if m.APIKeyRequired {
			return nil, errors.New("APIKeyRequired: set, but the gateway has no usage plans (gateway.WithUsagePlans)")
		}
		if throttle == nil {
			return nil, nil
		}
		reg = g.throttleOnly
	}
	resource := resourcePath
	if resource == stage.Default {
		// An HTTP API's $default route: the registry names resources
		// by path.
		resource = "/" + stage.Default
	}
	mw, err := reg.Middleware(usageplan.MethodSpec{
		APIID:          g.cfg.apiID,
		Stage:          st.Name,
		Resource:       resource,
		HTTPMethod:     method,
		APIKeyRequired: m.APIKeyRequired,
		Throttle:       throttle,
	})
	if err != nil {
		return nil, fmt.Errorf("usage plan: %w", err)
	}
	return mw, nil
}

// methodThrottle is a stage's throttling of one method, nil when unset.
func methodThrottle(ms stage.MethodSettings) *usageplan.Throttle {
	if ms.ThrottlingRateLimit == 0 && ms.ThrottlingBurstLimit == 0 {
		return nil
	}
	return &usageplan.Throttle{Rate: ms.ThrottlingRateLimit, Burst: ms.ThrottlingBurstLimit}
}

// checkPlansCover refuses usage plans that cover no stage of the gateway
// while some method needs an API key: every keyed request would get a 403
// that names no cause. Plans added later (the registry is live) are the
// user's to get right; a registry with no plan yet is accepted.
func checkPlansCover(cfg *config) error {
	if cfg.plans == nil || !slices.ContainsFunc(cfg.routes, func(r routeSpec) bool { return r.method.APIKeyRequired }) {
		return nil
	}
	plans := cfg.plans.Plans()
	if len(plans) == 0 {
		return nil
	}
	var covered []string
	for _, p := range plans {
		for _, as := range p.Stages {
			for _, s := range cfg.stages {
				if as.APIID == cfg.apiID && as.Stage == s.Name {
					return nil
				}
			}
			covered = append(covered, as.APIID+"/"+as.Stage)
		}
	}
	names := make([]string, len(cfg.stages))
	for i, s := range cfg.stages {
		names[i] = cfg.apiID + "/" + s.Name
	}
	return fmt.Errorf("gateway: WithUsagePlans: the usage plans cover the API stages %v, none of this gateway's %v (API id from WithAPIID, stages from WithStage): every request that needs an API key would be refused", covered, names)
}
