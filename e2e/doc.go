// Package e2e holds apigw's end-to-end tests in a real browser: a module of
// its own, so that the library's go.mod never requires chromedp.
//
// The tests drive a headless Chromium through the Chrome DevTools Protocol
// (github.com/chromedp/chromedp) against servers on 127.0.0.1 only. They
// need the chromium binary (Debian package chromium; the environment
// variable CHROMIUM names another binary). Without it they skip, unless
// CI=true, where they fail.
//
//	cd e2e && go test ./...
package e2e
