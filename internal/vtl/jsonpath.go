package vtl

import (
	"fmt"
	"strconv"
	"strings"
)

// Path is a JSONPath as API Gateway's $input.path and $input.json read
// it (Jayway JsonPath's dialect): $, .name, ['name'], [n] (negative from
// the end), [n,m], [a:b], [*], .*, ..name, ..* and filters
// [?(@.a.b op value)] with == != < <= > >= =~, && and ||, and
// [?(@.a)] for existence. A path without a leading $ is read as $.path.
//
// A definite path (only names and single indexes) gives one value or
// none; any other gives the list of what matched, which is written as a
// JSON array, as Jayway's JSONArray is.
type Path struct {
	steps    []pathStep
	definite bool
}

type pathKind uint8

const (
	pName pathKind = iota
	pNames
	pIndex
	pIndexes
	pSlice
	pWild
	pDeep   // ..name, ..* (name "")
	pFilter // [?( )]
)

type pathStep struct {
	kind    pathKind
	names   []string
	idx     []int
	lo, hi  int
	hasLo   bool
	hasHi   bool
	filter  *filterExpr
	deepAll bool
	self    bool // ..[ ]: the scan includes where it starts
}

// maxPathLen bounds a path's length.
const maxPathLen = 4096

// ParsePath compiles a JSONPath.
func ParsePath(s string) (*Path, error) {
	if len(s) > maxPathLen {
		return nil, fmt.Errorf("JSONPath longer than %d bytes", maxPathLen)
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "$":
		return &Path{definite: true}, nil
	case strings.HasPrefix(s, "$"):
		s = s[1:]
	case strings.HasPrefix(s, "["):
	default:
		s = "." + s
	}
	p := &Path{definite: true}
	for i := 0; i < len(s); {
		var st pathStep
		var err error
		switch {
		case strings.HasPrefix(s[i:], ".."):
			i += 2
			st.kind = pDeep
			if i < len(s) && s[i] == '*' {
				st.deepAll = true
				i++
			} else if i < len(s) && s[i] == '[' {
				// ..[n] or ..['name']: deep scan, then the bracket
				p.steps = append(p.steps, pathStep{kind: pDeep, deepAll: true, self: true})
				p.definite = false
				continue
			} else {
				j := i
				for j < len(s) && s[j] != '.' && s[j] != '[' {
					j++
				}
				if j == i {
					return nil, fmt.Errorf("JSONPath %q: empty name after ..", s)
				}
				st.names = []string{s[i:j]}
				i = j
			}
		case s[i] == '.':
			i++
			if i < len(s) && s[i] == '*' {
				st.kind = pWild
				i++
				break
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("JSONPath %q: empty name", s)
			}
			name := s[i:j]
			if strings.HasSuffix(name, "()") {
				return nil, fmt.Errorf("JSONPath %q: functions are not supported", s)
			}
			st.kind, st.names = pName, []string{name}
			i = j
		case s[i] == '[':
			end := matchBracket(s, i)
			if end < 0 {
				return nil, fmt.Errorf("JSONPath %q: [ without ]", s)
			}
			st, err = parseBracket(s[i+1 : end])
			if err != nil {
				return nil, fmt.Errorf("JSONPath %q: %v", s, err)
			}
			i = end + 1
		default:
			return nil, fmt.Errorf("JSONPath %q: unexpected %q", s, s[i:])
		}
		if st.kind != pName && st.kind != pIndex {
			p.definite = false
		}
		p.steps = append(p.steps, st)
	}
	return p, nil
}

