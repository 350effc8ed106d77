//go:build peers

package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	_ "github.com/caddyserver/caddy/v2/modules/caddyhttp/reverseproxy" // the reverse_proxy handler
)

// caddyMu serialises Caddy's configurations: Caddy runs one per process.
var caddyMu sync.Mutex

// caddyConfig is the JSON configuration of a Caddy that forwards every
// request to the backend with reverse_proxy, as `caddy reverse-proxy` would,
// with no admin endpoint, no automatic HTTPS and no access log, and the
// same keep-alive pool as the other proxies (256 idle connections per host).
// listen is the server's listen addresses (none for a Caddy whose handler
// is called directly).
func caddyConfig(backend string, listen []string) ([]byte, error) {
	u, err := backendURL(Env{BackendURL: backend})
	if err != nil {
		return nil, err
	}
	if listen == nil {
		listen = []string{}
	}
	type obj = map[string]any
	return json.Marshal(obj{
		"admin":   obj{"disabled": true, "config": obj{"persist": false}},
		"logging": obj{"logs": obj{"default": obj{"level": "ERROR"}}},
		"apps": obj{"http": obj{
			"grace_period": "1s",
			"servers": obj{"bench": obj{
				"listen":          listen,
				"automatic_https": obj{"disable": true},
				"routes": []obj{{"handle": []obj{{
					"handler":   "reverse_proxy",
					"upstreams": []obj{{"dial": u.Host}},
					"transport": obj{"protocol": "http", "keep_alive": obj{"max_idle_conns_per_host": 256}},
				}}}},
			}},
		}},
	})
}

// caddyProxy loads Caddy's configuration without a listener and returns its
// server's handler (what Caddy's own http.Server calls), for the in-process
// figures; the server process serves Caddy on its own server (serveCaddy).
func caddyProxy(env Env) (http.Handler, func(), error) {
	cfg, err := caddyConfig(env.BackendURL, nil)
	if err != nil {
		return nil, nil, err
	}
	stop, err := loadCaddy(cfg)
	if err != nil {
		return nil, nil, err
	}
	app, err := caddy.ActiveContext().App("http")
	if err != nil {
		stop()
		return nil, nil, err
	}
	srv := app.(*caddyhttp.App).Servers["bench"]
	if srv == nil {
		stop()
		return nil, nil, errors.New("caddy: no server")
	}
	return srv, stop, nil
}

// serveCaddy runs Caddy on ln with its own HTTP server: Caddy is given a
// duplicate of ln's socket as the listener address fd/N.
func serveCaddy(env Env, ln net.Listener) (func(), error) {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return nil, fmt.Errorf("caddy: listener %T, want TCP", ln)
	}
	rc, err := tl.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	var dupErr error
	if err := rc.Control(func(s uintptr) { fd, dupErr = syscall.Dup(int(s)) }); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, dupErr
	}
	syscall.CloseOnExec(fd) // Caddy owns fd from here on
	cfg, err := caddyConfig(env.BackendURL, []string{"fd/" + strconv.Itoa(fd)})
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return loadCaddy(cfg)
}

// loadCaddy runs cfg; the function returned stops it.
func loadCaddy(cfg []byte) (func(), error) {
	caddyMu.Lock()
	if err := caddy.Load(cfg, true); err != nil {
		caddyMu.Unlock()
		return nil, fmt.Errorf("caddy: %w", err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = caddy.Stop()
			caddyMu.Unlock()
		})
	}, nil
}
