package mapping

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// awsCase is one of API Gateway's documented VTL examples in
// testdata/aws: a template, the body it reads and the output AWS
// documents, with the request's parameters.
//
//	# what the example is
//	source: the page of AWS's developer guide
//	side: request | response
//	compare: bytes | json   (json where AWS shows the output reformatted)
//	path: name=value        (also query:, header:, status:, want-header:)
//	-- template --
//	-- body --              (without its last newline)
//	-- want --
type awsCase struct {
	name, source, side, compare string
	path, query, header         map[string]string
	wantHeader                  map[string]string
	status                      int
	template, body, want        string
}

func readAWSCase(t *testing.T, file string) awsCase {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := awsCase{name: strings.TrimSuffix(filepath.Base(file), ".txt"),
		path: map[string]string{}, query: map[string]string{}, header: map[string]string{}, wantHeader: map[string]string{}}
	head, rest, _ := strings.Cut(string(data), "-- template --\n")
	tpl, rest, _ := strings.Cut(rest, "-- body --\n")
	body, want, _ := strings.Cut(rest, "-- want --\n")
	// A section ends with a newline of the file's; a body's is not the
	// body's (a template's is, and the comparison ignores final newlines).
	c.template, c.body, c.want = tpl, strings.TrimSuffix(body, "\n"), want
	for _, line := range strings.Split(head, "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, _ := strings.Cut(v, "=")
		switch k {
		case "source":
			c.source = v
		case "side":
			c.side = v
		case "compare":
			c.compare = v
		case "path":
			c.path[name] = value
		case "query":
			c.query[name] = value
		case "header":
			c.header[name] = value
		case "want-header":
			c.wantHeader[name] = value
		case "status":
			c.status, _ = strconv.Atoi(v)
		}
	}
	if c.source == "" || c.side == "" || c.compare == "" {
		t.Fatalf("%s: source, side and compare are required", file)
	}
	return c
}

// TestVTLAWSExamples runs every VTL example of API Gateway's developer
// guide in testdata/aws and compares the output with AWS's: byte for byte
// where AWS shows the template's output as it is, as JSON where the guide
// shows the data reformatted.
func TestVTLAWSExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "aws", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		c := readAWSCase(t, f)
		t.Run(c.name, func(t *testing.T) {
			tm, err := CompileVTL(c.template, WithName(c.name))
			if err != nil {
				t.Fatal(err)
			}
			target := "/things"
			if len(c.query) > 0 {
				q := make([]string, 0, len(c.query))
				for k, v := range c.query {
					q = append(q, k+"="+v)
				}
				target += "?" + strings.Join(q, "&")
			}
			var got []byte
			var status int
			gotHeader := http.Header{}
			if c.side == "request" {
				r, ctx := newRequest(t, "POST", target, c.body, c.header)
				ctx.PathParameters = c.path
				m, err := NewRequestMapping(RequestConfig{Templates: map[string]*Template{"application/json": tm}})
				if err != nil {
					t.Fatal(err)
				}
				ir, err := m.Map(r, ctx)
				if err != nil {
					t.Fatal(err)
				}
				got, gotHeader = ir.Body, ir.Header
			} else {
				r, ctx := newRequest(t, "GET", target, "", c.header)
				ctx.PathParameters = c.path
				m, err := tm.ResponseMapping()
				if err != nil {
					t.Fatal(err)
				}
				w := httptest.NewRecorder()
				if err := m.Write(w, r, ctx, Result{Status: 200, Body: []byte(c.body)}); err != nil {
					t.Fatal(err)
				}
				got, status, gotHeader = w.Body.Bytes(), w.Code, w.Header()
			}
			switch c.compare {
			case "bytes":
				if !bytes.Equal(bytes.TrimRight(got, "\n"), bytes.TrimRight([]byte(c.want), "\n")) {
					t.Errorf("output differs from AWS's\n got: %q\nwant: %q", got, c.want)
				}
			case "json":
				var g, w any
				if err := json.Unmarshal(got, &g); err != nil {
					t.Fatalf("output is not JSON: %v\n%s", err, got)
				}
				if err := json.Unmarshal([]byte(c.want), &w); err != nil {
					t.Fatalf("want is not JSON: %v", err)
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("output differs from AWS's\n got: %s\nwant: %s", got, c.want)
				}
			default:
				t.Fatalf("compare %q: want bytes or json", c.compare)
			}
			if c.status != 0 && status != c.status {
				t.Errorf("status %d, want %d", status, c.status)
			}
			for k, v := range c.wantHeader {
				if got := strings.Join(gotHeader.Values(k), ","); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}
