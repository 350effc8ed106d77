package mapping

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/apigw/apigw"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// sourceKind says where a parameter mapping takes its value.
type sourceKind uint8

const (
	srcLiteral sourceKind = iota
	srcContext
	srcStageVariable
	srcRequestHeader
	srcRequestMultiHeader
	srcRequestQuery
	srcRequestMultiQuery
	srcRequestPath
	srcRequestBody
	srcResponseHeader
	srcResponseMultiHeader
	srcResponseBody
)

// source is the right-hand side of a parameter mapping, parsed at build
// time: 'literal', context.<var>, stageVariables.<name>,
// method.request.(path|querystring|multivaluequerystring|header|multivalueheader).<name>,
// method.request.body[.<path>], integration.response.(header|multivalueheader).<name>
// or integration.response.body[.<path>].
type source struct {
	kind sourceKind
	name string
	path jsonPath // body sources: nil is the whole body
}

type side uint8

const (
	requestSide side = iota
	responseSide
)

var prefixes = []struct {
	prefix string
	kind   sourceKind
	side   side
}{
	{"method.request.header.", srcRequestHeader, requestSide},
	{"method.request.multivalueheader.", srcRequestMultiHeader, requestSide},
	{"method.request.querystring.", srcRequestQuery, requestSide},
	{"method.request.multivaluequerystring.", srcRequestMultiQuery, requestSide},
	{"method.request.path.", srcRequestPath, requestSide},
	{"integration.response.header.", srcResponseHeader, responseSide},
	{"integration.response.multivalueheader.", srcResponseMultiHeader, responseSide},
}

// parseSource parses v as AWS writes a mapping value for the given side
// of the integration.
func parseSource(v string, s side) (source, error) {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return source{kind: srcLiteral, name: v[1 : len(v)-1]}, nil
	}
	if name, ok := strings.CutPrefix(v, "context."); ok {
		if !apigw.ValidContextVar(name) {
			return source{}, fmt.Errorf("unknown context variable %q", v)
		}
		return source{kind: srcContext, name: name}, nil
	}
	if name, ok := strings.CutPrefix(v, "stageVariables."); ok && name != "" {
		return source{kind: srcStageVariable, name: name}, nil
	}
	body, bodyKind := "method.request.body", srcRequestBody
	if s == responseSide {
		body, bodyKind = "integration.response.body", srcResponseBody
	}
	if v == body {
		return source{kind: bodyKind}, nil
	}
	if p, ok := strings.CutPrefix(v, body+"."); ok {
		path, err := parseJSONPath(p)
		if err != nil {
			return source{}, fmt.Errorf("%q: %w", v, err)
		}
		return source{kind: bodyKind, path: path}, nil
	}
	for _, p := range prefixes {
		if name, ok := strings.CutPrefix(v, p.prefix); ok && name != "" && p.side == s {
			if !validParamName(name) {
				return source{}, fmt.Errorf("%q: bad parameter name", v)
			}
			return source{kind: p.kind, name: name}, nil
		}
	}
	want := "method.request.(path|querystring|multivaluequerystring|header|multivalueheader).<name>, method.request.body"
	if s == responseSide {
		want = "integration.response.(header|multivalueheader).<name>, integration.response.body"
	}
	return source{}, fmt.Errorf("%q is not a 'quoted literal', context.<var>, stageVariables.<name>, %s or %s.<path>", v, want, body)
}

// validParamName is AWS's parameter name pattern ^[a-zA-Z0-9._$-]+$.
func validParamName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isIdentByte(c) || c == '.' || c == '$' || c == '-') {
			return false
		}
	}
	return s != ""
}

// resolve returns the values src names; nil when there is none.
func (src *source) resolve(a *activation, respHeader http.Header) []string {
	switch src.kind {
	case srcLiteral:
		return []string{src.name}
	case srcContext:
		v, ok := a.c.Var(src.name)
		if !ok {
			return nil
		}
		return []string{v}
	case srcStageVariable:
		v, ok := a.c.StageVariables[src.name]
		if !ok {
			return nil
		}
		return []string{v}
	case srcRequestHeader:
		return first(a.header().m, src.name, true)
	case srcRequestMultiHeader:
		return all(a.header().m, src.name, true)
	case srcRequestQuery:
		return first(a.query().m, src.name, false)
	case srcRequestMultiQuery:
		return all(a.query().m, src.name, false)
	case srcRequestPath:
		v, ok := a.c.PathParameters[src.name]
		if !ok {
			return nil
		}
		return []string{v}
	case srcResponseHeader:
		return first(respHeader, src.name, true)
	case srcResponseMultiHeader:
		return all(respHeader, src.name, true)
	case srcRequestBody, srcResponseBody:
		if src.path == nil {
			return []string{string(a.bodyString())}
		}
		doc, err := a.parsed()
		if err != nil {
			return nil
		}
		v, ok := src.path.lookup(doc)
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
	}
	return nil
}

func first(m map[string][]string, name string, header bool) []string {
	vs := all(m, name, header)
	if len(vs) > 1 {
		return vs[:1]
	}
	return vs
}

func all(m map[string][]string, name string, header bool) []string {
	if m == nil {
		return nil
	}
	if header {
		return http.Header(m).Values(name)
	}
	return m[name]
}

// jsonPath is the JSONPath AWS accepts after method.request.body. and
// integration.response.body. (without the leading $.): names separated by
// dots, [n] indexes and ['quoted'] names.
type jsonPath []pathStep

type pathStep struct {
	key   string
	index int // -1 for a key
}

func parseJSONPath(p string) (jsonPath, error) {
	var path jsonPath
	for i := 0; i < len(p); {
		switch c := p[i]; {
		case c == '.':
			if i == 0 || i+1 >= len(p) || p[i+1] == '.' || p[i+1] == '[' {
				return nil, fmt.Errorf("offset %d: empty name", i)
			}
			i++
		case c == '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("offset %d: [ without ]", i)
			}
			inner := p[i+1 : i+end]
			switch {
			case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
				path = append(path, pathStep{key: inner[1 : len(inner)-1], index: -1})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("offset %d: [%s] is neither an index nor a 'quoted' name", i, inner)
				}
				path = append(path, pathStep{index: n})
			}
			i += end + 1
		default:
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			path = append(path, pathStep{key: p[i:j], index: -1})
			i = j
		}
	}
	if len(path) == 0 {
		return nil, errors.New("empty path")
	}
	return path, nil
}

// lookup follows the path through a JSON value.
func (p jsonPath) lookup(v ref.Val) (ref.Val, bool) {
	for _, s := range p {
		switch x := v.(type) {
		case traits.Mapper:
			if s.index >= 0 {
				return nil, false
			}
			var ok bool
			if v, ok = x.Find(types.String(s.key)); !ok {
				return nil, false
			}
		case traits.Lister:
			if s.index < 0 || types.Int(s.index) >= x.Size().(types.Int) {
				return nil, false
			}
			v = x.Get(types.Int(s.index))
		default:
			return nil, false
		}
		if types.IsError(v) {
			return nil, false
		}
	}
	return v, true
}
