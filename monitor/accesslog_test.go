package monitor_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/monitor"
	"github.com/apigw/apigw/stage"
)

// TestAccessLogFormats writes each of the console's presets for a request
// whose user agent holds every character that breaks a notation, and reads
// the line back with a parser of that notation.
func TestAccessLogFormats(t *testing.T) {
	const ua = `evil "agent", <x> & 'y'` + "\n" + `fake line`
	custom := `{"requestId":"$context.requestId","ua":"$context.identity.userAgent","status":$context.status,"caller":"$context.identity.caller","trace":"$context.xrayTraceId"}`
	for _, tc := range []struct {
		name, format string
		check        func(t *testing.T, line string)
	}{
		{"CLF", monitor.CLF, func(t *testing.T, line string) {
			f := strings.Fields(line)
			if len(f) != 12 || f[0] != "192.0.2.1" || f[1] != "-" || f[2] != "-" || f[3] != "[04/Mar/2026:19:15:17" ||
				f[5] != `"GET` || f[6] != "/pets/{id}" || f[7] != `HTTP/1.1"` || f[8] != "200" || f[9] != "11" {
				t.Errorf("CLF fields %q", f)
			}
		}},
		{"JSON", monitor.JSON, func(t *testing.T, line string) {
			var m map[string]string
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatal(err)
			}
			if m["httpMethod"] != "GET" || m["resourcePath"] != "/pets/{id}" || m["status"] != "200" || m["caller"] != "-" || m["requestId"] == "" {
				t.Errorf("JSON %v", m)
			}
		}},
		{"XML", monitor.XML, func(t *testing.T, line string) {
			var v struct {
				ID           string `xml:"id,attr"`
				ResourcePath string `xml:"resourcePath"`
				Status       string `xml:"status"`
			}
			if err := xml.Unmarshal([]byte(line), &v); err != nil {
				t.Fatal(err)
			}
			if v.ID == "" || v.ResourcePath != "/pets/{id}" || v.Status != "200" {
				t.Errorf("XML %+v", v)
			}
		}},
		{"CSV", monitor.CSV, func(t *testing.T, line string) {
			rec, err := csv.NewReader(strings.NewReader(line)).Read()
			if err != nil {
				t.Fatal(err)
			}
			if len(rec) != 11 || rec[0] != "192.0.2.1" || rec[4] != "GET" || rec[5] != "/pets/{id}" || rec[7] != "200" {
				t.Errorf("CSV %q", rec)
			}
		}},
		{"custom JSON with a hostile user agent", custom, func(t *testing.T, line string) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("%v: %s", err, line)
			}
			if m["ua"] != ua || m["status"] != 200.0 || m["caller"] != "-" || !strings.HasPrefix(m["trace"].(string), "1-") {
				t.Errorf("custom %v", m)
			}
		}},
		{"custom CSV with a hostile user agent", `$context.requestId,$context.identity.userAgent,$context.status`, func(t *testing.T, line string) {
			rec, err := csv.NewReader(strings.NewReader(line)).Read()
			if err != nil || len(rec) != 3 || rec[1] != `evil "agent", <x> & 'y'\x0afake line` || rec[2] != "200" {
				t.Errorf("CSV %q, %v", rec, err)
			}
		}},
		{"custom text with a hostile user agent", `$context.requestId $context.identity.userAgent`, func(t *testing.T, line string) {
			if strings.Contains(line, "\n") || !strings.HasSuffix(line, `evil "agent", <x> & 'y'\x0afake line`) {
				t.Errorf("text %q", line)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tel := newTelemetry(t)
			var buf bytes.Buffer
			mon := tel.monitor(t, monitor.Config{AccessLog: monitor.AccessLog{Writer: &buf}})
			clk := newClock()
			gw := mustGateway(t, gateway.WithObserver(mon), gateway.WithClock(clk.Now),
				gateway.WithStage(stage.Stage{Name: "prod", AccessLogFormat: tc.format}),
				gateway.Route("GET /pets/{id}", gateway.Method{Integration: gateway.Handler(okBackend)}))
			send(t, gw, "GET", "/pets/1", "User-Agent", ua)
			line, ok := strings.CutSuffix(buf.String(), "\n")
			if !ok || strings.Contains(line, "\n") {
				t.Fatalf("not one line: %q", buf.String())
			}
			tc.check(t, line)
		})
	}
}

// TestAccessLogDefault: the monitor's default format applies to stages
// without one, through slog, at Warn for a 4XX; a stage's own wins.
func TestAccessLogDefault(t *testing.T) {
	tel := newTelemetry(t)
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	mon := tel.monitor(t, monitor.Config{AccessLog: monitor.AccessLog{Logger: l, Format: "$context.requestId $context.status $context.resourcePath"}})
	gw := mustGateway(t, gateway.WithObserver(mon),
		gateway.WithStage(stage.Stage{Name: "a"}), gateway.WithStage(stage.Stage{Name: "b", AccessLogFormat: "b $context.requestId"}),
		gateway.Route("GET /x", gateway.Method{Integration: gateway.Handler(okBackend)}))
	send(t, gw, "GET", "/a/x")
	send(t, gw, "GET", "/a/nothing")
	send(t, gw, "GET", "/b/x")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "level=INFO") || !strings.HasSuffix(lines[0], ` 200 /x"`) ||
		!strings.HasPrefix(lines[1], "level=WARN") || !strings.HasSuffix(lines[1], ` 403 -"`) ||
		!strings.HasPrefix(lines[2], `level=INFO msg="b `) {
		t.Errorf("lines:\n%s", strings.Join(lines, "\n"))
	}
	if _, err := monitor.New(monitor.Config{AccessLog: monitor.AccessLog{Format: "$context.nope"}}); err == nil || !strings.Contains(err.Error(), "AccessLog.Format") {
		t.Errorf("a bad default format: %v", err)
	}
}
