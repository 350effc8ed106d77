package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/ctxkey"
)

// urlTemplate is an integration path or URL with {param},
// ${stageVariables.name} and ${request.path} holes, parsed once.
type urlTemplate struct {
	parts []urlPart
}

type urlPart struct {
	text     string
	param    string // a path parameter, escaped on expansion
	greedy   bool   // param is a {proxy+}: its slashes stay
	stageVar string // a stage variable, inserted as it is
	reqPath  bool   // ${request.path}: the request path without the stage
}

func compileURLTemplate(s string, params []string, greedy string) (*urlTemplate, error) {
	t := &urlTemplate{}
	for len(s) > 0 {
		i := strings.IndexAny(s, "{$")
		if i < 0 {
			t.parts = append(t.parts, urlPart{text: s})
			break
		}
		if s[i] == '$' && !strings.HasPrefix(s[i:], "${") {
			t.parts = append(t.parts, urlPart{text: s[:i+1]})
			s = s[i+1:]
			continue
		}
		if i > 0 {
			t.parts = append(t.parts, urlPart{text: s[:i]})
		}
		open := i
		if s[i] == '$' {
			open = i + 1
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("%q: { without }", s)
		}
		name := s[open+1 : open+end]
		switch {
		case s[i] == '$':
			if name == "request.path" {
				t.parts = append(t.parts, urlPart{reqPath: true})
				break
			}
			v, ok := strings.CutPrefix(name, "stageVariables.")
			if !ok || v == "" {
				return nil, fmt.Errorf("${%s}: only ${stageVariables.name} and ${request.path} are allowed", name)
			}
			t.parts = append(t.parts, urlPart{stageVar: v})
		default:
			name = strings.TrimSuffix(name, "+")
			if !slices.Contains(params, name) {
				return nil, fmt.Errorf("{%s}: the route has no such path parameter (has %v)", name, params)
			}
			t.parts = append(t.parts, urlPart{param: name, greedy: name == greedy})
		}
		s = s[open+end+1:]
	}
	return t, nil
}

// expand fills the holes from the request's Context. Path parameters are
// escaped; a greedy one keeps its slashes.
func (t *urlTemplate) expand(c *apigw.Context) string { return t.expandMapped(c, nil) }

// expandMapped is expand with the integration request's mapped path
// parameters (integration.request.path.<name>), which come first, as on
// AWS: a mapping that sets {id} from the authorizer is not overridden by
// the id the client sent.
func (t *urlTemplate) expandMapped(c *apigw.Context, mapped map[string]string) string {
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case p.param != "":
			v, ok := mapped[p.param]
			if !ok {
				if c == nil {
					continue
				}
				v = c.PathParameters[p.param]
			}
			if !p.greedy {
				b.WriteString(url.PathEscape(v))
				continue
			}
			for i, seg := range strings.Split(v, "/") {
				if i > 0 {
					b.WriteByte('/')
				}
				b.WriteString(url.PathEscape(seg))
			}
		case p.stageVar != "":
			if c != nil {
				b.WriteString(c.StageVariables[p.stageVar])
			}
		case p.reqPath:
			if c != nil {
				b.WriteString((&url.URL{Path: c.StagePath}).EscapedPath())
			}
		default:
			b.WriteString(p.text)
		}
	}
	return b.String()
}

// literal reports whether the template has no holes.
func (t *urlTemplate) literal() bool {
	for _, p := range t.parts {
		if p.param != "" || p.stageVar != "" || p.reqPath {
			return false
		}
	}
	return true
}

// probe expands the template with every hole filled by "x", to check the
// shape of the result at build time.
func (t *urlTemplate) probe() string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.param != "" || p.stageVar != "" || p.reqPath {
			b.WriteString("x")
			continue
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// mappedPathParams is r's mapped path parameters (see ctxkey.MappedPathParams).
func mappedPathParams(r *http.Request) map[string]string {
	m, _ := r.Context().Value(ctxkey.MappedPathParams).(map[string]string)
	return m
}
