package websocket

import "time"

// Clock is the time source of an API: connection times, lastActiveAt, and
// the timers of the idle timeout and the maximum connection duration.
// Tests pass a fake one to move time by hand. The zero API uses the real
// clock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f on its own goroutine once d has elapsed, unless
	// the returned Timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call of [Clock.AfterFunc]; *time.Timer is one.
type Timer interface {
	// Stop prevents the call if it has not happened; it reports whether it
	// did.
	Stop() bool
}

// realClock is the system clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
