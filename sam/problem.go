package sam

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apigw/apigw/openapi"
)

// problems collects what a load finds, as openapi.Problems whose pointers
// point into the template.
type problems struct {
	list []openapi.Problem
}

func (ps *problems) add(ptr, format string, args ...any) {
	ps.list = append(ps.list, openapi.Problem{Pointer: ptr, Message: fmt.Sprintf(format, args...)})
}

// err returns the problems as an *openapi.Error, nil without any.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	out := append([]openapi.Problem(nil), ps.list...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	n := 0
	for i, p := range out {
		if i > 0 && p == out[n-1] {
			continue
		}
		out[n] = p
		n++
	}
	return &openapi.Error{Problems: out[:n]}
}

// at appends reference tokens to a JSON pointer, escaped as RFC 6901 says.
func at(ptr string, tokens ...string) string {
	var b strings.Builder
	b.WriteString(ptr)
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// origin maps the pointers of a generated OpenAPI document back to the
// template: a problem under docPrefix is reported at target, followed by
// the rest of its pointer when deep (a DefinitionBody written in the
// template), else at target alone (an operation made of an event).
type origin struct {
	docPrefix string
	target    string
	deep      bool
}

type origins []origin

func (os origins) mapper() func(string) string {
	sorted := append(origins(nil), os...)
	sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i].docPrefix) > len(sorted[j].docPrefix) })
	return func(p string) string {
		for _, o := range sorted {
			if p == o.docPrefix || strings.HasPrefix(p, o.docPrefix+"/") || o.docPrefix == "" {
				if o.deep {
					return o.target + p[len(o.docPrefix):]
				}
				return o.target
			}
		}
		return p
	}
}
