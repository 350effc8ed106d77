package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apigw/apigw/examples/petbreed/petbreed"
	"github.com/chromedp/chromedp"
)

// TestPetbreed loads the petbreed example's shop page in Chromium and
// presses its buttons: the browser itself enforces the API's CORS policy.
func TestPetbreed(t *testing.T) {
	b := startBrowser(t)
	access := new(accessLog)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := petbreed.Start(ctx, petbreed.Config{
		Addr:     "127.0.0.1:0",
		SiteAddr: "127.0.0.1:0",
		Logger:   slog.New(access),
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := s.Wait(); err != nil {
			t.Errorf("petbreed: %v", err)
		}
	})
	// The same page, calling the same API, from an origin the API does not
	// list: 127.0.0.1 on another port.
	page, err := petbreed.Page(s.APIURL)
	if err != nil {
		t.Fatal(err)
	}
	unlisted := httptest.NewServer(page)
	t.Cleanup(unlisted.Close)
	breed := petbreed.Breed("rex.jpg")

	tests := []struct {
		name      string
		pageURL   string
		button    string
		token     string // typed into #token first
		wantState string // of #result: ok, error or blocked
		wantText  string // of #result; a prefix for "blocked"
		wantLog   []string
		wantCalls int64 // requests that reach the backend
	}{
		{
			name: "the shop shows the breed", pageURL: s.SiteURL, button: "identify",
			wantState: "ok", wantText: "Breed: " + breed,
			wantLog:   []string{"OPTIONS /identify 204", "POST /identify 200"},
			wantCalls: 1,
		},
		{
			name: "another origin is blocked", pageURL: unlisted.URL + "/", button: "identify",
			wantState: "blocked", wantText: "Blocked: the browser did not let this page read the API's answer (TypeError: ",
			wantLog: []string{"OPTIONS /identify 204"}, // a preflight without allow headers: no POST follows
		},
		{
			name: "premium without a token shows the authorizer's 401", pageURL: s.SiteURL, button: "premium",
			wantState: "error", wantText: "Error 401: Unauthorized",
			wantLog: []string{"OPTIONS /identify/premium 204", "POST /identify/premium 401"},
		},
		{
			name: "premium with the token shows the breed", pageURL: s.SiteURL, button: "premium", token: petbreed.PremiumToken,
			wantState: "ok", wantText: "Breed: " + breed,
			wantLog:   []string{"OPTIONS /identify/premium 204", "POST /identify/premium 200"},
			wantCalls: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := b.tab(t)
			access.reset()
			calls := s.Calls()
			steps := []chromedp.Action[chromedp.Void]{
				chromedp.Navigate(tc.pageURL),
				chromedp.WaitVisible(chromedp.ID(tc.button)),
			}
			if tc.token != "" {
				steps = append(steps, chromedp.SendKeys(chromedp.ID("token"), tc.token))
			}
			steps = append(steps, chromedp.Click(chromedp.ID(tc.button)))
			if err := chromedp.Do(ctx, steps...); err != nil {
				t.Fatalf("loading %s and pressing #%s: %v", tc.pageURL, tc.button, err)
			}
			got, err := chromedp.Run(ctx, chromedp.Poll[result](resultJS, chromedp.WithPollingMutation()))
			if err != nil {
				t.Fatalf("waiting for #result: %v", err)
			}
			if got.State != tc.wantState || !strings.HasPrefix(got.Text, tc.wantText) || (tc.wantState != "blocked" && got.Text != tc.wantText) {
				t.Errorf("#result: %s %q, want %s %q", got.State, got.Text, tc.wantState, tc.wantText)
			}
			// The backend's counter moves before the answer leaves; the
			// access log's records follow the answer, so wait for them.
			if n := s.Calls() - calls; n != tc.wantCalls {
				t.Errorf("%d requests reached the backend, want %d", n, tc.wantCalls)
			}
			if log, err := access.waitFor(ctx, len(tc.wantLog)); err != nil || !slices.Equal(log, tc.wantLog) {
				t.Errorf("API access log %q (%v), want %q", log, err, tc.wantLog)
			}
		})
	}
}

// result is what the page wrote into #result.
type result struct {
	State string `json:"state"`
	Text  string `json:"text"`
}

// resultJS is truthy once the page has written an outcome into #result.
const resultJS = `(() => {
	const r = document.getElementById("result");
	const s = r && r.dataset.state;
	return s && s !== "pending" ? {state: s, text: r.textContent} : null;
})()`

// accessLog is a slog.Handler that keeps the API's access log as lines
// "METHOD path status", and lets a test wait for them.
type accessLog struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced on each new line
}

func (l *accessLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *accessLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *accessLog) WithGroup(string) slog.Handler            { return l }

func (l *accessLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil // the authorizer's own logs
	}
	var method, path, status string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "httpMethod":
			method = a.Value.String()
		case "path":
			path = a.Value.String()
		case "status":
			status = fmt.Sprint(a.Value.Any())
		}
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, method+" "+path+" "+status)
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return nil
}

// reset forgets the lines so far.
func (l *accessLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = nil
}

// waitFor returns the lines once there are at least n, or what there is
// when ctx ends.
func (l *accessLog) waitFor(ctx context.Context, n int) ([]string, error) {
	for {
		l.mu.Lock()
		lines := slices.Clone(l.lines)
		if len(lines) >= n {
			l.mu.Unlock()
			return lines, nil
		}
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return lines, ctx.Err()
		}
	}
}
