package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apigw/apigw/bench/loadgen"
)

func (r *row) rps() float64 {
	xs := make([]float64, len(r.runs))
	for i, res := range r.runs {
		xs[i] = res.RPS()
	}
	return median(xs)
}

func (r *row) spread() (lo, hi float64) {
	for i, res := range r.runs {
		v := res.RPS()
		if i == 0 || v < lo {
			lo = v
		}
		if i == 0 || v > hi {
			hi = v
		}
	}
	return lo, hi
}

func (r *row) quantile(f func(loadgen.Result) time.Duration) time.Duration {
	xs := make([]time.Duration, len(r.runs))
	for i, res := range r.runs {
		xs[i] = f(res)
	}
	return median(xs)
}

func (r *row) p50() time.Duration {
	return r.quantile(func(x loadgen.Result) time.Duration { return x.P50 })
}
func (r *row) p99() time.Duration {
	return r.quantile(func(x loadgen.Result) time.Duration { return x.P99 })
}

func (r *row) bad() (bad, errs int64) {
	for _, res := range r.runs {
		bad += res.Bad
		errs += res.Errors
	}
	return bad, errs
}

func (rep *report) row(name string) *row {
	for _, r := range rep.rows {
		if r.s.Name == name {
			return r
		}
	}
	return nil
}

// fmtDur prints a latency in µs or ms with three significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
}

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// print writes the report as Markdown.
func (rep *report) print(w io.Writer) {
	o := rep.opts
	fmt.Fprintf(w, "machine: %s, %s, %s; load average %s before, %s after\n", rep.machine.cpu, rep.machine.os, rep.machine.goV, rep.machine.load, rep.loadAfter)
	fmt.Fprintf(w, "apigw: %s\n", rep.machine.apigw)
	fmt.Fprintf(w, "load: %s; %d runs per scenario of %v after %v warm-up, median reported; %s in all\n\n",
		rep.generator, o.runs, o.duration, o.warmup, rep.elapsed.Round(time.Second))

	bare := rep.row("bare")
	fmt.Fprintln(w, "| scenario | req/s (median) | runs min–max | × bare | p50 | p99 | p99 × bare | server CPU/req | allocs/req in-process | B/req | ns/req in-process |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	var warnings []string
	for _, r := range rep.rows {
		lo, hi := r.spread()
		cols := []string{
			"`" + r.s.Name + "`",
			fmt.Sprintf("%.0f", r.rps()),
			fmt.Sprintf("%.0f–%.0f", lo, hi),
			"–", fmtDur(r.p50()), fmtDur(r.p99()), "–",
			fmtDur(median(r.cpu)),
			"–", "–", "–",
		}
		if bare != nil {
			cols[3] = ratio(r.rps(), bare.rps())
			cols[6] = ratio(float64(r.p99()), float64(bare.p99()))
		}
		if ip := r.inproc; ip != nil {
			cols[8] = fmt.Sprintf("%.0f", ip.AllocsPerOp)
			cols[9] = fmt.Sprintf("%.0f", ip.BytesPerOp)
			cols[10] = fmt.Sprintf("%.0f", ip.NsPerOp)
		}
		fmt.Fprintln(w, "| "+strings.Join(cols, " | ")+" |")
		if bad, errs := r.bad(); bad > 0 || errs > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: %d wrong answers, %d connection errors", r.s.Name, bad, errs))
		}
	}
	fmt.Fprintln(w)
	for _, r := range rep.rows {
		fmt.Fprintf(w, "- `%s`: %s\n", r.s.Name, r.s.Title)
	}
	for _, wn := range warnings {
		fmt.Fprintln(w, "WARNING:", wn)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | measured | |")
	fmt.Fprintln(w, "|---|---:|---|")
	for _, t := range rep.targets() {
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.name, t.measured, t.verdict)
	}
	var profiles []string
	for _, r := range rep.rows {
		if r.profile != "" {
			profiles = append(profiles, r.profile)
		}
	}
	if len(profiles) > 0 {
		fmt.Fprintf(w, "\nCPU profiles of the servers (go tool pprof -top FILE):\n")
		for _, p := range profiles {
			fmt.Fprintln(w, "  ", p)
		}
	}
}

type target struct {
	name, measured, verdict string
}

