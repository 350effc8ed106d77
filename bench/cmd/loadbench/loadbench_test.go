package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apigw/apigw/bench/scenario"
)

// serverBin is cmd/benchserver, built once for the tests as the command
// builds it, with the peers when the tests are (go test -tags peers).
var serverBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "loadbench-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverBin = filepath.Join(dir, "benchserver")
	code := 1
	if err := buildServer(context.Background(), serverBin, scenario.PeersBuilt); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer is a log the test reads while the benchmark writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func quick() options {
	return options{duration: 200 * time.Millisecond, warmup: 50 * time.Millisecond, conns: 2, threads: 1, runs: 1,
		generator: "go", serverBin: serverBin, inProcess: 5 * time.Millisecond, peers: scenario.PeersBuilt}
}

// checkStopped fails the test if a process the benchmark started is alive.
func checkStopped(t *testing.T, ps *procs) {
	t.Helper()
	if len(ps.pids) == 0 {
		t.Error("no process was started")
	}
	if ps.live() != 0 {
		t.Errorf("%d processes still tracked as running", ps.live())
	}
	for _, pid := range ps.pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists (kill 0: %v)", pid, err)
		}
	}
}

// checkRows checks that every scenario served correct answers only.
func checkRows(t *testing.T, rep *report, wantRuns int) {
	t.Helper()
	for _, r := range rep.rows {
		if len(r.runs) != wantRuns {
			t.Errorf("%s: %d runs, want %d", r.s.Name, len(r.runs), wantRuns)
		}
		for _, res := range r.runs {
			if res.Requests == 0 || res.Bad != 0 || res.Errors != 0 || res.P50 <= 0 || res.P99 < res.P50 {
				t.Errorf("%s: %+v", r.s.Name, res)
			}
		}
	}
}

// TestEveryScenario runs every scenario briefly through the whole
// command: server processes, checks, the Go load generator, the in-process
// figures, a profiled run, the report; and checks that every process has
// stopped.
func TestEveryScenario(t *testing.T) {
	o := quick()
	o.profileDir = t.TempDir()
	ps := &procs{}
	var log syncBuffer
	rep, err := runWith(t.Context(), o, &log, ps)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	checkStopped(t, ps)
	want := 0
	for _, s := range scenario.All() {
		if !s.Peer || scenario.PeersBuilt {
			want++
		}
	}
	if len(rep.rows) != want {
		t.Fatalf("%d scenarios run, want %d", len(rep.rows), want)
	}
	checkRows(t, rep, 1)
	for _, r := range rep.rows {
		if r.inproc == nil || r.inproc.N == 0 {
			t.Errorf("%s: no in-process figures", r.s.Name)
		}
		if fi, err := os.Stat(r.profile); err != nil || fi.Size() == 0 {
			t.Errorf("%s: no profile at %q: %v", r.s.Name, r.profile, err)
		}
	}
	var out bytes.Buffer
	rep.print(&out)
	for _, want := range []string{"| `apigw-full` |", "| `reverseproxy` |", "apigw-full ≥ chi-stack", "apigw-http ≥ 0.95 × reverseproxy"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	t.Logf("\n%s", out.String())
}

// TestWrk drives two scenarios with wrk, when it is installed.
func TestWrk(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed")
	}
	o := quick()
	o.generator = "wrk"
	o.duration = time.Second
	o.warmup = 0
	o.inProcess = 0
	o.scenarios = []string{"apigw-full"}
	ps := &procs{}
	var log syncBuffer
	rep, err := runWith(t.Context(), o, &log, ps)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	checkStopped(t, ps)
	if len(rep.rows) != 2 || rep.rows[0].s.Name != "bare" {
		t.Fatalf("rows %v", rep.rows)
	}
	checkRows(t, rep, 1)
	if !strings.HasPrefix(rep.generator, "wrk") {
		t.Errorf("generator %q", rep.generator)
	}
}

// TestInterrupted stops the benchmark in the middle of a run: every
// process it started must be gone when it returns.
func TestInterrupted(t *testing.T) {
	o := quick()
	o.duration = time.Minute
	o.scenarios = []string{"apigw-http"} // with a backend process
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ps := &procs{}
	var log syncBuffer
	done := make(chan error, 1)
	go func() {
		_, err := runWith(ctx, o, &log, ps)
		done <- err
	}()
	// Interrupt once a server is up.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ps.mu.Lock()
		n := len(ps.pids)
		ps.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no server started")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("an interrupted benchmark reported no error")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the benchmark did not stop")
	}
	checkStopped(t, ps)
}

