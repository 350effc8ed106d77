package mapping

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// span is the byte range of one {{ hole }}'s expression in a text
// template, without the braces.
type span struct{ start, end int }

// scanText splits a text template into literal text and the expressions
// of its {{ holes }}: len(lits) == len(holes)+1. A hole ends at the first
// }} outside a string literal, a comment and a map literal, so
// {{ {"a": {"b": 1}} }} holds one map.
func scanText(src string) (lits []string, holes []span, err error) {
	last := 0
	for {
		i := strings.Index(src[last:], "{{")
		if i < 0 {
			break
		}
		open := last + i
		start := open + 2
		end, err := scanHole(src, start)
		if err != nil {
			return nil, nil, err
		}
		if strings.TrimSpace(src[start:end]) == "" {
			return nil, nil, posError(src, open, "empty {{ }}")
		}
		lits = append(lits, src[last:open])
		holes = append(holes, span{start, end})
		last = end + 2
	}
	lits = append(lits, src[last:])
	return lits, holes, nil
}

// scanHole returns the offset of the }} that closes the hole whose
// expression starts at i.
func scanHole(src string, i int) (int, error) {
	open := i - 2
	depth := 0
	for i < len(src) {
		switch c := src[i]; c {
		case '}':
			if depth == 0 && strings.HasPrefix(src[i:], "}}") {
				return i, nil
			}
			if depth > 0 {
				depth--
			}
			i++
		case '{':
			depth++
			i++
		case '/':
			if strings.HasPrefix(src[i:], "//") {
				nl := strings.IndexByte(src[i:], '\n')
				if nl < 0 {
					return 0, posError(src, open, "{{ without }} (a // comment runs to the end of the template)")
				}
				i += nl + 1
				continue
			}
			i++
		case '"', '\'':
			end, ok := skipString(src, i, rawPrefix(src[:i]))
			if !ok {
				return 0, posError(src, i, "unterminated string literal")
			}
			i = end
		default:
			i++
		}
	}
	return 0, posError(src, open, "{{ without }}")
}

// rawPrefix reports whether the text before a quote ends in a raw string
// prefix: r, R, or r with b (bytes) in either order, not part of a name.
func rawPrefix(before string) bool {
	p := before[max(0, len(before)-2):]
	if len(p) == 2 && !strings.ContainsAny(strings.ToLower(p[:1]), "rb") {
		p = p[1:]
	}
	switch strings.ToLower(p) {
	case "r", "br", "rb":
	default:
		return false
	}
	rest := before[:len(before)-len(p)]
	return rest == "" || !isIdentByte(rest[len(rest)-1])
}

func isIdentByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// skipString returns the offset just after the CEL string literal whose
// opening quote is at i: '...', "...", or their triple-quoted forms;
// backslash escapes unless raw.
func skipString(src string, i int, raw bool) (int, bool) {
	q := src[i]
	delim := string(q)
	if strings.HasPrefix(src[i:], strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
	}
	j := i + len(delim)
	for j < len(src) {
		switch {
		case !raw && src[j] == '\\':
			j += 2
		case strings.HasPrefix(src[j:], delim):
			return j + len(delim), true
		case len(delim) == 1 && (src[j] == '\n' || src[j] == '\r'):
			return 0, false
		default:
			j++
		}
	}
	return 0, false
}

// position is a 1-based line and column (in characters) of a template.
type position struct{ line, col int }

func positionOf(src string, offset int) position {
	p := position{line: 1, col: 1}
	if offset > len(src) {
		offset = len(src)
	}
	lineStart := 0
	if nl := strings.LastIndexByte(src[:offset], '\n'); nl >= 0 {
		p.line = strings.Count(src[:offset], "\n") + 1
		lineStart = nl + 1
	}
	p.col = utf8.RuneCountInString(src[lineStart:offset]) + 1
	return p
}

func (p position) String() string { return fmt.Sprintf("%d:%d", p.line, p.col) }

// posError is a scanning error at a byte offset.
func posError(src string, offset int, msg string) error {
	return &positionError{pos: positionOf(src, offset), msg: msg}
}

type positionError struct {
	pos position
	msg string
}

func (e *positionError) Error() string { return e.pos.String() + ": " + e.msg }
