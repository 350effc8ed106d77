// Package serve runs a server until its context ends, gracefully: every
// example under examples/ and the apigw command serve through it.
package serve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// ShutdownTimeout bounds how long requests in flight (and the shutdown
// hooks) may take to finish once the context ends.
const ShutdownTimeout = 10 * time.Second

// SignalContext returns a context that ends on SIGINT (Ctrl-C) or SIGTERM,
// what Kubernetes, Docker and systemd send to stop a process, and the
// function that stops listening for them. An example's main serves until
// it ends, then stops gracefully: requests in flight complete, WebSocket
// clients get a close frame. A second signal kills the process at once.
func SignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// ListenAndServe listens on addr and serves h until ctx ends; see [Serve].
func ListenAndServe(ctx context.Context, addr string, h http.Handler, ready chan<- string, onShutdown ...func(context.Context) error) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return errors.Join(err, shutdownAll(context.Background(), onShutdown))
	}
	return Serve(ctx, ln, h, ready, onShutdown...)
}

// Serve serves h on ln until ctx ends, then shuts the server down and
// returns once the requests in flight have finished (or ShutdownTimeout
// passed). ready, if not nil, receives ln's address when serving starts.
// onShutdown runs beside the server's shutdown, with the same deadline, for
// what it does not close itself (hijacked connections such as WebSockets),
// and also when serving fails.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, ready chan<- string, onShutdown ...func(context.Context) error) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if ready != nil {
		ready <- ln.Addr().String()
	}
	shutdown := make(chan error, 1)
	stop := context.AfterFunc(ctx, func() {
		c, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		hooks := make(chan error, 1)
		go func() { hooks <- shutdownAll(c, onShutdown) }()
		err := srv.Shutdown(c)
		shutdown <- errors.Join(err, <-hooks)
	})
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		if stop() {
			return errors.Join(err, shutdownAll(context.Background(), onShutdown))
		}
		return errors.Join(err, <-shutdown)
	}
	// Serve returns as soon as Shutdown starts: wait for the requests in
	// flight, so that what the caller closes next is no longer in use.
	return <-shutdown
}

func shutdownAll(ctx context.Context, hooks []func(context.Context) error) error {
	var errs []error
	for _, h := range hooks {
		errs = append(errs, h(ctx))
	}
	return errors.Join(errs...)
}

// BaseURL is the http URL a listener on a is reached at from this host: an
// unspecified address (0.0.0.0, [::]) stands for 127.0.0.1.
func BaseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	ip := tcp.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}
