// Package redistest gives the tests of apigw's Redis backends their Redis:
// the shared test server, private redis-server processes that a test may
// freeze, kill or restart, and Redis Clusters, private or the one .ci/run
// starts.
//
// The convention of every Redis test: without Redis (or without the
// redis-server program, or without the shared cluster) the test is
// skipped, unless CI=true, where it fails: CI provides them all.
//
// Private servers listen on 127.0.0.1 ports that each package chooses in
// its own range of 7010–7099 (7000–7005 are the shared cluster's), so that
// packages tested in parallel never collide.
package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Addr is the shared test Redis.
const Addr = "127.0.0.1:6379"

// ClusterEnv names the environment variable that holds the addresses of
// the shared test cluster, comma-separated; .ci/run sets it.
const ClusterEnv = "APIGW_REDIS_CLUSTER"

// Unavailable skips the test, or fails it under CI=true.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: it is required)", msg)
	}
	t.Skip(msg)
}

// Server is a private redis-server process on 127.0.0.1, without
// persistence, stopped when the test ends.
type Server struct {
	Addr string
	port int
	dir  string
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts redis-server on port with the extra arguments ("--name",
// "value", ...) and waits until it answers.
func Start(t testing.TB, port int, extra ...string) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		Unavailable(t, "no redis-server: %v", err)
	}
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), port: port, dir: t.TempDir()}
	shutdownLeftover(s.Addr)
	s.args = append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir, "--protected-mode", "no",
		// A replica synchronises at once, not after the 5 s that a
		// master waits by default for more replicas to share one transfer.
		"--repl-diskless-sync-delay", "0"}, extra...)
	s.start(t)
	t.Cleanup(s.stop)
	return s
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	s.cmd = exec.Command("redis-server", s.args...)
	s.cmd.Dir = s.dir
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(s.cmd, s.done)
	if err := waitUp(s.Addr, s.done, 10*time.Second); err != nil {
		s.stop()
		t.Fatalf("redis-server on %s: %v", s.Addr, err)
	}
}

// shutdownLeftover stops a server a test run killed before its cleanup
// left on addr (the port belongs to these tests): otherwise the new
// server would fail to bind while the old one answered in its place.
func shutdownLeftover(addr string) {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond, ReadTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if c.Ping(ctx).Err() != nil {
		return
	}
	_ = c.Do(ctx, "SHUTDOWN", "NOSAVE").Err()
	for i := 0; i < 50 && c.Ping(ctx).Err() == nil; i++ {
		time.Sleep(20 * time.Millisecond)
	}
}

// waitUp waits until addr answers PING.
func waitUp(addr string, exited <-chan struct{}, d time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("exited: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("redis-server on %s: %v: %v", s.Addr, sig, err)
	}
}

// Freeze stops the process (SIGSTOP): connections stay open, nothing is
// answered, as a Redis stalled by a fork, a swap storm or a long command.
func (s *Server) Freeze(t testing.TB) { t.Helper(); s.signal(t, syscall.SIGSTOP) }

// Thaw resumes a frozen process (SIGCONT).
func (s *Server) Thaw(t testing.TB) { t.Helper(); s.signal(t, syscall.SIGCONT) }

// Kill kills the process (SIGKILL) and waits until it is gone.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // a frozen process dies only once resumed
	s.signal(t, syscall.SIGKILL)
	<-s.done
}

// Restart kills the server and starts it again on the same port, empty.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Kill(t)
	s.start(t)
}

func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT)
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Client returns a client of s, closed when the test ends; opts may be nil.
func (s *Server) Client(t testing.TB, opts *redis.Options) *redis.Client {
	t.Helper()
	if opts == nil {
		opts = &redis.Options{}
	}
	opts.Addr = s.Addr
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}
