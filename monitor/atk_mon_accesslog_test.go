package monitor_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/monitor"
	"github.com/apigw/apigw/stage"
)

// atkLogLine sends one request with the given target and headers through a
// stage logging in format, and returns the one line written.
func atkLogLine(t *testing.T, format, target string, header ...string) string {
	t.Helper()
	tel := newTelemetry(t)
	var buf bytes.Buffer
	mon := tel.monitor(t, monitor.Config{AccessLog: monitor.AccessLog{Writer: &buf}})
	clk := newClock()
	gw := mustGateway(t, gateway.WithObserver(mon), gateway.WithClock(clk.Now),
		gateway.WithStage(stage.Stage{Name: "prod", AccessLogFormat: format}),
		gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Handler(okBackend)}))
	send(t, gw, "GET", target, header...)
	line, ok := strings.CutSuffix(buf.String(), "\n")
	if !ok || strings.Contains(line, "\n") || strings.Contains(line, "\r") {
		t.Fatalf("not one line: %q", buf.String())
	}
	return line
}

// TestAtkMonFindingAccessLogXMLInvalidChars: the XML preset must stay well-formed
// XML for any client input. Bytes that are not UTF-8 (obs-text in a header
// value, which net/http accepts) and the code points XML 1.0 forbids
// (U+FFFE, U+FFFF) are written as they are, so an XML parser rejects the
// whole line (or the whole log file, if lines are collected into one
// document): a client can make its own request unreadable in the log.
func TestAtkMonFindingAccessLogXMLInvalidChars(t *testing.T) {
	format := `<request id="$context.requestId"><ua>$context.identity.userAgent</ua><status>$context.status</status></request>`
	for _, ua := range []string{"bad \xff\xfe byte", "non-char \uFFFE", "non-char \uFFFF"} {
		line := atkLogLine(t, format, "/pets/1", "User-Agent", ua)
		var v struct {
			UA     string `xml:"ua"`
			Status string `xml:"status"`
		}
		if err := xml.Unmarshal([]byte(line), &v); err != nil || v.Status != "200" {
			t.Errorf("user agent %q: line %q is not well-formed XML: %v", ua, line, err)
		}
	}
}

// TestAtkMonFindingAccessLogTextQuotes: a text format in the Combined Log Format
// style (what Apache and nginx write and log tools parse) quotes the user
// agent and the request line. Text values only have their control
// characters escaped, so a quote in the User-Agent closes the field and
// lets the client write fields of its choosing: a forged status and user
// agent that a CLF/Combined parser reads back. Apache's mod_log_config
// escapes " and \ in such values (\" and \\) for this reason.
func TestAtkMonFindingAccessLogTextQuotes(t *testing.T) {
	t.Skip("open: text formats escape control characters only, as documented; escaping quotes and backslashes (as Apache does) changes what the CSV preset writes too")
	format := `$context.requestId $context.identity.sourceIp "$context.httpMethod $context.path $context.protocol" $context.status "$context.identity.userAgent"`
	ua := `x" 200 "forged`
	line := atkLogLine(t, format, "/pets/1", "User-Agent", ua)
	re := regexp.MustCompile(`^\S+ (\S+) "([^"]*)" (\d+) "(.*?)"( .*)?$`)
	m := re.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("line %q does not parse", line)
	}
	if m[5] != "" || m[4] == `x` {
		t.Errorf("user agent %q broke out of its quoted field: line %q, fields %q", ua, line, m[1:])
	}
	// A backslash is not escaped either: a literal \x0a in a value reads
	// the same as an escaped newline.
	_, line2, _ := strings.Cut(atkLogLine(t, `$context.requestId $context.identity.userAgent`, "/pets/1", "User-Agent", `a\x0ab`), " ")
	_, line3, _ := strings.Cut(atkLogLine(t, `$context.requestId $context.identity.userAgent`, "/pets/1", "User-Agent", "a\nb"), " ")
	if line2 == line3 {
		t.Errorf("text escape is ambiguous: %q and %q both write %q", `a\x0ab`, "a\nb", line2)
	}
}

// TestAtkMonAccessLogPathVariants: the client's own path (decoded escapes)
// in JSON and CSV presets stays one well-formed record.
func TestAtkMonAccessLogPathVariants(t *testing.T) {
	for _, target := range []string{"/pets/%22%2C%0A%7B", "/pets/a%5C%22b", "/pets/%E2%80%A8", "/pets/%FF"} {
		line := atkLogLine(t, `{"id":"$context.requestId","path":"$context.path","status":"$context.status"}`, target)
		var m map[string]string
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["status"] != "200" {
			t.Errorf("%s: JSON line %q: %v", target, line, err)
		}
	}
}
