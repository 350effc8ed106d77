package monitor

import (
	"testing"
	"time"

	"github.com/apigw/apigw"
)

// TestRecentThrottle: the last requests keep every request at a person's
// pace, and at most recentPerWindow of each window under load.
func TestRecentThrottle(t *testing.T) {
	l := newLiveStats(50, time.Now)
	t0 := time.Date(2026, 3, 4, 19, 15, 17, 0, time.UTC)
	c := &apigw.Context{RequestID: "r", Status: 200}
	for i := range 20 { // 20 requests within one window
		l.recent(t0.Add(time.Duration(i)*time.Microsecond), c)
	}
	if n := len(l.recents()); n != recentPerWindow {
		t.Fatalf("%d kept of a burst, want %d", n, recentPerWindow)
	}
	for i := range 10 { // one per window
		l.recent(t0.Add(time.Duration(i+1)*recentWindow), c)
	}
	if n := len(l.recents()); n != recentPerWindow+10 {
		t.Fatalf("%d kept, want %d", n, recentPerWindow+10)
	}
}
