package openapi

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one construct of a definition that apigw does not honour, or
// one mistake in it, named by its JSON pointer (RFC 6901) into the document
// as written: "/paths/~1pets/get/x-amazon-apigateway-integration/type".
type Problem struct {
	Pointer string
	Message string
}

// String reads "POINTER: MESSAGE", the line apigw check prints.
func (p Problem) String() string {
	ptr := p.Pointer
	if ptr == "" {
		ptr = "/"
	}
	return ptr + ": " + p.Message
}

// Error is what Load returns for a definition it cannot serve as written:
// every problem found, in document order of their pointers.
type Error struct {
	Problems []Problem
}

// Error lists the problems, one a line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("openapi: the definition cannot be served as written:")
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects what a load finds. origin, when set, maps a pointer into
// the document loaded to a pointer into the file the user wrote (package
// sam generates documents from templates).
type problems struct {
	list   []Problem
	origin func(string) string
}

func (ps *problems) add(ptr pointer, format string, args ...any) {
	p := string(ptr)
	if ps.origin != nil {
		p = ps.origin(p)
	}
	ps.list = append(ps.list, Problem{Pointer: p, Message: fmt.Sprintf(format, args...)})
}

// sorted returns the problems ordered by pointer, duplicates removed.
func (ps *problems) sorted() []Problem {
	out := append([]Problem(nil), ps.list...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	n := 0
	for i, p := range out {
		if i > 0 && p == out[n-1] {
			continue
		}
		out[n] = p
		n++
	}
	return out[:n]
}

// pointer is a JSON pointer being built.
type pointer string

// at appends reference tokens, escaped as RFC 6901 says.
func (p pointer) at(tokens ...string) pointer {
	var b strings.Builder
	b.WriteString(string(p))
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapeToken(t))
	}
	return pointer(b.String())
}

func escapeToken(t string) string {
	if !strings.ContainsAny(t, "~/") {
		return t
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}
