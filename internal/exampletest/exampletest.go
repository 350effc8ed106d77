// Package exampletest runs an example (or the apigw command) for its tests:
// in-process, or as a child process that a test stops with a signal.
package exampletest

import (
	"context"
	"testing"
)

// Start runs run on a free port of 127.0.0.1 until the test ends and
// returns its base URL. run listens on addr and sends the address it
// listens on to ready, as every example's run does.
func Start(t testing.TB, run func(ctx context.Context, addr string, ready chan<- string) error) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("the example did not start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the example stopped with: %v", err)
		}
	})
	return "http://" + addr
}
