// Package server is the server process of the load benchmark: it serves one
// scenario on 127.0.0.1 until told to stop. cmd/benchserver is its main.
//
// Protocol with the parent (cmd/loadbench): the server writes
// "LISTEN 127.0.0.1:PORT" on stdout once it accepts connections, and stops
// (gracefully, writing its CPU profile if asked) on SIGTERM or SIGINT, or
// when its stdin reaches end of file, which happens when the parent closes
// the pipe or dies, so that no server outlives the benchmark.
//
// With -inprocess it serves nothing: it calls the scenario's handler
// directly for that long (scenario.Measure), writes "INPROCESS " and the
// figures as JSON on stdout, and exits. The in-process figures of every
// scenario are thus taken in a fresh process, built with the same tags as
// the server.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/apigw/apigw/bench/loadgen"
	"github.com/apigw/apigw/bench/scenario"
)

// Main runs the server with the command-line arguments args (without the
// program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("scenario", "", "the scenario to serve (see scenario.All)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address, on 127.0.0.1")
	backend := fs.String("backend", "", "base URL of the backend process, for the HTTP proxy scenarios")
	jwks := fs.String("jwks", "", "file of the public JWK set the JWT verifiers trust")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	inprocess := fs.Duration("inprocess", 0, "measure the handler in-process for this long, print the figures and exit")
	tokenFile := fs.String("token", "", "file holding the token of the scenario's request, for -inprocess")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Caught from the start and until Main returns, after the profile is
	// written: a SIGTERM that arrives before the server listens, or while
	// it stops for another reason (its stdin closed), must not kill it
	// with its profile unwritten.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	s, err := scenario.ByName(*name)
	if err != nil {
		return err
	}
	if err := loadgen.CheckLoopback(*addr); err != nil {
		return err
	}
	env := scenario.Env{BackendURL: *backend, JWKSPath: *jwks}
	if *jwks != "" {
		if env.Keys, err = scenario.ReadJWKS(*jwks); err != nil {
			return err
		}
	}
	if *inprocess > 0 {
		return measure(s, env, *tokenFile, *inprocess, stdout)
	}
	var h http.Handler
	if s.Serve == nil {
		var closeHandler func()
		if h, closeHandler, err = s.Build(env); err != nil {
			return fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		defer closeHandler()
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			ln.Close()
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			ln.Close()
			return err
		}
		defer pprof.StopCPUProfile()
	}

	if s.Serve != nil {
		return serveOwn(s, env, ln, sigs, stdin, stdout)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(stdout, "LISTEN %s\n", ln.Addr()); err != nil {
		srv.Close()
		return err
	}

	select {
	case <-sigs:
	case <-endOf(stdin):
	case err := <-served:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// InProcessPrefix starts the line of the in-process figures.
const InProcessPrefix = "INPROCESS "

// measure writes the in-process figures of s's handler.
func measure(s *scenario.Scenario, env scenario.Env, tokenFile string, d time.Duration, stdout io.Writer) error {
	var token []byte
	if tokenFile != "" {
		var err error
		if token, err = os.ReadFile(tokenFile); err != nil {
			return err
		}
	}
	h, closeHandler, err := s.Build(env)
	if err != nil {
		return fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	defer closeHandler()
	ip, err := scenario.Measure(s, h, string(token), d)
	if err != nil {
		return err
	}
	b, err := json.Marshal(ip)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s%s\n", InProcessPrefix, b)
	return err
}

// serveOwn serves a scenario that runs a server of its own on ln until a
// signal or the end of stdin.
func serveOwn(s *scenario.Scenario, env scenario.Env, ln net.Listener, sigs <-chan os.Signal, stdin io.Reader, stdout io.Writer) error {
	defer ln.Close()
	stop, err := s.Serve(env, ln)
	if err != nil {
		return fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	defer stop()
	if _, err := fmt.Fprintf(stdout, "LISTEN %s\n", ln.Addr()); err != nil {
		return err
	}
	select {
	case <-sigs:
	case <-endOf(stdin):
	}
	return nil
}

// endOf returns a channel closed when r reaches its end (or fails).
func endOf(r io.Reader) <-chan struct{} {
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, r)
		close(eof)
	}()
	return eof
}
