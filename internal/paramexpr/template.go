package paramexpr

import (
	"fmt"
	"strings"
)

// Template is text with $-substitutions, as AWS's gateway-response and mock
// templates take them: $context.<var>, $stageVariables.<name>,
// $method.request.(header|querystring|path).<name>, and HTTP APIs' parameter
// mapping values ($request.header.<name>, $request.path, $response.header.<name>,
// ...), each also written ${...}. A $ that starts no such name is text. A Template is immutable and
// safe for simultaneous use by multiple goroutines.
type Template struct {
	parts []part
}

// part is literal text, or an expression when expr.Kind is set.
type part struct {
	text string
	expr Expr
}

// TemplateVars are the expressions a template may substitute.
var TemplateVars = Kinds(Context, StageVariable, RequestHeader, RequestQuery, RequestPath)

// ParseTemplate parses src, accepting the expressions of allowed; a
// substitution of another kind, or an unknown $context variable, is an
// error.
func ParseTemplate(src string, allowed Set) (*Template, error) {
	t := &Template{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(src); {
		if src[i] != '$' {
			lit.WriteByte(src[i])
			i++
			continue
		}
		var name string
		var end int
		if strings.HasPrefix(src[i+1:], "{") {
			close := strings.IndexByte(src[i+2:], '}')
			if close < 0 {
				return nil, fmt.Errorf("offset %d: ${ without }", i)
			}
			name, end = src[i+2:i+2+close], i+3+close
		} else {
			j := i + 1
			for j < len(src) {
				if isVarByte(src[j]) {
					j++
					continue
				}
				// A body's JSONPath goes on through [index] and ['name'].
				if src[j] == '[' && isBodyPath(src[i+1:j]) {
					if k := bracketLen(src[j:]); k > 0 {
						j += k
						continue
					}
				}
				break
			}
			name = strings.TrimRight(src[i+1:j], ".")
			end = i + 1 + len(name)
		}
		if !looksLikeVariable(name) {
			lit.WriteByte('$')
			i++
			continue
		}
		expr := name
		if strings.HasPrefix(name, "request.") || strings.HasPrefix(name, "response.") {
			expr = "$" + name // an HTTP API's spelling
		}
		e, err := Parse(expr, allowed)
		if err != nil {
			return nil, fmt.Errorf("offset %d: %w", i, err)
		}
		flush()
		t.parts = append(t.parts, part{expr: e})
		i = end
	}
	flush()
	return t, nil
}

func looksLikeVariable(name string) bool {
	for _, p := range [...]string{"context.", "stageVariables.", "method.request.", "request.", "response."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return name == "request.path"
}

// bracketLen is the length of the [index] or ['name'] that s starts
// with; 0 when it starts with neither.
func bracketLen(s string) int {
	if len(s) > 2 && (s[1] == '\'' || s[1] == '"') {
		if k := strings.IndexByte(s[2:], s[1]); k >= 0 && 2+k+1 < len(s) && s[2+k+1] == ']' {
			return 2 + k + 2
		}
		return 0
	}
	k := 1
	for k < len(s) && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	if k > 1 && k < len(s) && s[k] == ']' {
		return k + 1
	}
	return 0
}

func isBodyPath(name string) bool {
	for _, p := range [...]string{"request.body.", "response.body.", "method.request.body.", "integration.response.body."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func isVarByte(b byte) bool {
	return b == '.' || b == '_' || b == '-' || isAlnum(b)
}

// Render substitutes the template's expressions from r: a value that is
// absent renders as nothing.
func (t *Template) Render(r *Request) string {
	if len(t.parts) == 1 && t.parts[0].expr.Kind == 0 {
		return t.parts[0].text
	}
	var b strings.Builder
	for i := range t.parts {
		p := &t.parts[i]
		if p.expr.Kind == 0 {
			b.WriteString(p.text)
			continue
		}
		v, _ := p.expr.Value(r)
		b.WriteString(v)
	}
	return b.String()
}

// IsLiteral reports whether the template substitutes nothing.
func (t *Template) IsLiteral() bool {
	for _, p := range t.parts {
		if p.expr.Kind != 0 {
			return false
		}
	}
	return true
}

// Uses reports whether the template substitutes an expression of kind k.
func (t *Template) Uses(k Kind) bool {
	for _, p := range t.parts {
		if p.expr.Kind == k {
			return true
		}
	}
	return false
}

// Exprs returns the template's substitutions, in order.
func (t *Template) Exprs() []Expr {
	var es []Expr
	for _, p := range t.parts {
		if p.expr.Kind != 0 {
			es = append(es, p.expr)
		}
	}
	return es
}

// Append appends the template rendered from r to dst: its text as it is,
// each substituted value through value, which appends it to dst in the
// notation around it (escaped for JSON, XML, CSV ...) and decides what an
// absent one (ok false) or an empty one looks like. A nil value appends
// values as they are, absent ones as nothing.
func (t *Template) Append(dst []byte, r *Request, value func(dst []byte, v string, ok bool) []byte) []byte {
	for i := range t.parts {
		p := &t.parts[i]
		if p.expr.Kind == 0 {
			dst = append(dst, p.text...)
			continue
		}
		v, ok := p.expr.Value(r)
		if value == nil {
			dst = append(dst, v...)
			continue
		}
		dst = value(dst, v, ok)
	}
	return dst
}
