package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apigw/apigw/bench/loadgen"
	"github.com/apigw/apigw/bench/scenario"
)

// generator puts load on one server.
type generator interface {
	Name() string
	// Load sends req to addr from conns connections: warmup first, not
	// counted, then the measured window. onMeasure is called when the
	// measured window starts (or as close to it as the generator knows).
	Load(ctx context.Context, addr string, s *scenario.Scenario, req scenario.Request, warmup, duration time.Duration, onMeasure func()) (loadgen.Result, error)
}

// goGenerator is the bench module's own generator, package loadgen.
type goGenerator struct{ conns int }

func (g goGenerator) Name() string { return fmt.Sprintf("loadgen (Go), %d connections", g.conns) }

func (g goGenerator) Load(ctx context.Context, addr string, s *scenario.Scenario, req scenario.Request, warmup, duration time.Duration, onMeasure func()) (loadgen.Result, error) {
	hr, err := req.NewHTTPRequest("http://" + addr)
	if err != nil {
		return loadgen.Result{}, err
	}
	return loadgen.Run(ctx, loadgen.Config{
		Addr: addr, Request: hr, Conns: g.conns, Warmup: warmup, Duration: duration,
		WantStatus: s.WantStatus, WantBody: []byte(s.WantBody), OnMeasure: onMeasure,
	})
}

// wrkGenerator runs wrk (https://github.com/wg/wrk), with a Lua script
// that sets the request and prints the figures in a line of its own. wrk
// counts whole seconds: durations are rounded up to at least 1 s. It checks
// statuses (any non-2xx/3xx is counted as bad), not bodies.
type wrkGenerator struct {
	path           string
	conns, threads int
	dir            string // where the scripts go
}

func (g wrkGenerator) Name() string {
	return fmt.Sprintf("wrk, %d thread(s), %d connections", g.threads, g.conns)
}

// wholeSeconds rounds d up to whole seconds, at least 1.
func wholeSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

func (g wrkGenerator) Load(ctx context.Context, addr string, s *scenario.Scenario, req scenario.Request, warmup, duration time.Duration, onMeasure func()) (loadgen.Result, error) {
	if err := loadgen.CheckLoopback(addr); err != nil {
		return loadgen.Result{}, err
	}
	script := filepath.Join(g.dir, s.Name+".lua")
	if err := os.WriteFile(script, []byte(wrkScript(req)), 0o600); err != nil {
		return loadgen.Result{}, err
	}
	url := "http://" + addr + req.Path
	if warmup > 0 {
		if _, err := g.run(ctx, script, url, wholeSeconds(warmup)); err != nil {
			return loadgen.Result{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	if onMeasure != nil {
		onMeasure()
	}
	return g.run(ctx, script, url, wholeSeconds(duration))
}

func (g wrkGenerator) run(ctx context.Context, script, url string, seconds int) (loadgen.Result, error) {
	cmd := exec.CommandContext(ctx, g.path, "-t", fmt.Sprint(g.threads), "-c", fmt.Sprint(g.conns),
		"-d", fmt.Sprintf("%ds", seconds), "--timeout", "5s", "-s", script, url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return loadgen.Result{}, fmt.Errorf("wrk: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return parseWrk(out)
}

// wrkScript is the Lua script that makes wrk send req and report.
func wrkScript(req scenario.Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = %s\n", luaQuote(req.Method))
	if req.Body != "" {
		fmt.Fprintf(&b, "wrk.body = %s\n", luaQuote(req.Body))
	}
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "wrk.headers[%s] = %s\n", luaQuote(k), luaQuote(strings.Join(req.Header[k], ", ")))
	}
	b.WriteString(`done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKRESULT %d %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50.0), latency:percentile(99.0),
    e.connect, e.read, e.write, e.status, e.timeout))
end
`)
	return b.String()
}

// luaQuote quotes s as a Lua string literal.
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// parseWrk reads the WRKRESULT line of the script.
func parseWrk(out []byte) (loadgen.Result, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "WRKRESULT ")
		if !ok {
			continue
		}
		var requests, durUS, p50, p99, connect, read, write, status, timeout int64
		if _, err := fmt.Sscan(rest, &requests, &durUS, &p50, &p99, &connect, &read, &write, &status, &timeout); err != nil {
			return loadgen.Result{}, fmt.Errorf("wrk: %q: %v", sc.Text(), err)
		}
		return loadgen.Result{
			Requests: requests,
			Elapsed:  time.Duration(durUS) * time.Microsecond,
			P50:      time.Duration(p50) * time.Microsecond,
			P99:      time.Duration(p99) * time.Microsecond,
			Bad:      status,
			Errors:   connect + read + write + timeout,
		}, nil
	}
	return loadgen.Result{}, fmt.Errorf("wrk printed no result:\n%s", out)
}
