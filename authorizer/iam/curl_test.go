package iam_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
)

// curlWithSigV4 returns curl's path, skipping the test when curl is absent
// or too old for --aws-sigv4 (7.75).
func curlWithSigV4(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	out, _ := exec.Command(path, "--help", "all").Output()
	if !bytes.Contains(out, []byte("--aws-sigv4")) {
		t.Skip("curl lacks --aws-sigv4")
	}
	return path
}

// TestCurl: requests signed by curl --aws-sigv4 "aws:amz:us-east-1:execute-api"
// are accepted; a wrong secret gets AWS's answer.
func TestCurl(t *testing.T) {
	curl := curlWithSigV4(t)
	a, err := iam.New(iam.Config{Region: region, Credentials: testCredentials()}) // the real clock: curl signs now
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(authorizer.Middleware(a, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		body, _ := io.ReadAll(r.Body)
		_ = json.NewEncoder(w).Encode(map[string]string{"accessKey": c.Identity.AccessKey, "userArn": c.Identity.UserARN, "body": string(body)})
	})))
	defer srv.Close()
	for _, tt := range []struct {
		name string
		args []string
		user string
		want string
		code string
	}{
		{"GET", []string{srv.URL + "/whoami"}, aliceKey + ":" + aliceSecret, `"userArn":"arn:aws:iam::123456789012:user/alice"`, "200"},
		// The query is in canonical order: curl before 8.1 signs it as
		// written, unsorted, which AWS refuses too.
		{"GET with a query", []string{srv.URL + "/pets?page=2&q=a%20b&type=dog&z=%2F"}, aliceKey + ":" + aliceSecret, `"accessKey":"AKIAALICE00000000001"`, "200"},
		{"POST JSON", []string{"-H", "Content-Type: application/json", "-d", `{"name":"Rex"}`, srv.URL + "/pets"}, bobKey + ":" + bobSecret, "", "403"}, // bob may only GET
		{"PUT a body", []string{"-X", "PUT", "-H", "Content-Type: text/plain", "--data-binary", "hello, files", srv.URL + "/files/a.txt"}, aliceKey + ":" + aliceSecret, `"body":"hello, files"`, "200"},
		{"custom header", []string{"-H", "X-Tenant: acme", srv.URL + "/pets/7"}, aliceKey + ":" + aliceSecret, `"accessKey"`, "200"},
		{"wrong secret", []string{srv.URL + "/whoami"}, aliceKey + ":wrong", mismatchPrefix, "403"},
		{"unknown key", []string{srv.URL + "/whoami"}, "AKIANOBODY0000000000:x", "The security token included in the request is invalid.", "403"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-s", "-w", "\n%{http_code}", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", tt.user}, tt.args...)
			out, err := exec.Command(curl, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("curl: %v: %s", err, out)
			}
			i := bytes.LastIndexByte(out, '\n')
			body, code := string(out[:i+1]), string(out[i+1:])
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Fatalf("%s %s, want %s with %q", code, body, tt.code, tt.want)
			}
		})
	}
}
