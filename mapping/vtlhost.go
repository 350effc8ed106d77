package mapping

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/apigw/apigw/internal/authzvalue"
	"github.com/apigw/apigw/internal/jsontape"
	"github.com/apigw/apigw/internal/paramexpr"
	"github.com/apigw/apigw/internal/vtl"
)

// What a VTL template sees: $input, $context, $stageVariables and $util,
// resolved from the activation when the template reads them.

// Lookup implements vtl.Vars.
func (a *activation) Lookup(name string) (any, bool) {
	v, ok, _ := a.LookupFixed(name)
	return v, ok
}

// LookupFixed implements vtl.FixedVars: $input, $context and $util are
// views of the request that keep no state of their own, the same through
// an evaluation. $stageVariables is not: it is a new map each time.
func (a *activation) LookupFixed(name string) (any, bool, bool) {
	switch name {
	case "input":
		return (*vtlInput)(a), true, true
	case "context":
		return a.vtlContext(""), true, true
	case "stageVariables":
		return stringsMap(a.c.StageVariables), true, false
	case "util":
		return vtlUtil{}, true, true
	}
	return nil, false, true
}

var _ vtl.FixedVars = (*activation)(nil)

// vtlInput is $input.
type vtlInput activation

var _ vtl.Appender = (*vtlInput)(nil)

func (in *vtlInput) a() *activation { return (*activation)(in) }

// Get implements vtl.Object: $input.body.
func (in *vtlInput) Get(name string) (any, bool) {
	if name != "body" {
		return nil, false
	}
	s := string(in.a().bodyString())
	if in.a().bodyErr != nil {
		return nil, false
	}
	if s == "" {
		s = "{}" // API Gateway gives an empty body as {}
	}
	return s, true
}

// Call implements vtl.Object: path, json and params.
func (in *vtlInput) Call(name string, args []any) (any, error) {
	a := in.a()
	switch {
	case name == "path" && len(args) == 1, name == "json" && len(args) == 1:
		v, ok, err := in.path(args[0])
		if err != nil {
			return nil, err
		}
		if name == "path" {
			if !ok {
				return nil, nil
			}
			return v, nil
		}
		if !ok {
			return `""`, nil
		}
		return jsonString(v), nil
	case name == "params" && len(args) == 0:
		m := vtl.NewMap(3)
		m.Put("path", stringsMap(a.c.PathParameters))
		m.Put("querystring", valuesToMap(a.query().m))
		m.Put("header", valuesToMap(a.header().m))
		return m, nil
	case name == "params" && len(args) == 1:
		key := vtl.ToString(args[0])
		if v, ok := a.c.PathParameters[key]; ok {
			return v, nil
		}
		if v, ok := a.query().lookup(key); ok {
			return v, nil
		}
		if v, ok := a.header().lookup(key); ok {
			return v, nil
		}
		return "", nil
	}
	return nil, vtl.ErrNoMethod
}

// jsonScratch holds buffers in which jsonString writes.
var jsonScratch = sync.Pool{New: func() any { return new([]byte) }}

// jsonString is v as JSON ($input.json, $util.toJson): written in a pooled
// buffer, then copied, so that the string is the only allocation and
// keeps nothing of the buffer.
func jsonString(v any) string {
	bp := jsonScratch.Get().(*[]byte)
	b := vtl.AppendJSON((*bp)[:0], v, false)
	s := string(b)
	if cap(b) <= 64<<10 {
		*bp = b
		jsonScratch.Put(bp)
	}
	return s
}

// path evaluates the JSONPath of $input.path and $input.json on the body.
func (in *vtlInput) path(path any) (v any, ok bool, err error) {
	d, err := in.a().vtlTape()
	if err != nil {
		return nil, false, err
	}
	root := any(nil)
	if d.Nodes() > 0 {
		root = d.value(0)
	}
	if root == nil && jsontape.IsBlank(d.Text()) { // a blank body reads as {}, as in API Gateway
		root = vtl.NewMap(0)
	}
	return vtl.EvalPath(vtl.ToString(path), root)
}

