// Command loadbench is apigw's load benchmark: it builds the benchmark's
// server (cmd/benchserver) into a temporary directory, starts one server
// process per scenario and run on 127.0.0.1, loads it from a separate
// process — wrk when it is installed, else the bench module's own Go
// generator (package loadgen) — and prints a table: throughput, p50 and
// p99 latency, the server's CPU time per request, the in-process
// allocations per request, and ratios to the bare backend; then whether
// apigw's targets are met.
//
//	cd bench && go run ./cmd/loadbench                      # every scenario, 5 runs of 5 s each, median
//	go run ./cmd/loadbench -duration 5s -runs 5 -conns 64
//	go run ./cmd/loadbench -scenarios bare,apigw-full -loadgen go
//	go run ./cmd/loadbench -profile /tmp/prof              # plus one profiled run each
//
// Each run of each scenario starts fresh server processes (the HTTP proxy
// scenarios also start a backend process), checks the answer of the
// scenario's request, warms up, then measures; the runs of all the
// scenarios are interleaved (run 1 of each, then run 2 of each, ...) so
// that a noisy moment does not fall on one scenario only. Every process
// is stopped before the command returns, and a server also stops by itself
// when the benchmark dies (its stdin pipe closes).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/apigw/apigw/bench/loadgen"
	"github.com/apigw/apigw/bench/scenario"
	benchserver "github.com/apigw/apigw/bench/server"
)

// options are the command's flags.
type options struct {
	duration, warmup time.Duration
	conns, threads   int
	runs             int
	scenarios        []string
	generator        string // auto, wrk or go
	profileDir       string
	serverBin        string // a prebuilt benchserver; "" builds one
	inProcess        time.Duration
	peers            bool // build the server with the peers (Caddy, Lura) and run their scenarios
}

func main() {
	var o options
	var names string
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "measured time of each run (wrk: whole seconds)")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "warm-up before each measured run, not counted (0: none)")
	flag.IntVar(&o.conns, "conns", 32, "keep-alive connections (requests in flight)")
	flag.IntVar(&o.threads, "threads", 1, "wrk threads")
	flag.IntVar(&o.runs, "runs", 5, "runs of each scenario; the median is reported")
	flag.StringVar(&names, "scenarios", "", "comma-separated scenarios (default: all; bare is always added)")
	flag.StringVar(&o.generator, "loadgen", "auto", "load generator: auto (wrk if installed), wrk or go")
	flag.StringVar(&o.profileDir, "profile", "", "after the measured runs, run each scenario once more with a CPU profile of the server written to this directory")
	flag.StringVar(&o.serverBin, "server", "", "use this benchserver binary instead of building one")
	flag.DurationVar(&o.inProcess, "inprocess", 300*time.Millisecond, "time of the in-process allocation measurement of each scenario (0: skip)")
	flag.BoolVar(&o.peers, "peers", true, "build the server with -tags peers and run the peers' scenarios (Caddy, Lura, KrakenD); false: leave them out")
	flag.Parse()
	if names != "" {
		o.scenarios = strings.Split(names, ",")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
	rep.print(os.Stdout)
}

// row is one scenario's results.
type row struct {
	s       *scenario.Scenario
	runs    []loadgen.Result
	cpu     []time.Duration // server CPU per request, per run; empty when unknown
	inproc  *scenario.InProcess
	profile string
}

// report is what run measured.
type report struct {
	opts      options
	generator string
	machine   machine
	loadAfter string
	rows      []*row
	elapsed   time.Duration
}