// matchBracket returns the ] that closes the [ at i, skipping quoted
// strings and nested brackets.
func matchBracket(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\'', '"':
			k := strings.IndexByte(s[j+1:], s[j])
			if k < 0 {
				return -1
			}
			j += k + 1
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

func parseBracket(in string) (pathStep, error) {
	in = strings.TrimSpace(in)
	switch {
	case in == "*":
		return pathStep{kind: pWild}, nil
	case strings.HasPrefix(in, "?"):
		body := strings.TrimSpace(in[1:])
		if !strings.HasPrefix(body, "(") || !strings.HasSuffix(body, ")") {
			return pathStep{}, fmt.Errorf("filter %q: want ?( )", in)
		}
		f, err := parseFilter(body[1 : len(body)-1])
		if err != nil {
			return pathStep{}, err
		}
		return pathStep{kind: pFilter, filter: f}, nil
	case strings.HasPrefix(in, "'") || strings.HasPrefix(in, `"`):
		var names []string
		for _, part := range splitTop(in, ',') {
			part = strings.TrimSpace(part)
			if len(part) < 2 || part[0] != part[len(part)-1] || part[0] != '\'' && part[0] != '"' {
				return pathStep{}, fmt.Errorf("bad name %s", part)
			}
			names = append(names, part[1:len(part)-1])
		}
		if len(names) == 1 {
			return pathStep{kind: pName, names: names}, nil
		}
		return pathStep{kind: pNames, names: names}, nil
	case strings.Contains(in, ":"):
		lo, hi, _ := strings.Cut(in, ":")
		st := pathStep{kind: pSlice}
		var err error
		if lo = strings.TrimSpace(lo); lo != "" {
			st.hasLo = true
			if st.lo, err = strconv.Atoi(lo); err != nil {
				return st, fmt.Errorf("bad slice %q", in)
			}
		}
		if hi = strings.TrimSpace(hi); hi != "" {
			st.hasHi = true
			if st.hi, err = strconv.Atoi(hi); err != nil {
				return st, fmt.Errorf("bad slice %q", in)
			}
		}
		return st, nil
	}
	var idx []int
	for _, part := range strings.Split(in, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return pathStep{}, fmt.Errorf("bad index %q", in)
		}
		idx = append(idx, n)
	}
	if len(idx) == 1 {
		return pathStep{kind: pIndex, idx: idx}, nil
	}
	return pathStep{kind: pIndexes, idx: idx}, nil
}

// splitTop splits s at sep outside quotes.
func splitTop(s string, sep byte) []string {
	var parts []string
	var q byte
	last := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == sep:
			parts = append(parts, s[last:i])
			last = i + 1
		}
	}
	return append(parts, s[last:])
}

// EvalPath evaluates the JSONPath path on root. A simple path ($, $.a.b,
// a.b) is read without being compiled, so that it allocates nothing.
func EvalPath(path string, root any) (any, bool, error) {
	if v, ok, simple := evalSimple(path, root); simple {
		return v, ok, nil
	}
	p, err := ParsePath(path)
	if err != nil {
		return nil, false, err
	}
	v, ok := p.Eval(root)
	return v, ok, nil
}

// evalSimple evaluates a path of plain names separated by dots; simple is
// false for any other path.
func evalSimple(path string, root any) (v any, ok, simple bool) {
	s := path
	switch {
	case s == "$":
		return root, true, true
	case strings.HasPrefix(s, "$."):
		s = s[2:]
	case strings.HasPrefix(s, "$"):
		return nil, false, false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' && (i == 0 || i == len(s)-1 || s[i-1] == '.'):
			return nil, false, false
		case c == '.', isLetter(c), isDigit(c), c == '_', c == '-':
		default:
			return nil, false, false
		}
	}
	if s == "" {
		return nil, false, false
	}
	v = root
	for s != "" {
		name, rest, _ := strings.Cut(s, ".")
		m, isMap := v.(MapValue)
		if !isMap {
			return nil, false, true
		}
		if v, ok = m.Get(name); !ok {
			return nil, false, true
		}
		s = rest
	}
	return v, true, true
}

// Definite reports whether the path names at most one value.
func (p *Path) Definite() bool { return p.definite }

// Eval applies the path to root. A definite path gives its value, and
// false when it names nothing; any other path a JSON list of matches.
func (p *Path) Eval(root any) (any, bool) {
	if p.definite {
		v := root
		for _, st := range p.steps {
			var ok bool
			if v, ok = child(v, &st); !ok {
				return nil, false
			}
		}
		return v, true
	}
	cur := []any{root}
	for i := range p.steps {
		st := &p.steps[i]
		var next []any
		for _, v := range cur {
			next = apply(next, v, st)
		}
		cur = next
	}
	return &List{Elems: cur, JSON: true}, true
}

