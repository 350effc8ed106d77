package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/exampletest"
	"github.com/redis/go-redis/v9"
)

func startExample(t *testing.T, items store) string {
	t.Helper()
	return exampletest.Start(t, func(ctx context.Context, addr string, ready chan<- string) error {
		return run(ctx, nil, addr, items, slog.New(slog.DiscardHandler), ready)
	})
}

// call sends a request and returns its status, headers and body.
func call(t *testing.T, method, target, auth, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(b))
}

func token(t *testing.T, base, scope string) string {
	t.Helper()
	resp, err := http.PostForm(base+"/token", url.Values{"scope": {scope}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	return tok.AccessToken
}

// crud runs the tutorial's story against the API at base.
func crud(t *testing.T, base, other string) {
	t.Helper()
	// Each replica is its own issuer here: a token is asked of the replica
	// it goes to.
	tokens := map[string]string{}
	tok := func(at, scope string) string {
		if tokens[at+scope] == "" {
			tokens[at+scope] = token(t, at, scope)
		}
		return tokens[at+scope]
	}
	const write, read = "items/write", "items/read"
	steps := []struct {
		method, path, auth, body string
		status                   int
		want                     string
	}{
		{"GET", "/items", "", "", 200, `[]`},
		{"PUT", "/items", write, `{"id":"123","price":12345,"name":"myitem"}`, 200, `{"message":"Put item 123"}`},
		{"GET", "/items/123", "", "", 200, `{"id":"123","name":"myitem","price":12345}`},
		{"GET", "/items", "", "", 200, `[{"id":"123","name":"myitem","price":12345}]`},
		{"PUT", "/items", "", `{"id":"1"}`, 401, `{"message":"Unauthorized"}`},
		{"DELETE", "/items/123", read, "", 403, `{"message":"Forbidden"}`},
		{"PUT", "/items", write, `{"price":1}`, 400, `{"message":"want an item with an id"}`},
		{"GET", "/items/999", "", "", 404, `{"message":"no item 999"}`},
		{"GET", "/nothing", "", "", 404, `{"message":"Not Found"}`},
		{"DELETE", "/items/123", write, "", 200, `{"message":"Deleted item 123"}`},
		{"GET", "/items/123", "", "", 404, `{"message":"no item 123"}`},
	}
	for i, s := range steps {
		at := base
		if other != "" && i%2 == 1 {
			at = other // replicas share the items
		}
		auth := s.auth
		if auth != "" {
			auth = tok(at, auth)
		}
		status, h, body := call(t, s.method, at+s.path, auth, s.body)
		if status != s.status || body != s.want {
			t.Errorf("%s %s: %d %s, want %d %s", s.method, s.path, status, body, s.status, s.want)
		}
		if id := h.Get("Apigw-Requestid"); len(id) != 16 || h.Get("X-Amzn-Requestid") != "" {
			t.Errorf("%s %s: request id headers %v", s.method, s.path, h)
		}
	}
}

func TestCRUD(t *testing.T) {
	crud(t, startExample(t, newMemoryStore()), "")
}

func TestCORS(t *testing.T) {
	base := startExample(t, newMemoryStore())
	status, h, _ := call(t, "OPTIONS", base+"/items", "", "", "Origin", "http://localhost:3000",
		"Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "authorization,content-type")
	if status != 204 || h.Get("Access-Control-Allow-Origin") != "http://localhost:3000" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "PUT") {
		t.Errorf("preflight: %d %v", status, h)
	}
	_, h, _ = call(t, "GET", base+"/items", "", "", "Origin", "http://evil.example")
	if h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a refused origin was granted: %v", h)
	}
}

// TestReplicasShareItems runs two replicas on one Redis: what one writes
// the other serves.
func TestReplicasShareItems(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at 127.0.0.1:6379: %v", err)
		}
		t.Skipf("Redis at 127.0.0.1:6379: %v", err)
	}
	key := fmt.Sprintf("apigw:test:httpapi:%d", time.Now().UnixNano())
	defer rdb.Del(context.Background(), key)
	items := redisStore{rdb: rdb, key: key}
	crud(t, startExample(t, items), startExample(t, items))
}

// TestCurl runs the doc comment's first commands with curl, when the
// machine has it.
func TestCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	base := startExample(t, newMemoryStore())
	curl := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("curl", append([]string{"-s", "-m", "10"}, args...)...).Output()
		if err != nil {
			t.Fatalf("curl %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(curl("-d", "scope=items/write", base+"/token")), &tok); err != nil {
		t.Fatal(err)
	}
	if got := curl("-X", "PUT", "-H", "Authorization: Bearer "+tok.AccessToken, "-d", `{"id":"123","price":12345,"name":"myitem"}`, base+"/items"); got != `{"message":"Put item 123"}` {
		t.Errorf("PUT: %s", got)
	}
	if got := curl(base + "/items/123"); got != `{"id":"123","name":"myitem","price":12345}` {
		t.Errorf("GET: %s", got)
	}
	if got := curl("-o", "/dev/null", "-w", "%{http_code}", base+"/nothing"); got != "404" {
		t.Errorf("unmatched path: %s", got)
	}
}