// selectScenarios returns the scenarios named (all when none, but the
// peers' without peers), bare first.
func selectScenarios(names []string, peers bool) ([]*scenario.Scenario, error) {
	var want map[string]bool
	if len(names) > 0 {
		want = map[string]bool{"bare": true}
		for _, n := range names {
			n = strings.TrimSpace(n)
			s, err := scenario.ByName(n)
			if err != nil {
				return nil, err
			}
			if s.Peer && !peers {
				return nil, fmt.Errorf("scenario %s needs the peers (-peers=true)", n)
			}
			want[n] = true
		}
	}
	var out []*scenario.Scenario
	for _, s := range scenario.All() {
		if want == nil && (peers || !s.Peer) || want[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}

// run runs the benchmark; progress goes to log.
func run(ctx context.Context, o options, log io.Writer) (*report, error) {
	return runWith(ctx, o, log, &procs{})
}

// runWith runs the benchmark, starting its processes through ps; every one
// of them has been stopped when it returns.
func runWith(ctx context.Context, o options, log io.Writer, ps *procs) (rep *report, err error) {
	began := time.Now()
	if o.runs < 1 || o.conns < 1 || o.duration <= 0 || o.warmup < 0 || o.threads < 1 {
		return nil, fmt.Errorf("bad flags: -runs %d -conns %d -duration %v -warmup %v -threads %d", o.runs, o.conns, o.duration, o.warmup, o.threads)
	}
	scenarios, err := selectScenarios(o.scenarios, o.peers)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "apigw-loadbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	gen, err := pickGenerator(o, dir)
	if err != nil {
		return nil, err
	}
	rep = &report{opts: o, generator: gen.Name(), machine: describeMachine()}
	fmt.Fprintf(log, "loadbench: %s; load average %s; %s\n", rep.machine.cpu, rep.machine.load, gen.Name())
	if busy(rep.machine.load) {
		fmt.Fprintln(log, "loadbench: WARNING: the machine is busy (1-minute load average above 1): the figures will be noisy")
	}

	bin := o.serverBin
	if bin == "" {
		bin = filepath.Join(dir, "benchserver")
		fmt.Fprintln(log, "loadbench: building cmd/benchserver")
		if err := buildServer(ctx, bin, o.peers); err != nil {
			return nil, err
		}
	}
	creds, err := scenario.NewCredentials()
	if err != nil {
		return nil, err
	}
	jwks := filepath.Join(dir, "jwks.json")
	if err := creds.WriteJWKS(jwks); err != nil {
		return nil, err
	}
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte(creds.Token), 0o600); err != nil {
		return nil, err
	}

	defer func() {
		ps.stopAll()
		if n := ps.live(); n > 0 && err == nil {
			err = fmt.Errorf("%d server processes still running", n)
		}
	}()
	b := &bench{ps: ps, bin: bin, jwks: jwks, token: token, creds: creds, gen: gen, o: o, log: log}

	for _, s := range scenarios {
		rep.rows = append(rep.rows, &row{s: s})
	}
	for i := range o.runs {
		for _, r := range rep.rows {
			res, cpu, err := b.loadOnce(ctx, r.s, "")
			if err != nil {
				return nil, fmt.Errorf("%s, run %d: %w", r.s.Name, i+1, err)
			}
			r.runs = append(r.runs, res)
			if cpu > 0 {
				r.cpu = append(r.cpu, cpu)
			}
			fmt.Fprintf(log, "run %d/%d %-20s %9.0f req/s  p50 %-9s p99 %-9s server CPU/req %-7s bad %d errors %d\n",
				i+1, o.runs, r.s.Name, res.RPS(), fmtDur(res.P50), fmtDur(res.P99), fmtDur(cpu), res.Bad, res.Errors)
		}
	}
	if o.inProcess > 0 {
		for _, r := range rep.rows {
			ip, err := b.inProcess(ctx, r.s)
			if err != nil {
				return nil, err
			}
			r.inproc = &ip
		}
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return nil, err
		}
		for _, r := range rep.rows {
			path, err := filepath.Abs(filepath.Join(o.profileDir, r.s.Name+".pprof"))
			if err != nil {
				return nil, err
			}
			res, cpu, err := b.loadOnce(ctx, r.s, path)
			if err != nil {
				return nil, fmt.Errorf("%s, profiled run: %w", r.s.Name, err)
			}
			r.profile = path
			fmt.Fprintf(log, "profiled %-19s %9.0f req/s  p50 %-9s p99 %-9s server CPU/req %-7s (not counted) %s\n",
				r.s.Name, res.RPS(), fmtDur(res.P50), fmtDur(res.P99), fmtDur(cpu), path)
		}
	}
	rep.loadAfter = loadAverage()
	rep.elapsed = time.Since(began)
	return rep, nil
}

