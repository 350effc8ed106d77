package mapping

import (
	"net/http"
	"strings"
	"sync"

	"github.com/apigw/apigw"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"
)

// activation resolves a template's variables for one evaluation. It is a
// cel Activation backed by the request and its Context rather than a map
// of every variable: a name is computed only when the template reads it,
// and the body is parsed at most once. Activations are pooled.
type activation struct {
	r *http.Request
	c *apigw.Context
	// fromRequest: input.body and input.json are the method request's,
	// read and parsed once through the Context and shared with the
	// validator; else they are body, parsed here.
	fromRequest bool
	body        []byte

	bodyStr   string
	bodyDone  bool
	bodyErr   error // reading the request body failed
	json      any
	jsonErr   error // the body is not JSON
	jsonDone  bool
	queryMap  valuesMap
	headerMap valuesMap
	queryDone bool
}

var activations = sync.Pool{New: func() any { return new(activation) }}

var emptyContext = &apigw.Context{}

func newActivation(r *http.Request, c *apigw.Context, fromRequest bool, body []byte) *activation {
	a := activations.Get().(*activation)
	if c == nil {
		c = emptyContext
	}
	a.r, a.c, a.fromRequest, a.body = r, c, fromRequest, body
	return a
}

func (a *activation) release() {
	*a = activation{}
	activations.Put(a)
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case varBody:
		s := a.bodyString()
		if a.bodyErr != nil {
			return types.WrapErr(a.bodyErr), true
		}
		return s, true
	case varJSON:
		v, err := a.parsed()
		if err != nil {
			return types.WrapErr(err), true
		}
		return v, true
	case varPath:
		if a.c.PathParameters == nil {
			return emptyStrings, true
		}
		return a.c.PathParameters, true
	case varQuery:
		return a.query(), true
	case varHeader:
		return a.header(), true
	case varParams:
		path := a.c.PathParameters
		if path == nil {
			path = emptyStrings
		}
		return map[string]any{"path": path, "querystring": a.query(), "header": a.header()}, true
	case varStageVars:
		if a.c.StageVariables == nil {
			return emptyStrings, true
		}
		return a.c.StageVariables, true
	case varAuthorizer:
		return a.authorizer(), true
	case varClaims:
		if a.c.Authorizer.Claims == nil {
			return emptyAny, true
		}
		return a.c.Authorizer.Claims, true
	}
	name, ok := strings.CutPrefix(name, contextPrefix)
	if !ok {
		return nil, false
	}
	c := a.c
	switch name {
	case "integrationLatency":
		return types.Int(c.IntegrationLatency.Milliseconds()), true
	case "integrationStatus":
		return types.Int(c.IntegrationStatus), true
	case "isCanaryRequest":
		return types.Bool(c.IsCanaryRequest), true
	case "requestTimeEpoch":
		return types.Int(c.RequestTimeEpoch()), true
	case "responseLatency":
		return types.Int(c.ResponseLatency.Milliseconds()), true
	case "responseLength":
		return types.Int(c.ResponseLength), true
	case "status":
		return types.Int(c.Status), true
	}
	v, ok := c.Var(name)
	if !ok {
		return nil, false
	}
	return types.String(v), true
}

var (
	emptyStrings = map[string]string{}
	emptyAny     = map[string]any{}
)

func (a *activation) bodyString() types.String {
	if !a.bodyDone {
		a.bodyDone = true
		body := a.body
		if a.fromRequest {
			body, a.bodyErr = a.c.Body(a.r)
		}
		a.bodyStr = string(body)
	}
	return types.String(a.bodyStr)
}

// parsed is input.json: the body parsed once.
func (a *activation) parsed() (any, error) {
	if !a.jsonDone {
		a.jsonDone = true
		if a.fromRequest {
			if _, err := a.c.Body(a.r); err != nil {
				a.bodyErr = err
				a.jsonErr = err
			} else {
				a.json, a.jsonErr = a.c.JSON(a.r)
			}
		} else {
			a.json, a.jsonErr = parseJSON(a.body)
		}
	}
	return a.json, a.jsonErr
}

func (a *activation) query() *valuesMap {
	if !a.queryDone {
		a.queryDone = true
		if a.r != nil {
			a.queryMap.m = a.r.URL.Query()
		}
	}
	return &a.queryMap
}

func (a *activation) header() *valuesMap {
	if a.headerMap.m == nil && a.r != nil {
		a.headerMap = valuesMap{m: a.r.Header, header: true}
	}
	return &a.headerMap
}

// authorizer is context.authorizer: a Lambda-style authorizer's context
// keys, with principalId and claims beside them, as $context.authorizer
// holds them.
func (a *activation) authorizer() map[string]any {
	az := &a.c.Authorizer
	m := make(map[string]any, len(az.Context)+2)
	for k, v := range az.Context {
		m[k] = apigw.Stringify(v) // AWS exposes them as strings
	}
	m["principalId"] = az.PrincipalID
	if az.Claims != nil {
		m["claims"] = az.Claims
	} else {
		m["claims"] = emptyAny
	}
	return m
}
