package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// startTimeout bounds the start of the browser; caseTimeout bounds each
// test case.
const (
	startTimeout = 60 * time.Second
	caseTimeout  = 30 * time.Second
)

// chromium returns the browser binary: $CHROMIUM, or chromium (or
// chromium-browser) on $PATH. Without one the test skips, or fails when
// CI=true.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no chromium on $PATH (install the Debian package chromium, or set CHROMIUM to a Chromium or Chrome binary)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true needs the browser tests to run")
	}
	t.Skip(msg + ": skipping the browser tests")
	return ""
}

// browser is a headless Chromium for one test, with a fresh profile. It
// stops when the test ends.
type browser struct {
	ctx  context.Context // has run once: the browser is up
	logs *consoleLog
}

// startBrowser starts Chromium with no network use of its own (no QUIC, no
// background or component updates, no sync), so that it only ever connects
// to the test's servers on 127.0.0.1.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromium(t)
	dir := t.TempDir() // removed after the browser has exited (cleanups run last-in first-out)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.UserDataDir(dir),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc) // kills the browser and waits for it
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// The first run starts the browser, which lives as long as ctx: it
	// takes no deadline, so the timer bounds it instead.
	timer := time.AfterFunc(startTimeout, cancelAlloc)
	err := chromedp.Do(ctx)
	if !timer.Stop() {
		t.Fatalf("chromium (%s) did not start within %v: %v", path, startTimeout, err)
	}
	if err != nil {
		t.Fatalf("starting chromium (%s): %v", path, err)
	}
	return &browser{ctx: ctx, logs: new(consoleLog)}
}

// tab opens a tab in a browser context of its own (a fresh profile, as an
// incognito window: no cookies, no cached preflights) for the rest of the
// test case. Its console messages are logged if the test fails.
func (b *browser) tab(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatalf("new tab: %v", err)
	}
	messages := chromedp.Console(ctx)
	ctx, cancelCase := context.WithTimeout(ctx, caseTimeout)
	t.Cleanup(cancelCase)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.logs.add(t.Name(), m.String())
		}
	}()
	t.Cleanup(func() {
		cancelCase()
		cancel()
		<-done
		if t.Failed() {
			t.Logf("browser console:\n%s", b.logs.of(t.Name()))
		}
	})
	return ctx
}

// consoleLog keeps the console messages of each test case.
type consoleLog struct {
	mu   sync.Mutex
	text map[string][]string
}

func (l *consoleLog) add(test, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.text == nil {
		l.text = make(map[string][]string)
	}
	l.text[test] = append(l.text[test], msg)
}

func (l *consoleLog) of(test string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.text[test]) == 0 {
		return "(nothing)"
	}
	return strings.Join(l.text[test], "\n")
}
