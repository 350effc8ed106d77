package server

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/bench/scenario"
)

func TestMainServesUntilStdinCloses(t *testing.T) {
	creds, err := scenario.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	jwks := filepath.Join(dir, "jwks.json")
	if err := creds.WriteJWKS(jwks); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(dir, "cpu.pprof")
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Main([]string{"-scenario", "apigw-full", "-jwks", jwks, "-cpuprofile", profile}, inR, outW, io.Discard)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no LISTEN line: %v (%v)", err, <-done)
	}
	go io.Copy(io.Discard, outR)
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "LISTEN ")
	if !ok || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("first line %q", line)
	}
	s, _ := scenario.ByName("apigw-full")
	req, err := s.Request(creds.Token).NewHTTPRequest("http://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := s.Check(resp.StatusCode, resp.Header, body, true); err != nil {
		t.Fatal(err)
	}
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop when its stdin closed")
	}
	if fi, err := os.Stat(profile); err != nil || fi.Size() == 0 {
		t.Errorf("no CPU profile: %v", err)
	}
}

// TestMainInProcess: with -inprocess the server measures the handler and
// prints the figures instead of serving.
func TestMainInProcess(t *testing.T) {
	creds, err := scenario.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	jwks, token := filepath.Join(dir, "jwks.json"), filepath.Join(dir, "token")
	if err := creds.WriteJWKS(jwks); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(token, []byte(creds.Token), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err = Main([]string{"-scenario", "apigw-full", "-jwks", jwks, "-token", token, "-inprocess", "5ms"}, strings.NewReader(""), &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	js, ok := strings.CutPrefix(strings.TrimSpace(out.String()), InProcessPrefix)
	var ip scenario.InProcess
	if !ok || json.Unmarshal([]byte(js), &ip) != nil || ip.N < 100 || ip.AllocsPerOp <= 0 {
		t.Errorf("output %q", out.String())
	}
	// A wrong token: the answer is checked before anything is measured.
	if err := os.WriteFile(token, []byte("nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = Main([]string{"-scenario", "apigw-full", "-jwks", jwks, "-token", token, "-inprocess", "5ms"}, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "status 401") {
		t.Errorf("error %v, want the wrong answer", err)
	}
}

func TestMainRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown scenario", []string{"-scenario", "nope"}, "unknown scenario"},
		{"no scenario", nil, "unknown scenario"},
		{"not loopback", []string{"-scenario", "bare", "-addr", "0.0.0.0:0"}, "127.0.0.1 only"},
		{"proxy without backend", []string{"-scenario", "apigw-http"}, "backend URL"},
		{"backend not loopback", []string{"-scenario", "reverseproxy", "-backend", "http://example.com"}, "backend URL"},
		{"missing jwks", []string{"-scenario", "apigw-full", "-jwks", "/nonexistent/jwks.json"}, "no such file"},
	}
	if !scenario.PeersBuilt {
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"peer not compiled in", []string{"-scenario", "lura-proxy", "-backend", "http://127.0.0.1:1"}, "-tags peers"})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Main(tc.args, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
