package exampletest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// envArgs carries, from [StartMain] to [Main] in the child process, the
// command-line arguments of the example's main.
const envArgs = "APIGW_EXAMPLE_MAIN_ARGS"

// Main is the TestMain of an example: in a process started by [StartMain]
// it runs the example's main with the arguments given there, and exits
// with status 0 when main returns; otherwise it runs the tests.
//
//	func TestMain(m *testing.M) { exampletest.Main(m, main) }
func Main(m *testing.M, main func()) {
	if v, ok := os.LookupEnv(envArgs); ok {
		var args []string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			fmt.Fprintln(os.Stderr, "exampletest:", err)
			os.Exit(2)
		}
		os.Args = append([]string{os.Args[0]}, args...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Process is an example's main running in a child process, the way a
// user, systemd, Docker or Kubernetes runs it.
type Process struct {
	// Addrs are the 127.0.0.1 addresses of the first line the example
	// logged that has any, in order.
	Addrs []string

	cmd    *exec.Cmd
	mu     sync.Mutex
	logs   strings.Builder
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

var addrPattern = regexp.MustCompile(`(?:http|ws)://(127\.0\.0\.1:\d+)`)

// StartMain runs the example's main (see [Main]) in a child process with
// args, waits until it logs the address it serves, and kills it when the
// test ends if it is still running.
func StartMain(t testing.TB, args ...string) *Process {
	t.Helper()
	enc, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{cmd: exec.Command(os.Args[0]), exited: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), envArgs+"="+string(enc))
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := addrPattern.FindAllStringSubmatch(line, -1); m != nil && !sent {
				addrs := make([]string, len(m))
				for i := range m {
					addrs[i] = m[i][1]
				}
				found <- addrs
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.Addrs = <-found:
	case <-p.exited:
		t.Fatalf("the example exited before serving: %v\n%s", p.err, p.Logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("the example logged no address in 30 s:\n%s", p.Logs())
	}
	return p
}

// Logs returns what the example has logged so far.
func (p *Process) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// Signal sends sig to the example.
func (p *Process) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// Wait waits up to d for the example to exit and returns how it exited.
func (p *Process) Wait(t testing.TB, d time.Duration) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.err
	case <-time.After(d):
		t.Fatalf("the example has not exited after %v:\n%s", d, p.Logs())
		return nil
	}
}

// WaitClosed waits until nothing accepts connections on addr any more
// (the server has started shutting down), up to d.
func WaitClosed(t testing.TB, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		_ = c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections after %v", addr, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// GracefulStop checks that the example stops gracefully on sig: a request
// in flight when the signal arrives is answered in full, and the example
// exits with status 0. The request, "METHOD /path" on addr, has a body
// that the server has started to read (it asked for it with 100 Continue)
// and that the test sends only after the signal. Without a request, only
// the exit is checked.
func GracefulStop(t *testing.T, p *Process, addr, request string, sig syscall.Signal) {
	t.Helper()
	if request == "" {
		p.Signal(t, sig)
		checkExit(t, p)
		return
	}
	method, path, _ := strings.Cut(request, " ")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	const body = `{"in":"flight"}`
	if _, err := fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", method, path, addr, len(body)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("%s: %q (%v), want 100 Continue: the server must read the body", request, line, err)
	}
	if _, err := br.ReadString('\n'); err != nil { // the empty line after it
		t.Fatal(err)
	}
	p.Signal(t, sig)
	WaitClosed(t, addr, 10*time.Second)
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatalf("the request in flight was cut: %v\n%s", err, p.Logs())
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v\n%s", err, p.Logs())
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("the answer was cut after %d bytes: %v", len(got), err)
	}
	if resp.StatusCode >= 500 {
		t.Errorf("the request in flight got %s: %s", resp.Status, got)
	}
	checkExit(t, p)
}

// checkExit waits for the example to exit with status 0.
func checkExit(t *testing.T, p *Process) {
	t.Helper()
	if err := p.Wait(t, 15*time.Second); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("the example exited with %v, want status 0:\n%s", ee.ProcessState, p.Logs())
		}
		t.Fatal(err)
	}
}

// TestSignals checks that the example's main, run with args, stops
// gracefully (see [GracefulStop]) on SIGTERM as on SIGINT, with request in
// flight to the last address it logs ("" for none).
func TestSignals(t *testing.T, request string, args ...string) {
	t.Helper()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			p := StartMain(t, args...)
			GracefulStop(t, p, p.Addrs[len(p.Addrs)-1], request, sig)
		})
	}
}