// targets checks apigw's targets (issue 21's), where the scenarios they
// compare were run; the lines marked "(no target)" are for information.
func (rep *report) targets() []target {
	var out []target
	add := func(name string, ok bool, measured string) {
		out = append(out, target{name, measured, verdict(ok)})
	}
	notRun := func(name string) { out = append(out, target{name, "not run", "–"}) }
	thr := func(name, a, b string, min float64) {
		ra, rb := rep.row(a), rep.row(b)
		if ra == nil || rb == nil || rb.rps() == 0 {
			if min > 0 {
				notRun(name)
			}
			return
		}
		v := ra.rps() / rb.rps()
		m := fmt.Sprintf("%.3f× (%.0f vs %.0f req/s; run by run %s)", v, ra.rps(), rb.rps(), paired(ra, rb))
		if min == 0 {
			out = append(out, target{name, m, "(no target)"})
			return
		}
		add(name, v >= min, m)
	}
	// inproc checks a's in-process time against at most maxTimes b's, and
	// its allocations against maxAllocs.
	inproc := func(name, a, b string, maxTimes, maxAllocs float64) {
		ra, rb := rep.row(a), rep.row(b)
		if ra == nil || rb == nil || ra.inproc == nil || rb.inproc == nil || rb.inproc.NsPerOp == 0 {
			notRun(name)
			return
		}
		v := ra.inproc.NsPerOp / rb.inproc.NsPerOp
		add(name, v <= maxTimes && ra.inproc.AllocsPerOp <= maxAllocs, fmt.Sprintf("%.2f× (%.0f vs %.0f ns), %.0f allocs",
			v, ra.inproc.NsPerOp, rb.inproc.NsPerOp, ra.inproc.AllocsPerOp))
	}
	thr("apigw-proxy ≥ 0.95 × bare (req/s)", "apigw-proxy", "bare", 0.95)
	thr("apigw-cache ≥ 0.95 × bare (req/s)", "apigw-cache", "bare", 0.95)
	thr("apigw-httpapi ≥ 0.95 × apigw-proxy (req/s): the HTTP API profile costs nothing", "apigw-httpapi", "apigw-proxy", 0.95)
	thr("apigw-full ≥ 0.80 × bare-post, the same request to the bare backend (req/s)", "apigw-full", "bare-post", 0.80)
	thr("apigw-full vs bare", "apigw-full", "bare", 0)
	full, post := rep.row("apigw-full"), rep.row("bare-post")
	if name := "apigw-full ≥ 0.9 × bare-post in CPU per request (bare-post's CPU ÷ full's)"; full == nil || post == nil || len(full.cpu) == 0 || len(post.cpu) == 0 {
		notRun(name)
	} else {
		v := float64(median(post.cpu)) / float64(median(full.cpu))
		add(name, v >= 0.9, fmt.Sprintf("%.3f× (%s vs %s)", v, fmtDur(median(post.cpu)), fmtDur(median(full.cpu))))
	}
	inproc("apigw-full in-process ≤ 3 × apigw-proxy, ≤ 12 allocations", "apigw-full", "apigw-proxy", 3, 12)
	thr("apigw-full ≥ chi-stack (req/s)", "apigw-full", "chi-stack", 1.0)
	thr("apigw-full-nocache ≥ 1.5 × chi-stack (req/s)", "apigw-full-nocache", "chi-stack", 1.5)
	thr("apigw-full-metrics ≥ 0.95 × apigw-full (req/s): the monitor's metrics", "apigw-full-metrics", "apigw-full", 0.95)
	thr("apigw-full-monitor ≥ 0.95 × apigw-full (req/s): metrics and traces, 5 % sampled", "apigw-full-monitor", "apigw-full", 0.95)
	thr("apigw-full-traced vs apigw-full: every request traced", "apigw-full-traced", "apigw-full", 0)
	bare := rep.row("bare")
	if name := "apigw-full p99 ≤ 1.5 × bare p99"; full == nil || bare == nil || bare.p99() == 0 {
		notRun(name)
	} else {
		v := float64(full.p99()) / float64(bare.p99())
		add(name, v <= 1.5, fmt.Sprintf("%.3f× (%s vs %s)", v, fmtDur(full.p99()), fmtDur(bare.p99())))
	}
	inproc("apigw-lambda (1.0) in-process ≤ 3 × apigw-proxy, ≤ 40 allocations", "apigw-lambda", "apigw-proxy", 3, 40)
	inproc("apigw-lambda-v2 (2.0) in-process ≤ 3 × apigw-httpapi, ≤ 40 allocations", "apigw-lambda-v2", "apigw-httpapi", 3, 40)
	thr("apigw-lambda vs apigw-proxy", "apigw-lambda", "apigw-proxy", 0)
	thr("apigw-http ≥ 0.95 × reverseproxy (req/s)", "apigw-http", "reverseproxy", 0.95)
	thr("apigw-http ≥ caddy-proxy (req/s): keep the lead", "apigw-http", "caddy-proxy", 1.0)
	thr("apigw-http vs lura-proxy", "apigw-http", "lura-proxy", 0)
	thr("caddy-proxy vs reverseproxy", "caddy-proxy", "reverseproxy", 0)
	thr("lura-proxy vs reverseproxy", "lura-proxy", "reverseproxy", 0)
	thr("apigw-krakend ≥ krakend (req/s): keep the lead", "apigw-krakend", "krakend", 1.0)
	return out
}

// paired is the median of the ratios of a's and b's throughputs run by
// run: each run of a ran close in time to the same run of b, so this is
// less sensitive to a slow drift of the machine than the ratio of medians.
func paired(a, b *row) string {
	var xs []float64
	for i := range min(len(a.runs), len(b.runs)) {
		if r := b.runs[i].RPS(); r > 0 {
			xs = append(xs, a.runs[i].RPS()/r)
		}
	}
	if len(xs) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.3f×", median(xs))
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}
