// Package paramexpr is the one parser of API Gateway's parameter
// expressions: the names AWS writes for request parameters, cache key
// parameters, identity sources, parameter mappings and gateway-response
// headers (method.request.header.<name>, context.<var>,
// stageVariables.<name>, integration.response.body.<path>, 'literal', ...),
// and of the $-substitution templates of gateway responses and mock
// integrations ($context.requestId, ${stageVariables.v}). Each place that
// accepts expressions says which kinds it accepts ([Set]); every phase parses
// with [Parse], so a misspelled expression gets the same message wherever it
// is written, at build time.
//
// Resolution reads a [Request]: the method request, the request's
// $context, and for integration.response.* the integration's answer.
package paramexpr

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Kind is what an expression names.
type Kind uint8

// The kinds of expression.
const (
	Literal              Kind = iota + 1 // 'text'
	Context                              // context.<var>
	StageVariable                        // stageVariables.<name>
	RequestPath                          // method.request.path.<name>
	RequestQuery                         // method.request.querystring.<name>
	RequestMultiQuery                    // method.request.multivaluequerystring.<name>
	RequestHeader                        // method.request.header.<name>
	RequestMultiHeader                   // method.request.multivalueheader.<name>
	RequestBody                          // method.request.body[.<path>]
	ResponseHeader                       // integration.response.header.<name>
	ResponseMultiHeader                  // integration.response.multivalueheader.<name>
	ResponseBody                         // integration.response.body[.<path>]
	IntegrationHeader                    // integration.request.header.<name> (a target)
	IntegrationQuery                     // integration.request.querystring.<name> (a target)
	IntegrationPath                      // integration.request.path.<name> (a target)
	MethodResponseHeader                 // method.response.header.<name> (a target)
	RequestURLPath                       // $request.path: the request path without the stage (HTTP APIs)
	numKinds
)

// forms are the kinds as AWS writes them, for parsing and messages.
var forms = [numKinds]string{
	Literal:              "'literal'",
	Context:              "context.<var>",
	StageVariable:        "stageVariables.<name>",
	RequestPath:          "method.request.path.<name>",
	RequestQuery:         "method.request.querystring.<name>",
	RequestMultiQuery:    "method.request.multivaluequerystring.<name>",
	RequestHeader:        "method.request.header.<name>",
	RequestMultiHeader:   "method.request.multivalueheader.<name>",
	RequestBody:          "method.request.body[.<path>]",
	ResponseHeader:       "integration.response.header.<name>",
	ResponseMultiHeader:  "integration.response.multivalueheader.<name>",
	ResponseBody:         "integration.response.body[.<path>]",
	IntegrationHeader:    "integration.request.header.<name>",
	IntegrationQuery:     "integration.request.querystring.<name>",
	IntegrationPath:      "integration.request.path.<name>",
	MethodResponseHeader: "method.response.header.<name>",
	RequestURLPath:       "$request.path",
}

// prefixes maps the kinds that take a name to the text before it.
var prefixes = [numKinds]string{
	Context:              "context.",
	StageVariable:        "stageVariables.",
	RequestPath:          "method.request.path.",
	RequestQuery:         "method.request.querystring.",
	RequestMultiQuery:    "method.request.multivaluequerystring.",
	RequestHeader:        "method.request.header.",
	RequestMultiHeader:   "method.request.multivalueheader.",
	ResponseHeader:       "integration.response.header.",
	ResponseMultiHeader:  "integration.response.multivalueheader.",
	IntegrationHeader:    "integration.request.header.",
	IntegrationQuery:     "integration.request.querystring.",
	IntegrationPath:      "integration.request.path.",
	MethodResponseHeader: "method.response.header.",
}

// httpAPIForms are HTTP APIs' spellings of the REST forms. An HTTP API
// reads every value of a repeated header or query parameter, joined with
// commas: the multi-value kinds.
var httpAPIForms = [...]struct{ http, rest string }{
	{"$request.header.", "method.request.multivalueheader."},
	{"$request.querystring.", "method.request.multivaluequerystring."},
	{"$request.path.", "method.request.path."},
	{"$request.body", "method.request.body"},
	{"$context.", "context."},
	{"$stageVariables.", "stageVariables."},
	{"$response.header.", "integration.response.multivalueheader."},
	{"$response.body", "integration.response.body"},
}

