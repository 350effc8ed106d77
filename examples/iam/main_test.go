package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/awsfake"
	"github.com/apigw/apigw/internal/exampletest"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The demo users.
var (
	alice = aws.Credentials{AccessKeyID: "AKIAALICE00000000001", SecretAccessKey: "alice/secret/key/0000000000000000000001"}
	bob   = aws.Credentials{AccessKeyID: "AKIABOB0000000000001", SecretAccessKey: "bob/secret/key/00000000000000000000001"}
)

func start(t *testing.T, cfg config) string {
	t.Helper()
	return exampletest.Start(t, func(ctx context.Context, addr string, ready chan<- string) error {
		cfg.addr = addr
		return run(ctx, nil, cfg, slog.New(slog.DiscardHandler), ready)
	})
}

// call sends a request signed by creds with aws-sdk-go-v2 (unsigned when
// creds is nil) and returns the status and body.
func call(t *testing.T, creds *aws.Credentials, method, url, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain")
	if creds != nil {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), *creds, req, hex.EncodeToString(sum[:]), "execute-api", region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(b))
}

// story is the scenario, whoever signs the requests.
type signer func(t *testing.T, creds *aws.Credentials, method, url, body string) (int, http.Header, string)

func story(t *testing.T, base string, do signer) {
	t.Helper()
	steps := []struct {
		who          *aws.Credentials
		method, path string
		body         string
		status       int
		want         string
	}{
		{&alice, "GET", "/whoami", "", 200, `{"accessKey":"AKIAALICE00000000001","accountId":"123456789012","userArn":"arn:aws:iam::123456789012:user/alice"}`},
		{&bob, "GET", "/whoami", "", 200, `{"accessKey":"AKIABOB0000000000001","accountId":"123456789012","userArn":"arn:aws:iam::123456789012:user/bob"}`},
		{&alice, "PUT", "/files/hello.txt", "hello, world", 200, `{"stored":"files/hello.txt"}`},
		{&alice, "GET", "/files/hello.txt", "", 200, "hello, world"},
		{&bob, "GET", "/files/hello.txt", "", 200, "hello, world"},
		{&bob, "PUT", "/files/hello.txt", "bob was here", 403,
			`{"Message":"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:apigw/default/PUT/files/hello.txt with an explicit deny"}`},
		{&alice, "GET", "/files/hello.txt", "", 200, "hello, world"},
		{&alice, "GET", "/files/nothing.txt", "", 404, `{"message":"no such file"}`},
		{nil, "GET", "/whoami", "", 403, `{"message":"Missing Authentication Token"}`},
		{&aws.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: "wrong"}, "GET", "/whoami", "", 403, "The request signature we calculated does not match"},
	}
	for _, s := range steps {
		status, h, body := do(t, s.who, s.method, base+s.path, s.body)
		if status != s.status || !strings.Contains(body, s.want) {
			t.Errorf("%s %s: %d %s, want %d %s", s.method, s.path, status, body, s.status, s.want)
		}
		if s.method == "GET" && status == 200 && strings.HasPrefix(s.path, "/files/") && h.Get("Content-Type") != "text/plain" {
			t.Errorf("GET %s: Content-Type %q", s.path, h.Get("Content-Type"))
		}
	}
}

func TestExample(t *testing.T) {
	story(t, start(t, config{}), call)
}

// TestCurl runs the doc comment's curl commands, when this machine's curl
// signs (--aws-sigv4, curl 7.75 and later).
func TestCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	if help, _ := exec.Command("curl", "--help", "all").Output(); !bytes.Contains(help, []byte("--aws-sigv4")) {
		t.Skip("curl has no --aws-sigv4")
	}
	curl := func(t *testing.T, creds *aws.Credentials, method, url, body string) (int, http.Header, string) {
		t.Helper()
		args := []string{"-s", "-i", "-X", method, "-H", "Content-Type: text/plain"}
		if creds != nil {
			args = append(args, "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", creds.AccessKeyID+":"+creds.SecretAccessKey)
		}
		if body != "" {
			args = append(args, "--data-binary", body)
		}
		out, err := exec.Command("curl", append(args, url)...).Output()
		if err != nil {
			t.Fatalf("curl %v: %v", args, err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
		if err != nil {
			t.Fatalf("curl's answer: %v\n%s", err, out)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, strings.TrimSpace(string(b))
	}
	story(t, start(t, config{}), curl)
}

// TestCredentialsFile takes the callers from a shared-credentials file.
func TestCredentialsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "credentials")
	content := "[alice]\naws_access_key_id = " + alice.AccessKeyID + "\naws_secret_access_key = " + alice.SecretAccessKey +
		"\n\n[bob]\naws_access_key_id = " + bob.AccessKeyID + "\naws_secret_access_key = " + bob.SecretAccessKey + "\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	story(t, start(t, config{credentials: file}), call)
}

// TestS3Endpoint sends the files to an S3 elsewhere, signed with the
// credentials aws-sdk-go-v2's default chain finds (here the environment).
func TestS3Endpoint(t *testing.T) {
	own := aws.Credentials{AccessKeyID: "AKIAFROMENVIRONMENT1", SecretAccessKey: "environment/secret"}
	t.Setenv("AWS_ACCESS_KEY_ID", own.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", own.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	s3 := httptest.NewServer(awsfake.NewS3(own, region, bucket))
	defer s3.Close()
	story(t, start(t, config{s3Endpoint: s3.URL}), call)
}

// TestSignals runs the command itself and stops it with SIGTERM and
// SIGINT: it shuts down gracefully and exits 0.
func TestSignals(t *testing.T) {
	if os.Getenv("IAM_EXAMPLE_MAIN") == "1" {
		os.Args = []string{"iam", "-addr", "127.0.0.1:0"}
		main()
		return
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestSignals$")
		cmd.Env = append(os.Environ(), "IAM_EXAMPLE_MAIN=1")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "iam example: http://127.0.0.1:") {
			t.Fatalf("first line %q, %v", line, err)
		}
		base := strings.Fields(line)[2]
		base = strings.TrimSuffix(base, "/whoami")
		if status, _, _ := call(t, &alice, "GET", base+"/whoami", ""); status != 200 {
			t.Errorf("whoami: %d", status)
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
		if err := cmd.Wait(); err != nil {
			t.Errorf("%v: exited with %v", sig, err)
		}
	}
}