// child is a definite step: a name or an index.
func child(v any, st *pathStep) (any, bool) {
	switch st.kind {
	case pName:
		if m, ok := v.(MapValue); ok {
			return m.Get(st.names[0])
		}
	case pIndex:
		if l, ok := v.(ListValue); ok {
			i := st.idx[0]
			if i < 0 {
				i += l.Len()
			}
			if i >= 0 && i < l.Len() {
				return l.Index(i), true
			}
		}
	}
	return nil, false
}

func apply(out []any, v any, st *pathStep) []any {
	switch st.kind {
	case pName, pIndex:
		if r, ok := child(v, st); ok {
			out = append(out, r)
		}
	case pNames:
		if m, ok := v.(MapValue); ok {
			for _, n := range st.names {
				if r, ok := m.Get(n); ok {
					out = append(out, r)
				}
			}
		}
	case pIndexes:
		for _, i := range st.idx {
			out = apply(out, v, &pathStep{kind: pIndex, idx: []int{i}})
		}
	case pSlice:
		if l, ok := v.(ListValue); ok {
			n := l.Len()
			lo, hi := 0, n
			if st.hasLo {
				lo = st.lo
				if lo < 0 {
					lo += n
				}
			}
			if st.hasHi {
				hi = st.hi
				if hi < 0 {
					hi += n
				}
			}
			lo, hi = max(lo, 0), min(hi, n)
			for i := lo; i < hi; i++ {
				out = append(out, l.Index(i))
			}
		}
	case pWild:
		out = children(out, v)
	case pDeep:
		out = deep(out, v, st, 0)
	case pFilter:
		switch c := v.(type) {
		case ListValue:
			for i := 0; i < c.Len(); i++ {
				if e := c.Index(i); st.filter.match(e) {
					out = append(out, e)
				}
			}
		case MapValue:
			if st.filter.match(c) {
				out = append(out, c)
			}
		}
	}
	return out
}

func children(out []any, v any) []any {
	switch c := v.(type) {
	case MapValue:
		c.Range(func(_ string, x any) bool { out = append(out, x); return true })
	case ListValue:
		for i := 0; i < c.Len(); i++ {
			out = append(out, c.Index(i))
		}
	}
	return out
}

// maxDeep bounds how deeply a .. scan descends.
const maxDeep = 1000

func deep(out []any, v any, st *pathStep, depth int) []any {
	if depth > maxDeep {
		return out
	}
	if st.deepAll {
		if depth > 0 || st.self {
			out = append(out, v)
		}
	} else if m, ok := v.(MapValue); ok {
		if r, ok := m.Get(st.names[0]); ok {
			out = append(out, r)
		}
	}
	switch c := v.(type) {
	case MapValue:
		c.Range(func(_ string, x any) bool { out = deep(out, x, st, depth+1); return true })
	case ListValue:
		for i := 0; i < c.Len(); i++ {
			out = deep(out, c.Index(i), st, depth+1)
		}
	}
	return out
}

// filterExpr is a filter's condition.
type filterExpr struct {
	op          string // "&&", "||", a comparison, or "" for existence
	l, r        *filterExpr
	path        []string // @.a.b
	lit         any
	hasLit      bool
	rhsPath     []string
	rhsIsPath   bool
	regexSource string
}