// String is the kind as AWS writes it: method.request.header.<name>.
func (k Kind) String() string {
	if k == 0 || k >= numKinds {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return forms[k]
}

// IsHeader reports whether the kind names a header.
func (k Kind) IsHeader() bool {
	switch k {
	case RequestHeader, RequestMultiHeader, ResponseHeader, ResponseMultiHeader, IntegrationHeader, MethodResponseHeader:
		return true
	}
	return false
}

// Set is a set of kinds: those a place accepts.
type Set uint32

// Kinds returns the set of ks.
func Kinds(ks ...Kind) Set {
	var s Set
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

// Has reports whether k is in s.
func (s Set) Has(k Kind) bool { return s&(1<<k) != 0 }

// String lists the forms of s, as messages name what a place accepts.
func (s Set) String() string {
	var names []string
	for k := Kind(1); k < numKinds; k++ {
		if s.Has(k) {
			names = append(names, forms[k])
		}
	}
	switch len(names) {
	case 0:
		return "nothing"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// The sets of the places that take expressions.
var (
	// RequestParameters are a method's declared request parameters
	// (validators, cache keys).
	RequestParameters = Kinds(RequestPath, RequestQuery, RequestMultiQuery, RequestHeader, RequestMultiHeader)
	// GatewayResponseValues are the header values of a gateway response.
	GatewayResponseValues = Kinds(Literal, Context, StageVariable, RequestHeader, RequestQuery, RequestPath)
	// IdentitySources are a Lambda REQUEST authorizer's identity sources
	// (AWS never takes path parameters there).
	IdentitySources = Kinds(RequestHeader, RequestMultiHeader, RequestQuery, RequestMultiQuery, StageVariable, Context)
	// RequestValues are the values of an integration request's parameter
	// mappings.
	RequestValues = Kinds(Literal, Context, StageVariable, RequestPath, RequestQuery, RequestMultiQuery,
		RequestHeader, RequestMultiHeader, RequestBody)
	// ResponseValues are the values of a method response's header
	// mappings.
	ResponseValues = Kinds(Literal, Context, StageVariable, ResponseHeader, ResponseMultiHeader, ResponseBody)
	// RequestTargets are what an integration request's mappings set.
	RequestTargets = Kinds(IntegrationHeader, IntegrationQuery, IntegrationPath)
	// ResponseTargets are what a method response's mappings set.
	ResponseTargets = Kinds(MethodResponseHeader)
)

// Expr is one parsed expression.
type Expr struct {
	Kind Kind
	// Name is the parameter, variable or header name (headers in canonical
	// form), or a Literal's text.
	Name string
	// Path is a body expression's JSONPath after "body."; nil is the whole
	// body.
	Path []Step
	// Text is the expression as written.
	Text string
}

// Step is one step of a body expression's JSONPath: a member name, or an
// array index when Index is not negative.
type Step struct {
	Key   string
	Index int
}

// ErrSyntax is wrapped by every error of Parse and ParseTemplate.
var ErrSyntax = errors.New("not a parameter expression")

// Parse parses s where the kinds of allowed are accepted.
func Parse(s string, allowed Set) (Expr, error) {
	e, err := parse(s)
	if err == nil && !allowed.Has(e.Kind) {
		err = fmt.Errorf("%s is not allowed here", e.Kind)
	}
	if err != nil {
		return Expr{}, fmt.Errorf("%q: %w: %v; want %s", s, ErrSyntax, err, allowed)
	}
	return e, nil
}

func parse(s string) (Expr, error) {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return Expr{Kind: Literal, Name: s[1 : len(s)-1], Text: s}, nil
	}
	if s == "$request.path" {
		return Expr{Kind: RequestURLPath, Text: s}, nil
	}
	if strings.HasPrefix(s, "$") {
		// An HTTP API's spelling: $request.header.X for method.request.header.X.
		for _, alias := range httpAPIForms {
			if rest, ok := strings.CutPrefix(s, alias.http); ok {
				e, err := parse(alias.rest + rest)
				e.Text = s
				return e, err
			}
		}
		return Expr{}, errors.New("unknown form")
	}
	for _, body := range [...]struct {
		name string
		kind Kind
	}{{"method.request.body", RequestBody}, {"integration.response.body", ResponseBody}} {
		if s == body.name {
			return Expr{Kind: body.kind, Text: s}, nil
		}
		if p, ok := strings.CutPrefix(s, body.name+"."); ok {
			path, err := parsePath(p)
			if err != nil {
				return Expr{}, err
			}
			return Expr{Kind: body.kind, Path: path, Text: s}, nil
		}
	}
	for k := Kind(1); k < numKinds; k++ {
		name, ok := strings.CutPrefix(s, prefixes[k])
		if !ok || prefixes[k] == "" {
			continue
		}
		switch {
		case k == Context:
			if !ValidContextVar(name) {
				return Expr{}, fmt.Errorf("unknown $context variable %q", name)
			}
		case k == StageVariable:
			if !validStageVariable(name) {
				return Expr{}, fmt.Errorf("stage variable name %q: want 1 to 64 of A-Z a-z 0-9 _", name)
			}
		case k.IsHeader():
			if !validToken(name) {
				return Expr{}, fmt.Errorf("%q is not a header name", name)
			}
			name = http.CanonicalHeaderKey(name)
		default:
			if !validParamName(name) {
				return Expr{}, fmt.Errorf("parameter name %q: want A-Z a-z 0-9 . _ $ -", name)
			}
		}
		return Expr{Kind: k, Name: name, Text: s}, nil
	}
	return Expr{}, errors.New("unknown form")
}

// parsePath parses the JSONPath AWS accepts after body.: names separated
// by dots, [n] indexes and ['quoted'] names.
func parsePath(p string) ([]Step, error) {
	var path []Step
	for i := 0; i < len(p); {
		switch c := p[i]; {
		case c == '.':
			if i == 0 || i+1 >= len(p) || p[i+1] == '.' || p[i+1] == '[' {
				return nil, fmt.Errorf("JSONPath %q: empty name at offset %d", p, i)
			}
			i++
		case c == '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("JSONPath %q: [ without ] at offset %d", p, i)
			}
			inner := p[i+1 : i+end]
			switch {
			case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
				path = append(path, Step{Key: inner[1 : len(inner)-1], Index: -1})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("JSONPath %q: [%s] is neither an index nor a 'quoted' name", p, inner)
				}
				path = append(path, Step{Index: n})
			}
			i += end + 1
		default:
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			path = append(path, Step{Key: p[i:j], Index: -1})
			i = j
		}
	}
	if len(path) == 0 {
		return nil, errors.New("empty JSONPath")
	}
	return path, nil
}

// validParamName is AWS's parameter name pattern ^[a-zA-Z0-9._$-]+$.
func validParamName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || c == '.' || c == '_' || c == '$' || c == '-') {
			return false
		}
	}
	return s != ""
}

// validStageVariable is AWS's stage variable name rule.
func validStageVariable(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

// validToken reports whether s is an HTTP token (RFC 9110): a header name.
func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && strings.IndexByte("!#$%&'*+-.^_`|~", s[i]) < 0 {
			return false
		}
	}
	return s != ""
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
