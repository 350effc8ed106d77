package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apigw/apigw/bench/loadgen"
)

// procs tracks every server process the benchmark starts, so that all are
// stopped however the benchmark ends.
type procs struct {
	mu      sync.Mutex
	running map[*server]bool
	pids    []int // of every process started
}

// server is one benchserver process.
type server struct {
	cmd    *exec.Cmd
	stdin  *os.File // closing it tells the server to stop
	addr   string   // 127.0.0.1:PORT
	stderr *lockedBuffer
	exited chan struct{}
	once   sync.Once
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}

// startTimeout bounds how long a server may take to listen.
const startTimeout = 30 * time.Second

// start runs bin with args and waits until it listens.
func (ps *procs) start(ctx context.Context, bin string, args ...string) (*server, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	s := &server{cmd: exec.Command(bin, args...), stdin: inW, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	s.cmd.Stdin = inR
	s.cmd.Stdout = outW
	s.cmd.Stderr = s.stderr
	err = s.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	ps.mu.Lock()
	if ps.running == nil {
		ps.running = map[*server]bool{}
	}
	ps.running[s] = true
	ps.pids = append(ps.pids, s.cmd.Process.Pid)
	ps.mu.Unlock()
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()

	listening := make(chan string, 1)
	go func() {
		defer outR.Close()
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "LISTEN "); ok {
				select {
				case listening <- addr:
				default:
				}
			}
		}
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case s.addr = <-listening:
		if err := loadgen.CheckLoopback(s.addr); err != nil {
			ps.stop(s)
			return nil, err
		}
		return s, nil
	case <-s.exited:
		ps.stop(s)
		return nil, fmt.Errorf("%s %s exited: %s", bin, strings.Join(args, " "), s.stderr)
	case <-timer.C:
		ps.stop(s)
		return nil, fmt.Errorf("%s %s: not listening after %v", bin, strings.Join(args, " "), startTimeout)
	case <-ctx.Done():
		ps.stop(s)
		return nil, ctx.Err()
	}
}

// run runs bin with args to its end and returns its standard output. It is
// killed if ctx ends first.
func (ps *procs) run(ctx context.Context, bin string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = stopTimeout
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ps.mu.Lock()
	ps.pids = append(ps.pids, cmd.Process.Pid)
	ps.mu.Unlock()
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", bin, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// stopTimeout is how long a server has to stop (and write its profile)
// before it is killed.
const stopTimeout = 15 * time.Second

// stop stops s: SIGTERM and end of file on its stdin, then SIGKILL if it
// does not exit in time. It returns once the process has exited.
func (ps *procs) stop(s *server) {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		s.stdin.Close()
		select {
		case <-s.exited:
		case <-time.After(stopTimeout):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		ps.mu.Lock()
		delete(ps.running, s)
		ps.mu.Unlock()
	})
	<-s.exited
}

// stopAll stops every server still running.
func (ps *procs) stopAll() {
	ps.mu.Lock()
	var all []*server
	for s := range ps.running {
		all = append(all, s)
	}
	ps.mu.Unlock()
	for _, s := range all {
		ps.stop(s)
	}
}

// live is the number of servers started and not yet stopped.
func (ps *procs) live() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.running)
}

// cpuTime is the CPU time (user + system) process pid has used so far, from
// /proc (Linux); ok is false elsewhere.
func cpuTime(pid int) (d time.Duration, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after its closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, false
	}
	const ticksPerSecond = 100 // USER_HZ, 100 on every Linux
	return time.Duration(ut+st) * time.Second / ticksPerSecond, true
}
