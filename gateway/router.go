package gateway

import (
	"fmt"
	"strings"
)

// methodANY is AWS's catch-all method.
const methodANY = "ANY"

var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "OPTIONS": true, methodANY: true,
}

// node is one segment of the resource tree. Matching prefers a literal
// segment, then a {param}, then a greedy {proxy+}, as AWS does.
type node struct {
	literals  map[string]*node
	param     *node
	paramName string
	greedy    *node // terminal: {name+}
	greedyKey string
	methods   map[string]*route // by HTTP method, methodANY included
}

func newNode() *node { return &node{} }

// resourceSegments splits and checks a resource path such as
// /artists/{id}/{proxy+}.
func resourceSegments(path string) ([]string, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("resource path %q must start with /", path)
	}
	if path == "/" {
		return nil, nil
	}
	segs := strings.Split(path[1:], "/")
	seen := map[string]bool{}
	for i, s := range segs {
		switch {
		case s == "":
			return nil, fmt.Errorf("resource path %q has an empty segment", path)
		case strings.HasPrefix(s, "{"):
			if !strings.HasSuffix(s, "}") || len(s) < 3 {
				return nil, fmt.Errorf("resource path %q: segment %q is not {name} or {name+}", path, s)
			}
			name := strings.TrimSuffix(s[1:len(s)-1], "+")
			if strings.HasSuffix(s, "+}") && i != len(segs)-1 {
				return nil, fmt.Errorf("resource path %q: greedy %q must be the last segment", path, s)
			}
			if !validParamName(name) {
				return nil, fmt.Errorf("resource path %q: parameter name %q must be letters, digits, '_' or '-'", path, name)
			}
			if seen[name] {
				return nil, fmt.Errorf("resource path %q: parameter %q appears twice", path, name)
			}
			seen[name] = true
		default:
			for _, r := range s {
				if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._:~@!$&'()*,;=", r)) {
					return nil, fmt.Errorf("resource path %q: segment %q has the character %q", path, s, r)
				}
			}
		}
	}
	return segs, nil
}

func validParamName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// add inserts rt at its resource path; it fails on a route defined twice or
// a parameter named differently from its sibling's.
func (n *node) add(segs []string, rt *route) error {
	cur := n
	for _, s := range segs {
		switch {
		case strings.HasSuffix(s, "+}"):
			name := s[1 : len(s)-2]
			if cur.greedy == nil {
				cur.greedy, cur.greedyKey = newNode(), name
			} else if cur.greedyKey != name {
				return fmt.Errorf("greedy parameter {%s+} conflicts with {%s+} at the same place", name, cur.greedyKey)
			}
			cur = cur.greedy
		case strings.HasPrefix(s, "{"):
			name := s[1 : len(s)-1]
			if cur.param == nil {
				cur.param, cur.paramName = newNode(), name
			} else if cur.paramName != name {
				return fmt.Errorf("parameter {%s} conflicts with {%s} at the same place", name, cur.paramName)
			}
			cur = cur.param
		default:
			if cur.literals == nil {
				cur.literals = map[string]*node{}
			}
			next := cur.literals[s]
			if next == nil {
				next = newNode()
				cur.literals[s] = next
			}
			cur = next
		}
	}
	if cur.methods == nil {
		cur.methods = map[string]*route{}
	}
	if _, dup := cur.methods[rt.method]; dup {
		return fmt.Errorf("route defined twice")
	}
	cur.methods[rt.method] = rt
	return nil
}

// match is the result of a lookup.
type match struct {
	route  *route
	params []param // in path order
}

type param struct{ name, value string }

// lookup finds the route for method and the request path: canonical,
// decoded, without the stage prefix.
//
// With byResource (REST APIs) the path alone chooses the resource, the
// most specific one that matches it, and the method is looked up there
// only: a method that resource lacks is no match, as on AWS, even when a
// less specific resource (a {param} or a {proxy+}) has it. Otherwise a
// public {proxy+} would serve the methods an authorizer-guarded resource
// does not define. Without it (HTTP APIs, whose routes are a method and a
// path together) the most specific route with the method matches.
func (n *node) lookup(method, path string, byResource bool, m *match) bool {
	path = strings.TrimPrefix(path, "/")
	return n.walk(method, path, byResource, m) && m.route != nil
}

// walk matches rest below n. It reports true when the search is over: a
// route was found, or (byResource) a resource matched whose method is
// missing, m.route nil.
func (n *node) walk(method, rest string, byResource bool, m *match) bool {
	// Skip empty segments ("//", a trailing "/").
	for strings.HasPrefix(rest, "/") {
		rest = rest[1:]
	}
	if rest == "" {
		m.route = n.methodFor(method)
		return m.route != nil || byResource
	}
	seg, tail, _ := strings.Cut(rest, "/")
	if next := n.literals[seg]; next != nil {
		if next.walk(method, tail, byResource, m) {
			return true
		}
	}
	if n.param != nil {
		mark := len(m.params)
		m.params = append(m.params, param{n.paramName, seg})
		if n.param.walk(method, tail, byResource, m) {
			return true
		}
		m.params = m.params[:mark]
	}
	if n.greedy != nil {
		if rt := n.greedy.methodFor(method); rt != nil || byResource {
			m.params = append(m.params, param{n.greedyKey, strings.TrimSuffix(rest, "/")})
			m.route = rt
			return true
		}
	}
	return false
}

func (n *node) methodFor(method string) *route {
	if rt := n.methods[method]; rt != nil {
		return rt
	}
	return n.methods[methodANY]
}
