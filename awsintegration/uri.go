package awsintegration

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/apigw/apigw"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// target is an integration URI, parsed:
// arn:{partition}:apigateway:{region}:[{subdomain}.]{service}:(action|path)/{rest}.
type target struct {
	partition, region, subdomain, service string
	action                                string  // action style: the API action
	path                                  []piece // path style: the path template
}

// piece is a literal part of a path template or a hole in it.
type piece struct {
	literal  string // already escaped
	param    string // {param}: an integration request path parameter
	stageVar string // ${stageVariables.name}
}

func parseURI(uri string) (*target, error) {
	parts := strings.SplitN(uri, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "apigateway" || parts[1] == "" {
		return nil, fmt.Errorf("%q is not arn:aws:apigateway:REGION:SERVICE:(action|path)/...", uri)
	}
	t := &target{partition: parts[1], region: parts[3], service: parts[4]}
	if !validName(t.region) {
		return nil, fmt.Errorf("%q: bad region %q", uri, t.region)
	}
	if i := strings.LastIndexByte(t.service, '.'); i >= 0 {
		t.subdomain, t.service = t.service[:i], t.service[i+1:]
		if !validHost(t.subdomain) {
			return nil, fmt.Errorf("%q: bad subdomain %q", uri, t.subdomain)
		}
	}
	if !validName(t.service) {
		return nil, fmt.Errorf("%q: bad service %q", uri, t.service)
	}
	style, rest, ok := strings.Cut(parts[5], "/")
	switch {
	case ok && style == "action":
		if rest == "" || strings.ContainsAny(rest, "/?&=#") {
			return nil, fmt.Errorf("%q: bad action %q", uri, rest)
		}
		t.action = rest
	case ok && style == "path":
		p, err := parsePath(rest)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", uri, err)
		}
		t.path = p
	default:
		return nil, fmt.Errorf("%q: want action/ACTION or path/PATH after the service", uri)
	}
	return t, nil
}

// parsePath compiles the part of a path-style URI after "path/".
func parsePath(s string) ([]piece, error) {
	if strings.ContainsAny(s, "?#") {
		return nil, fmt.Errorf("path %q: a query or fragment belongs in the integration request's parameters", s)
	}
	var out []piece
	lit := func(l string) error {
		if l == "" {
			return nil
		}
		if _, err := url.PathUnescape(l); err != nil {
			return fmt.Errorf("path %q: %v", s, err)
		}
		out = append(out, piece{literal: l})
		return nil
	}
	for s != "" {
		i := strings.IndexAny(s, "{$")
		if i < 0 {
			return out, lit(s)
		}
		if s[i] == '$' && !strings.HasPrefix(s[i:], "${") {
			if err := lit(s[:i+1]); err != nil {
				return nil, err
			}
			s = s[i+1:]
			continue
		}
		if err := lit(s[:i]); err != nil {
			return nil, err
		}
		s = s[i:]
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return nil, fmt.Errorf("path: unclosed %q", s)
		}
		hole := s[:end+1]
		s = s[end+1:]
		if name, ok := strings.CutPrefix(hole, "${stageVariables."); ok {
			name = strings.TrimSuffix(name, "}")
			if !validName(name) {
				return nil, fmt.Errorf("path: bad stage variable %q", hole)
			}
			out = append(out, piece{stageVar: name})
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(hole, "{"), "}")
		if !validName(name) {
			return nil, fmt.Errorf("path: bad parameter %q", hole)
		}
		out = append(out, piece{param: name})
	}
	return out, nil
}

// expandPath fills the path template for one request: a parameter takes
// the integration request's path value (r.PathValue), else the method
// request's path parameter of that name; values are escaped as SigV4's
// canonical URI wants them, their slashes kept (an S3 key's folders).
// It returns the escaped path.
func expandPath(pieces []piece, pathValue func(string) string, c *apigw.Context) (string, bool) {
	var b strings.Builder
	b.WriteByte('/')
	for _, p := range pieces {
		switch {
		case p.param != "":
			v := pathValue(p.param)
			if v == "" && c != nil {
				v = c.PathParameters[p.param]
			}
			if hasDotSegment(v) {
				return "", false
			}
			b.WriteString(httpbinding.EscapePath(v, false))
		case p.stageVar != "":
			if c != nil {
				b.WriteString(httpbinding.EscapePath(c.StageVariables[p.stageVar], false))
			}
		default:
			b.WriteString(p.literal)
		}
	}
	return b.String(), true
}

// hasDotSegment reports whether v, a parameter's value, has a "." or ".."
// segment: a server or proxy on the way that resolves dot segments would
// take the request out of the prefix the URI fixes (s3:path/files/{key}
// with key ../secret/x), so such a value is refused.
func hasDotSegment(v string) bool {
	for seg := range strings.SplitSeq(v, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func validHost(s string) bool {
	for _, label := range strings.Split(s, ".") {
		if !validName(label) || strings.Contains(label, "_") {
			return false
		}
	}
	return true
}
