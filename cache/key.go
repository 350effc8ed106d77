package cache

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/paramexpr"
)

// Key identifies one cached response the way AWS builds cache keys: the
// stage, the HTTP method, the resource path template and the values of the
// method's declared cache key parameters. Build one to [Cache.Invalidate] an
// entry from Go:
//
//	c.Invalidate(ctx, cache.Key{Stage: "prod", Method: "GET", Resource: "/artists/{id}",
//		Params: map[string][]string{"method.request.path.id": {"1234"}}})
type Key struct {
	// Stage is apigw.Context.Stage ("" for a Cache used without gateway).
	Stage string
	// Canary selects the canary's own entries under Config.SeparateCanary.
	Canary bool
	// Method is the HTTP method, "GET".
	Method string
	// Resource is the resource path template, apigw.Context.ResourcePath
	// ("/artists/{id}"); for a Cache used without gateway, the request's
	// URL path ("/artists/1234").
	Resource string
	// Params maps each declared cache key parameter that the request
	// carried, by its AWS name (method.request.path.id,
	// method.request.querystring.lang, method.request.header.Accept), to its
	// values in request order. A parameter the request did not carry is
	// left out.
	Params map[string][]string
}

// Key returns the string under which the Store keeps the entry of k.
func (c *Cache) Key(k Key) (string, error) {
	type kv struct {
		label  string
		values []string
	}
	params := make([]kv, 0, len(k.Params))
	for name, vs := range k.Params {
		p, err := parseKeyParameter(name)
		if err != nil {
			return "", fmt.Errorf("cache: Key.Params[%q]: %w", name, err)
		}
		if len(vs) > 0 {
			params = append(params, kv{p.label, vs})
		}
	}
	slices.SortFunc(params, func(a, b kv) int { return strings.Compare(a.label, b.label) })
	for i := 1; i < len(params); i++ {
		if params[i].label == params[i-1].label {
			return "", fmt.Errorf("cache: Key.Params: %s given twice", params[i].label)
		}
	}
	b := c.appendKeyHead(nil, k.Stage, k.Canary, k.Method, k.Resource)
	for _, p := range params {
		for _, v := range p.values {
			b = appendField(b, p.label)
			b = appendField(b, v)
		}
	}
	return string(b), nil
}

// The layout of a key, every field written as <decimal length>:<bytes> so
// that no choice of values can make two different requests share a key:
//
//	Namespace "|" stage variant method resource { param-name value }
//
// where variant is "" or "canary" and one param-name/value pair is written
// per value, parameters in the order of their AWS names and values in
// request order. Flush deletes the prefix up to and including the stage.
func (c *Cache) appendKeyHead(b []byte, stage string, canary bool, method, resource string) []byte {
	b = append(b, c.ns...)
	b = appendField(b, stage)
	if canary && c.separateCanary {
		b = appendField(b, "canary")
	} else {
		b = appendField(b, "")
	}
	b = appendField(b, method)
	return appendField(b, resource)
}

func appendField(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// keyParam is one declared cache key parameter.
type keyParam struct {
	expr  paramexpr.Expr
	label string // the canonical AWS name, written into keys
	field string // label as a key field, precomputed
}

// parseKeyParameter parses an AWS cache key parameter name:
// method.request.path.<name>, method.request.querystring.<name> or
// method.request.header.<name> (also multivaluequerystring and
// multivalueheader, the same here: a key holds every value).
func parseKeyParameter(s string) (keyParam, error) {
	e, err := paramexpr.Parse(s, paramexpr.RequestParameters)
	if err != nil {
		return keyParam{}, err
	}
	switch e.Kind {
	case paramexpr.RequestMultiQuery:
		e.Kind = paramexpr.RequestQuery
	case paramexpr.RequestMultiHeader:
		e.Kind = paramexpr.RequestHeader
	}
	label := strings.TrimSuffix(e.Kind.String(), "<name>") + e.Name
	return keyParam{expr: e, label: label}, nil
}

// parseKeyParameters parses a method's declared cache key parameters into
// the order keys are written in.
func parseKeyParameters(names []string) ([]keyParam, error) {
	params := make([]keyParam, 0, len(names))
	for i, s := range names {
		p, err := parseKeyParameter(s)
		if err != nil {
			return nil, fmt.Errorf("cache: KeyParameters[%d]: %w", i, err)
		}
		for _, q := range params {
			if q.label == p.label {
				return nil, fmt.Errorf("cache: KeyParameters[%d] %q: declared twice", i, s)
			}
		}
		p.field = string(appendField(nil, p.label))
		params = append(params, p)
	}
	slices.SortFunc(params, func(a, b keyParam) int { return strings.Compare(a.label, b.label) })
	return params, nil
}

// appendRequestKey appends the key of r, whose HTTP method is method, to b.
func (c *Cache) appendRequestKey(b []byte, r *http.Request, ac *apigw.Context, method string, params []keyParam) []byte {
	resource := ac.ResourcePath
	if resource == "" {
		// Without a router there is no template: the concrete path in its
		// escaped form (which tells /a%2Fb from /a/b without allocating
		// for ordinary paths).
		resource = r.URL.EscapedPath()
	}
	b = c.appendKeyHead(b, ac.Stage, ac.IsCanaryRequest, method, resource)
	if len(params) == 0 {
		return b
	}
	req := paramexpr.Request{Header: r.Header, RawQuery: r.URL.RawQuery, PathParameters: ac.PathParameters}
	var buf [4]string
	for i := range params {
		p := &params[i]
		for _, v := range p.expr.AppendValues(buf[:0], &req) {
			b = append(b, p.field...)
			b = appendField(b, v)
		}
	}
	return b
}