func parseFilter(s string) (*filterExpr, error) {
	s = strings.TrimSpace(s)
	for _, op := range []string{"||", "&&"} {
		if parts := splitOp(s, op); len(parts) > 1 {
			l, err := parseFilter(parts[0])
			if err != nil {
				return nil, err
			}
			r, err := parseFilter(strings.Join(parts[1:], op))
			if err != nil {
				return nil, err
			}
			return &filterExpr{op: op, l: l, r: r}, nil
		}
	}
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		return parseFilter(s[1 : len(s)-1])
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "=~", "<", ">"} {
		if parts := splitOp(s, op); len(parts) == 2 {
			l := strings.TrimSpace(parts[0])
			r := strings.TrimSpace(parts[1])
			path, err := filterPath(l)
			if err != nil {
				return nil, err
			}
			f := &filterExpr{op: op, path: path}
			if strings.HasPrefix(r, "@") {
				if f.rhsPath, err = filterPath(r); err != nil {
					return nil, err
				}
				f.rhsIsPath = true
				return f, nil
			}
			if op == "=~" {
				if len(r) < 2 || r[0] != '/' || !strings.HasSuffix(r, "/") && !strings.HasSuffix(r, "/i") {
					return nil, fmt.Errorf("filter %q: want /regex/", s)
				}
				f.regexSource = r
				return f, nil
			}
			if f.lit, err = filterLiteral(r); err != nil {
				return nil, err
			}
			f.hasLit = true
			return f, nil
		}
	}
	path, err := filterPath(s)
	if err != nil {
		return nil, err
	}
	return &filterExpr{path: path}, nil
}

// splitOp splits s at op outside quotes and parentheses.
func splitOp(s, op string) []string {
	var parts []string
	var q byte
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], op):
			if (op == "<" || op == ">") && i+1 < len(s) && s[i+1] == '=' {
				continue
			}
			if op == "=~" || op == "==" || op == "!=" || op == "<=" || op == ">=" || op == "&&" || op == "||" {
				parts = append(parts, s[last:i])
				last = i + len(op)
				i += len(op) - 1
				continue
			}
			parts = append(parts, s[last:i])
			last = i + 1
		}
	}
	return append(parts, s[last:])
}

func filterPath(s string) ([]string, error) {
	if !strings.HasPrefix(s, "@") {
		return nil, fmt.Errorf("filter operand %q: want @.name", s)
	}
	p, err := ParsePath("$" + s[1:])
	if err != nil {
		return nil, err
	}
	var names []string
	for _, st := range p.steps {
		if st.kind != pName {
			return nil, fmt.Errorf("filter operand %q: only names are supported", s)
		}
		names = append(names, st.names[0])
	}
	return names, nil
}

func filterLiteral(s string) (any, error) {
	switch {
	case s == "true" || s == "false":
		return s == "true", nil
	case s == "null":
		return nil, nil
	case len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0]:
		return s[1 : len(s)-1], nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, nil
	}
	return nil, fmt.Errorf("filter value %q: want a number, a quoted string, true, false or null", s)
}

func lookupPath(v any, path []string) (any, bool) {
	for _, n := range path {
		m, ok := v.(MapValue)
		if !ok {
			return nil, false
		}
		if v, ok = m.Get(n); !ok {
			return nil, false
		}
	}
	return v, true
}

func (f *filterExpr) match(v any) bool {
	switch f.op {
	case "&&":
		return f.l.match(v) && f.r.match(v)
	case "||":
		return f.l.match(v) || f.r.match(v)
	case "":
		_, ok := lookupPath(v, f.path)
		return ok
	}
	l, ok := lookupPath(v, f.path)
	if !ok {
		return false
	}
	r := f.lit
	if f.rhsIsPath {
		if r, ok = lookupPath(v, f.rhsPath); !ok {
			return false
		}
	}
	switch f.op {
	case "==":
		return filterEqual(l, r)
	case "!=":
		return !filterEqual(l, r)
	case "=~":
		s, ok := l.(string)
		if !ok {
			return false
		}
		src := f.regexSource[1:]
		flags := ""
		if strings.HasSuffix(src, "/i") {
			src, flags = src[:len(src)-2], "(?i)"
		} else {
			src = src[:len(src)-1]
		}
		re, err := javaRegexp(flags + `^(?:` + src + `)$`)
		return err == nil && re.MatchString(s)
	}
	if ls, ok := l.(string); ok {
		if rs, ok := r.(string); ok {
			c := strings.Compare(ls, rs)
			return compareOp(f.op, c)
		}
		return false
	}
	c, ok := compareNumbers(l, r)
	return ok && compareOp(f.op, c)
}

func filterEqual(l, r any) bool {
	if c, ok := compareNumbers(l, r); ok {
		return c == 0
	}
	return javaEquals(l, r)
}

func compareOp(op string, c int) bool {
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}