// AppendCall implements vtl.Appender: $input.json writes its JSON into
// the template's output, as Call's string would be written.
func (in *vtlInput) AppendCall(b []byte, name string, args []any) ([]byte, bool, error) {
	if name != "json" || len(args) != 1 {
		return b, false, nil
	}
	v, ok, err := in.path(args[0])
	if err != nil {
		return b, false, err
	}
	if !ok {
		return append(b, `""`...), true, nil
	}
	return vtl.AppendJSON(b, v, false), true, nil
}

// stringsMap is a map(string, string) as a template's map, keys sorted.
func stringsMap(m map[string]string) *vtl.Map {
	out := vtl.NewMap(len(m))
	for _, k := range sortedKeys(m) {
		out.Put(k, m[k])
	}
	return out
}

// valuesToMap is query values or headers as a template's map: each name
// with its first value, names sorted.
func valuesToMap(m map[string][]string) *vtl.Map {
	out := vtl.NewMap(len(m))
	for _, k := range sortedKeys(m) {
		if vs := m[k]; len(vs) > 0 {
			out.Put(k, vs[0])
		}
	}
	return out
}

// contextTree lists, for each dotted prefix of the $context variables
// ("" and "identity." and so on), the names one level below it.
var contextTree = sync.OnceValue(func() map[string][]string {
	tree := map[string][]string{}
	for _, name := range paramexpr.ContextVars() {
		prefix := ""
		for {
			head, rest, ok := strings.Cut(name, ".")
			if !slices.Contains(tree[prefix], head) {
				tree[prefix] = append(tree[prefix], head)
			}
			if !ok {
				break
			}
			prefix += head + "."
			name = rest
		}
	}
	for _, names := range tree {
		slices.Sort(names)
	}
	return tree
})

// vtlContext returns $context (prefix "") or one of its branches
// ($context.identity: prefix "identity.").
func (a *activation) vtlContext(prefix string) any {
	switch prefix {
	case "requestOverride.":
		return a.overrides().request
	case "responseOverride.":
		return a.overrides().response
	case "authorizer.":
		return a.vtlAuthorizer()
	}
	return &vtlContextMap{a: a, prefix: prefix}
}

// vtlContextMap is $context or a branch of it, read through
// apigw.Context.Var.
type vtlContextMap struct {
	a      *activation
	prefix string
}

// Len implements vtl.MapValue.
func (m *vtlContextMap) Len() int { return len(contextTree()[m.prefix]) }

// Get implements vtl.MapValue.
func (m *vtlContextMap) Get(key string) (any, bool) {
	name := m.prefix + key
	if _, ok := contextTree()[name+"."]; ok || name == "requestOverride" || name == "responseOverride" || name == "authorizer" {
		return m.a.vtlContext(name + "."), true
	}
	v, ok := m.a.c.Var(name)
	if !ok {
		return nil, false
	}
	return v, true
}

// Range implements vtl.MapValue.
func (m *vtlContextMap) Range(f func(key string, v any) bool) {
	for _, k := range contextTree()[m.prefix] {
		v, _ := m.Get(k)
		if !f(k, v) {
			return
		}
	}
}

// vtlAuthorizer is $context.authorizer: principalId, claims and a Lambda
// authorizer's context keys, as strings.
func (a *activation) vtlAuthorizer() *vtl.Map {
	az := &a.c.Authorizer
	m := vtl.NewMap(len(az.Context) + 2)
	m.Put("principalId", az.PrincipalID)
	for _, k := range sortedKeys(az.Context) {
		m.Put(k, authzvalue.String(az.Context[k]))
	}
	claims := vtl.NewMap(len(az.Claims))
	for _, k := range sortedKeys(az.Claims) {
		claims.Put(k, authzvalue.String(az.Claims[k]))
	}
	m.Put("claims", claims)
	return m
}

// Overrides are what a VTL template set in $context.requestOverride and
// $context.responseOverride: the request template's carry to the
// response template and to the answer, as in API Gateway.
type overrides struct {
	request  *vtl.Map // header, path, querystring
	response *vtl.Map // header, status
}

func newOverrides() *overrides {
	o := &overrides{request: vtl.NewMap(3), response: vtl.NewMap(2)}
	o.request.Put("header", vtl.NewMap(0))
	o.request.Put("path", vtl.NewMap(0))
	o.request.Put("querystring", vtl.NewMap(0))
	o.response.Put("header", vtl.NewMap(0))
	return o
}