func pickGenerator(o options, dir string) (generator, error) {
	switch o.generator {
	case "go":
		return goGenerator{conns: o.conns}, nil
	case "wrk", "auto":
		path, err := exec.LookPath("wrk")
		if err != nil {
			if o.generator == "wrk" {
				return nil, fmt.Errorf("-loadgen wrk: %w", err)
			}
			return goGenerator{conns: o.conns}, nil
		}
		if o.threads > o.conns {
			return nil, fmt.Errorf("-threads %d: more than -conns %d", o.threads, o.conns)
		}
		return wrkGenerator{path: path, conns: o.conns, threads: o.threads, dir: dir}, nil
	}
	return nil, fmt.Errorf("-loadgen %q: want auto, wrk or go", o.generator)
}

// buildServer builds cmd/benchserver into bin, with the peers compiled in
// when peers is set (-tags peers). It must run inside the bench module.
func buildServer(ctx context.Context, bin string, peers bool) error {
	args := []string{"build", "-o", bin}
	if peers {
		args = append(args, "-tags", "peers")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "github.com/apigw/apigw/bench/cmd/benchserver")...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build cmd/benchserver (run loadbench from the bench directory): %v\n%s", err, out)
	}
	return nil
}

// bench holds what every run needs.
type bench struct {
	ps    *procs
	bin   string
	jwks  string
	token string // the file holding creds.Token
	creds *scenario.Credentials
	gen   generator
	o     options
	log   io.Writer
}

// startScenario starts the server of s (and its backend, if it has one);
// stop stops them.
func (b *bench) startScenario(ctx context.Context, s *scenario.Scenario, cpuprofile string) (srv *server, backendURL string, stop func(), err error) {
	var backend *server
	args := []string{"-scenario", s.Name, "-jwks", b.jwks}
	if s.Backend {
		backend, err = b.ps.start(ctx, b.bin, "-scenario", "bare")
		if err != nil {
			return nil, "", nil, fmt.Errorf("backend: %w", err)
		}
		backendURL = "http://" + backend.addr
		args = append(args, "-backend", backendURL)
	}
	if cpuprofile != "" {
		args = append(args, "-cpuprofile", cpuprofile)
	}
	srv, err = b.ps.start(ctx, b.bin, args...)
	if err != nil {
		if backend != nil {
			b.ps.stop(backend)
		}
		return nil, "", nil, err
	}
	return srv, backendURL, func() {
		b.ps.stop(srv)
		if backend != nil {
			b.ps.stop(backend)
		}
	}, nil
}

// loadOnce runs s once in fresh processes: check, warm up, measure, check
// again. cpu is the server's CPU time per request in the measured window
// (0 when unknown).
func (b *bench) loadOnce(ctx context.Context, s *scenario.Scenario, cpuprofile string) (res loadgen.Result, cpu time.Duration, err error) {
	srv, _, stop, err := b.startScenario(ctx, s, cpuprofile)
	if err != nil {
		return res, 0, err
	}
	defer stop()
	req := s.Request(b.creds.Token)
	if err := verify(ctx, srv.addr, s, req, 2); err != nil {
		return res, 0, err
	}
	pid := srv.cmd.Process.Pid
	var cpuStart time.Duration
	var cpuOK bool
	load := func() (loadgen.Result, error) {
		return b.gen.Load(ctx, srv.addr, s, req, b.o.warmup, b.o.duration, func() { cpuStart, cpuOK = cpuTime(pid) })
	}
	res, err = load()
	if err == nil && res.Requests == 0 && res.Bad == 0 && res.Errors == 0 {
		// The server answered the checks but nothing in the window: on a
		// busy machine a short window can fall in a stall of the whole
		// process. Measure once more.
		fmt.Fprintf(b.log, "%s: no answer in the measured window; measuring again\n", s.Name)
		res, err = load()
	}
	if err != nil {
		return res, 0, err
	}
	if cpuEnd, ok := cpuTime(pid); ok && cpuOK && res.Requests > 0 {
		cpu = (cpuEnd - cpuStart) / time.Duration(res.Requests)
	}
	if err := verify(ctx, srv.addr, s, req, 1); err != nil {
		return res, 0, fmt.Errorf("after the load: %w", err)
	}
	if res.Requests == 0 {
		return res, 0, errors.New("no request answered")
	}
	return res, cpu, nil
}

