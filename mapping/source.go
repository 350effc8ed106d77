package mapping

import (
	"net/http"

	"github.com/apigw/apigw/internal/paramexpr"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// source is the right-hand side of a parameter mapping, parsed at build
// time: 'literal', context.<var>, stageVariables.<name>,
// method.request.(path|querystring|multivaluequerystring|header|multivalueheader).<name>,
// method.request.body[.<path>], integration.response.(header|multivalueheader).<name>
// or integration.response.body[.<path>].
type source struct{ paramexpr.Expr }

type side uint8

const (
	requestSide side = iota
	responseSide
)

// parseSource parses v as AWS writes a mapping value for the given side
// of the integration.
func parseSource(v string, s side) (source, error) {
	allowed := paramexpr.RequestValues
	if s == responseSide {
		allowed = paramexpr.ResponseValues
	}
	e, err := paramexpr.Parse(v, allowed)
	return source{e}, err
}

// resolve returns the values src names; nil when there is none. A header
// or query parameter sent more than once gives its last value, a
// multi-value one all of them.
func (src *source) resolve(a *activation, respHeader http.Header) []string {
	switch src.Kind {
	case paramexpr.RequestBody, paramexpr.ResponseBody:
		if src.Path == nil {
			return []string{string(a.bodyString())}
		}
		doc, err := a.parsed()
		if err != nil {
			return nil
		}
		v, ok := lookup(src.Path, doc)
		if !ok {
			return nil
		}
		if s, ok := v.(types.String); ok {
			return []string{string(s)}
		}
		b, err := appendJSON(nil, v)
		if err != nil {
			return nil
		}
		return []string{string(b)}
	case paramexpr.RequestMultiHeader, paramexpr.RequestMultiQuery, paramexpr.ResponseMultiHeader:
		return src.Values(a.exprRequest(respHeader))
	}
	v, ok := src.Value(a.exprRequest(respHeader))
	if !ok {
		return nil
	}
	return []string{v}
}

// exprRequest is what parameter mappings read of the activation's request.
func (a *activation) exprRequest(respHeader http.Header) *paramexpr.Request {
	return &paramexpr.Request{Header: a.r.Header, RawQuery: a.r.URL.RawQuery, Context: a.c,
		StageVariables: a.c.StageVariables, PathParameters: a.c.PathParameters, ResponseHeader: respHeader}
}

// lookup follows a body expression's JSONPath through a JSON value.
func lookup(path []paramexpr.Step, v ref.Val) (ref.Val, bool) {
	for _, s := range path {
		switch x := v.(type) {
		case traits.Mapper:
			if s.Index >= 0 {
				return nil, false
			}
			var ok bool
			if v, ok = x.Find(types.String(s.Key)); !ok {
				return nil, false
			}
		case traits.Lister:
			if s.Index < 0 || types.Int(s.Index) >= x.Size().(types.Int) {
				return nil, false
			}
			v = x.Get(types.Int(s.Index))
		default:
			return nil, false
		}
		if types.IsError(v) {
			return nil, false
		}
	}
	return v, true
}