// overrides returns the request's overrides: those a request template
// set (carried in the request's context, see [Request.NewHTTPRequest]),
// else new ones.
func (a *activation) overrides() *overrides {
	if a.ovr == nil {
		a.ovr = carriedOverrides(a.r)
	}
	if a.ovr == nil {
		a.ovr = newOverrides()
	}
	return a.ovr
}

type overridesKeyType struct{}

// overridesKey carries a request template's overrides in the integration
// request's context, to the response mapping.
var overridesKey overridesKeyType

func carriedOverrides(r *http.Request) *overrides {
	if r == nil {
		return nil
	}
	o, _ := r.Context().Value(overridesKey).(*overrides)
	return o
}

// strings returns the values set in one override map (header, path,
// querystring) as a name → values table: a list sets several values.
func overrideValues(m *vtl.Map, name string) map[string][]string {
	sub, _ := m.Get(name)
	sm, ok := sub.(*vtl.Map)
	if !ok || sm.Len() == 0 {
		return nil
	}
	out := make(map[string][]string, sm.Len())
	sm.Range(func(k string, v any) bool {
		switch v := v.(type) {
		case nil:
		case vtl.ListValue:
			for i := 0; i < v.Len(); i++ {
				out[k] = append(out[k], vtl.ToString(v.Index(i)))
			}
		default:
			out[k] = []string{vtl.ToString(v)}
		}
		return true
	})
	return out
}

// vtlUtil is $util.
type vtlUtil struct{}

var _ vtl.StringFuncs = vtlUtil{}

// Get implements vtl.Object: $util has no properties.
func (vtlUtil) Get(string) (any, bool) { return nil, false }

// Call implements vtl.Object.
func (u vtlUtil) Call(name string, args []any) (any, error) {
	if len(args) != 1 {
		return nil, vtl.ErrNoMethod
	}
	if name == "toJson" {
		return jsonString(args[0]), nil
	}
	s := vtl.ToString(args[0])
	if args[0] == nil {
		s = ""
	}
	switch name {
	case "escapeJavaScript":
		if e := escapeJavaScript(s); e != s {
			return e, nil
		}
		return args[0], nil // unchanged: no new string
	case "parseJson":
		d := new(jsontape.Doc)
		if err := d.Parse(s); err != nil {
			return nil, fmt.Errorf("$util.parseJson: %v", err)
		}
		return (&vtlDoc{Doc: d}).value(0), nil
	}
	if f := u.StringFunc(name); f != nil {
		r, err := f(s)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, vtl.ErrNoMethod
}

// StringFunc implements vtl.StringFuncs: the methods of $util from a
// string to a string, which Call calls too.
func (vtlUtil) StringFunc(name string) func(string) (string, error) {
	switch name {
	case "escapeJavaScript":
		return utilEscapeJavaScript
	case "urlEncode":
		return utilURLEncode
	case "urlDecode":
		return utilURLDecode
	case "base64Encode":
		return utilBase64Encode
	case "base64Decode":
		return utilBase64Decode
	case "escapeXml":
		return utilEscapeXML
	}
	return nil
}

func utilEscapeJavaScript(s string) (string, error) { return escapeJavaScript(s), nil }

func utilURLEncode(s string) (string, error) { return urlEncode(s), nil }

func utilURLDecode(s string) (string, error) {
	d, err := url.QueryUnescape(s)
	if err != nil {
		return "", fmt.Errorf("$util.urlDecode: %v", err)
	}
	return d, nil
}

func utilBase64Encode(s string) (string, error) {
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func utilBase64Decode(s string) (string, error) {
	d, err := base64Decode(s)
	if err != nil {
		return "", fmt.Errorf("$util.base64Decode: %v", err)
	}
	return d, nil
}

func utilEscapeXML(s string) (string, error) { return escapeXML(s), nil }

// status returns $context.responseOverride.status when a template set
// it, else def.
func (o *overrides) status(def int) (int, error) {
	v, ok := o.response.Get("status")
	if !ok || v == nil {
		return def, nil
	}
	s := vtl.ToString(v)
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, fmt.Errorf("mapping: $context.responseOverride.status %q is not an HTTP status", s)
	}
	return n, nil
}