// verify sends req n times and checks each answer.
func verify(ctx context.Context, addr string, s *scenario.Scenario, req scenario.Request, n int) error {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range n {
		hr, err := req.NewHTTPRequest("http://" + addr)
		if err != nil {
			return err
		}
		resp, err := client.Do(hr.WithContext(ctx))
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if err := s.Check(resp.StatusCode, resp.Header, body, i > 0 || n == 1); err != nil {
			return err
		}
	}
	return nil
}

// inProcess measures s's handler in-process, in a benchserver process of
// its own (with a backend process for the HTTP proxies).
func (b *bench) inProcess(ctx context.Context, s *scenario.Scenario) (scenario.InProcess, error) {
	var ip scenario.InProcess
	args := []string{"-scenario", s.Name, "-jwks", b.jwks, "-token", b.token, "-inprocess", b.o.inProcess.String()}
	if s.Backend {
		backend, err := b.ps.start(ctx, b.bin, "-scenario", "bare")
		if err != nil {
			return ip, err
		}
		defer b.ps.stop(backend)
		args = append(args, "-backend", "http://"+backend.addr)
	}
	out, err := b.ps.run(ctx, b.bin, args...)
	if err != nil {
		return ip, fmt.Errorf("in-process %s: %w", s.Name, err)
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		if js, ok := strings.CutPrefix(line, benchserver.InProcessPrefix); ok {
			if err := json.Unmarshal([]byte(js), &ip); err != nil {
				return ip, fmt.Errorf("in-process %s: %w", s.Name, err)
			}
			break
		}
	}
	if ip.N == 0 {
		return ip, fmt.Errorf("in-process %s: no figures in %q", s.Name, out)
	}
	fmt.Fprintf(b.log, "in-process %-20s %6.0f allocs/op %7.0f B/op %8.0f ns/op\n", s.Name, ip.AllocsPerOp, ip.BytesPerOp, ip.NsPerOp)
	return ip, nil
}

// machine describes where the benchmark ran.
type machine struct {
	cpu   string // "2 × Intel(R) ..."
	goV   string
	os    string
	load  string
	apigw string // the commit of the library measured
}

func describeMachine() machine {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return machine{
		cpu:   fmt.Sprintf("%d × %s", runtime.NumCPU(), model),
		goV:   runtime.Version(),
		os:    runtime.GOOS + "/" + runtime.GOARCH,
		load:  loadAverage(),
		apigw: apigwVersion(),
	}
}

// apigwVersion says which apigw the benchmark measures: the bench module
// replaces github.com/apigw/apigw with its parent directory, so it is that
// working tree: the last commit that changed something outside bench/, and
// whether files outside bench/ differ from it.
func apigwVersion() string {
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/apigw/apigw").Output()
	if err != nil {
		return "unknown"
	}
	root := strings.TrimSpace(string(dir))
	head, err := exec.Command("git", "-C", root, "log", "-1", "--format=%h %cI", "--", ".", ":(exclude)bench").Output()
	if err != nil {
		return root
	}
	v := "commit " + strings.TrimSpace(string(head))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		v += " + uncommitted changes"
	}
	return v
}

// loadAverage is the 1, 5 and 15 minute load averages, from /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// busy reports whether a load average line says that the machine is not
// quiet: a 1-minute load average above 1.
func busy(load string) bool {
	var one float64
	_, err := fmt.Sscan(load, &one)
	return err == nil && one > 1
}

// median returns the middle value of xs (the mean of the two middle ones
// for an even count).
func median[T int64 | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
