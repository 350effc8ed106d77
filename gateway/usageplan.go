package gateway

import (
	"errors"
	"fmt"

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
	mw, err := reg.Middleware(usageplan.MethodSpec{
		APIID:          g.cfg.apiID,
		Stage:          st.Name,
		Resource:       resourcePath,
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
