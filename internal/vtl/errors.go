package vtl

import (
	"errors"
	"fmt"
)

// Error is a template's error at build time (a construct that does not
// parse or is not supported) or at run time (a method that failed, a
// limit reached), at a line and column of the template.
type Error struct {
	Line, Column int
	Msg          string
	// Err is the cause of a run-time error: ErrLimit, ErrNoMethod, or
	// the error a host's method returned.
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrLimit is the cause of an evaluation stopped at one of its
// [Options] limits.
var ErrLimit = errors.New("vtl: limit exceeded")

// ErrNoMethod is what an [Object] returns for a method it does not have.
var ErrNoMethod = errors.New("vtl: no such method")

// Pos is a line and column of a template, both from 1.
type Pos struct{ Line, Column int }

// lineCol returns the line and column (in characters) of byte offset at.
func lineCol(src string, at int) Pos {
	if at > len(src) {
		at = len(src)
	}
	line, col := 1, 1
	for i, r := range src[:at] {
		_ = i
		if r == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return Pos{line, col}
}

func asError(err error, target **Error) bool { return errors.As(err, target) }