func TestLuaQuote(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:             `"plain"`,
		`{"a":"b\c"}`:       `"{\"a\":\"b\\c\"}"`,
		"line\nbreak\x7f":   `"line\010break\127"`,
		"Bearer abc.def-_=": `"Bearer abc.def-_="`,
	} {
		if got := luaQuote(in); got != want {
			t.Errorf("luaQuote(%q) = %s, want %s", in, got, want)
		}
	}
	s := wrkScript(scenario.Request{Method: "POST", Body: `{"x":1}`, Header: map[string][]string{"X-Api-Key": {"k"}}})
	for _, want := range []string{`wrk.method = "POST"`, `wrk.body = "{\"x\":1}"`, `wrk.headers["X-Api-Key"] = "k"`, "WRKRESULT"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %s:\n%s", want, s)
		}
	}
}

func TestParseWrk(t *testing.T) {
	res, err := parseWrk([]byte("Running 1s test\n  1 threads\nWRKRESULT 5000 1000000 150 900 0 1 0 2 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 5000 || res.RPS() != 5000 || res.P50 != 150*time.Microsecond || res.P99 != 900*time.Microsecond || res.Bad != 2 || res.Errors != 1 {
		t.Errorf("%+v", res)
	}
	if _, err := parseWrk([]byte("garbage")); err == nil {
		t.Error("no error without a result line")
	}
}

func TestMedian(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median odd = %v", m)
	}
	if m := median([]time.Duration{4, 1, 3, 2}); m != 2 {
		t.Errorf("median even = %v", m)
	}
	if m := median[float64](nil); m != 0 {
		t.Errorf("median empty = %v", m)
	}
}

func TestSelectScenarios(t *testing.T) {
	names := func(ss []*scenario.Scenario) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	got, err := selectScenarios([]string{"reverseproxy", " apigw-full"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if names(got) != "bare,apigw-full,reverseproxy" {
		t.Errorf("selected %v", names(got))
	}
	if got, err = selectScenarios([]string{"krakend", "apigw-krakend"}, true); err != nil || names(got) != "bare,apigw-krakend,krakend" {
		t.Errorf("selected %v, %v", names(got), err)
	}
	all, _ := selectScenarios(nil, true)
	noPeers, _ := selectScenarios(nil, false)
	if len(all) != len(scenario.All()) || !strings.Contains(names(all), "caddy-proxy") ||
		strings.Contains(names(noPeers), "caddy-proxy") || !strings.Contains(names(noPeers), "apigw-krakend") {
		t.Errorf("all: %s; without the peers: %s", names(all), names(noPeers))
	}
	if _, err := selectScenarios([]string{"nope"}, true); err == nil {
		t.Error("an unknown scenario was accepted")
	}
	if _, err := selectScenarios([]string{"caddy-proxy"}, false); err == nil {
		t.Error("a peer was accepted without the peers")
	}
}

// TestLoadOnMeasure: the measured window's callback has finished when Load
// returns, so that what it wrote (the CPU figures at the window's start) is
// complete when read. The callback here outlasts the window.
func TestLoadOnMeasure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	s := &scenario.Scenario{Name: "ok", WantStatus: http.StatusOK}
	req := scenario.Request{Method: http.MethodGet, Path: "/"}
	var returned atomic.Bool
	release := make(chan struct{})
	finished := make(chan struct{})
	var calls int
	var early bool // the callback was still running when Load returned
	onMeasure := func() {
		defer close(finished)
		calls++
		select {
		case <-release:
		case <-time.After(300 * time.Millisecond):
		}
		early = returned.Load()
	}
	_, err := goGenerator{conns: 1}.Load(t.Context(), strings.TrimPrefix(srv.URL, "http://"), s, req,
		10*time.Millisecond, 20*time.Millisecond, onMeasure)
	returned.Store(true)
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Fatal("onMeasure was not called")
	}
	if calls != 1 || early {
		t.Fatalf("onMeasure called %d times, still running when Load returned: %v", calls, early)
	}
}
