package iampolicy

import (
	"strings"
	"unicode/utf8"
)

// Pattern is an IAM wildcard pattern ('*' any run of characters, '/'
// included; '?' exactly one character) with its literal prefix, the text
// before the first wildcard, split off for a quick first check.
type Pattern struct {
	prefix string // literal
	rest   string // from the first wildcard on; "" for an exact pattern
}

// NewPattern compiles p.
func NewPattern(p string) Pattern {
	i := strings.IndexAny(p, "*?")
	if i < 0 {
		return Pattern{prefix: p}
	}
	return Pattern{prefix: p[:i], rest: p[i:]}
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.prefix + p.rest }

// Match reports whether s matches the pattern, case-sensitively.
func (p Pattern) Match(s string) bool {
	if p.rest == "" {
		return s == p.prefix
	}
	if len(s) < len(p.prefix) || s[:len(p.prefix)] != p.prefix {
		return false
	}
	if p.rest == "*" {
		return true
	}
	return Glob(p.rest, s[len(p.prefix):])
}

// Glob reports whether s matches pattern, where '*' matches any run of
// characters ('/' included, as in IAM resource ARNs) and '?' exactly one
// character; every other byte matches itself. It runs in
// O(len(pattern)·len(s)) at worst, without recursion.
func Glob(pattern, s string) bool { return glob(pattern, s, false) }

// glob is [Glob]; with fold, ASCII letters of s are folded to lower case
// (the pattern is lower case already).
func glob(pattern, s string, fold bool) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		c := s[i]
		if fold {
			c = toLower(c)
		}
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == '?':
			p++
			i += runeLen(s, i)
		case p < len(pattern) && pattern[p] == c:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark += runeLen(s, mark)
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func runeLen(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}
