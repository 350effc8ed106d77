package websocket

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// DefaultRouteSelection is the route selection expression of an API that
// sets none: the message's top-level "action" property.
const DefaultRouteSelection = "$request.body.action"

// selection is a compiled route selection expression: literal text and
// $request.body.<path> variables, AWS's "${request.body.version}-beta".
type selection struct {
	parts []selPart
	// single is set when the expression is one variable and nothing else,
	// the common case, which evaluates without building a string.
	single bool
}

type selPart struct {
	lit  string   // literal text, when path is nil
	path []string // the JSON path below request.body
}

// maxSelectionDepth bounds the JSON path of a variable.
const maxSelectionDepth = 32

// compileSelection parses a route selection expression. The language is
// AWS's: a variable starts with "$" and may be wrapped in braces to mark
// where it ends, "\$" is a literal dollar sign, and the only variables of a
// WebSocket route selection are $request.body.<path>, where path is one or
// more property names separated by dots.
func compileSelection(expr string) (*selection, error) {
	if expr == "" {
		return nil, errors.New("empty")
	}
	if !utf8.ValidString(expr) {
		return nil, errors.New("not valid UTF-8")
	}
	s := &selection{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			s.parts = append(s.parts, selPart{lit: lit.String()})
			lit.Reset()
		}
	}
	vars := 0
	for i := 0; i < len(expr); {
		ch := expr[i]
		switch {
		case ch == '\\' && i+1 < len(expr) && expr[i+1] == '$':
			lit.WriteByte('$')
			i += 2
		case ch == '$':
			var name string
			if i+1 < len(expr) && expr[i+1] == '{' {
				end := strings.IndexByte(expr[i+2:], '}')
				if end < 0 {
					return nil, fmt.Errorf("at %d: \"${\" without a closing \"}\"", i)
				}
				name = expr[i+2 : i+2+end]
				i += 3 + end
			} else {
				j := i + 1
				for j < len(expr) && isPathChar(expr[j]) {
					j++
				}
				name = expr[i+1 : j]
				i = j
			}
			path, err := parseVariable(name)
			if err != nil {
				return nil, fmt.Errorf("variable %q: %w", "$"+name, err)
			}
			flush()
			s.parts = append(s.parts, selPart{path: path})
			vars++
		default:
			lit.WriteByte(ch)
			i++
		}
	}
	flush()
	if vars == 0 {
		return nil, errors.New("names no $request.body.<property>: a WebSocket route selection expression must")
	}
	s.single = len(s.parts) == 1
	return s, nil
}

// isPathChar reports whether b may appear in an unbraced variable.
func isPathChar(b byte) bool {
	return b == '.' || b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// parseVariable checks a variable's name, request.body.a.b, and returns
// its path below the body.
func parseVariable(name string) ([]string, error) {
	rest, ok := strings.CutPrefix(name, "request.body.")
	if !ok {
		return nil, errors.New("only $request.body.<property> may select a WebSocket route")
	}
	path := strings.Split(rest, ".")
	if len(path) > maxSelectionDepth {
		return nil, fmt.Errorf("more than %d levels", maxSelectionDepth)
	}
	for _, p := range path {
		if p == "" {
			return nil, errors.New("empty property name")
		}
		if strings.ContainsAny(p, "${}\\") {
			return nil, fmt.Errorf("property %q: \"$\", braces and backslashes are not allowed", p)
		}
	}
	return path, nil
}

// eval evaluates s against a message and returns the route key it
// produces; ok is false when the expression cannot be evaluated: the
// message is not a JSON object, or a variable names a property that is
// absent or not a string, number or boolean. The key may alias msg, so
// that the common case looks the route up without allocating.
func (s *selection) eval(msg []byte) (key []byte, ok bool) {
	if !json.Valid(msg) {
		return nil, false
	}
	if s.single {
		return lookupJSON(msg, s.parts[0].path)
	}
	for _, p := range s.parts {
		if p.path == nil {
			key = append(key, p.lit...)
			continue
		}
		v, ok := lookupJSON(msg, p.path)
		if !ok {
			return nil, false
		}
		key = append(key, v...)
	}
	return key, true
}

// lookupJSON returns the value at path in the valid JSON document doc, as
// the route key it stands for: a string's text, a number's or a boolean's
// literal. ok is false when doc is not an object, the path does not exist,
// or the value is an object, an array or null. Duplicate names take the
// last value, as encoding/json does. It never recurses, so nesting depth
// costs nothing but time.
func lookupJSON(doc []byte, path []string) ([]byte, bool) {
	cur := doc
	for _, name := range path {
		i := skipSpace(cur, 0)
		if i >= len(cur) || cur[i] != '{' {
			return nil, false
		}
		var found []byte
		i++
		for {
			i = skipSpace(cur, i)
			if i >= len(cur) || cur[i] == '}' {
				break
			}
			if cur[i] == ',' {
				i++
				continue
			}
			kStart := i
			i = skipString(cur, i)
			k := cur[kStart:i]
			i = skipSpace(cur, i)
			i++ // ':'
			i = skipSpace(cur, i)
			vStart := i
			i = skipValue(cur, i)
			if keyEquals(k, name) {
				found = cur[vStart:i]
			}
		}
		if found == nil {
			return nil, false
		}
		cur = found
	}
	if len(cur) == 0 {
		return nil, false
	}
	switch cur[0] {
	case '"':
		s := cur[1 : len(cur)-1]
		if !containsByte(s, '\\') {
			return s, true
		}
		var out string
		if json.Unmarshal(cur, &out) != nil {
			return nil, false
		}
		return []byte(out), true
	case '{', '[', 'n':
		return nil, false
	}
	return cur, true
}

// keyEquals compares a raw JSON string token with name.
func keyEquals(tok []byte, name string) bool {
	if len(tok) < 2 {
		return false
	}
	raw := tok[1 : len(tok)-1]
	if !containsByte(raw, '\\') {
		return string(raw) == name
	}
	var s string
	return json.Unmarshal(tok, &s) == nil && s == name
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string token starting at i.
func skipString(b []byte, i int) int {
	i++ // opening quote
	for i < len(b) {
		switch b[i] {
		case '\\':
			i += 2
		case '"':
			return i + 1
		default:
			i++
		}
	}
	return len(b)
}

// skipValue returns the index after the value starting at i, in a valid
// document: strings are skipped token by token and brackets counted, with
// no recursion.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
