package mapping

import (
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/apigw/apigw"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
)

// listBody is {"a":[0,1,...,n-1]}.
func listBody(n int) string {
	var b strings.Builder
	b.WriteString(`{"a":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i))
	}
	b.WriteString(`]}`)
	return b.String()
}

// wantError checks that err is an *apigw.Error with the status, and that
// its cause matches target when target is not nil.
func wantError(t *testing.T, err error, status int, target error) *apigw.Error {
	t.Helper()
	var e *apigw.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *apigw.Error", err)
	}
	if e.StatusCode() != status {
		t.Errorf("status %d, want %d (%v)", e.StatusCode(), status, err)
	}
	if target != nil && !errors.Is(err, target) {
		t.Errorf("error %v is not %v", err, target)
	}
	return e
}

// TestCostLimit: a template that would run long stops at its cost limit
// with a 500, and the output is left untouched.
func TestCostLimit(t *testing.T) {
	r, c := newRequest(t, "GET", "/", "", nil)
	body := []byte(listBody(1000))
	body = append(body[:len(body)-1], `,"pad":"`+strings.Repeat("p", 100<<10)+`"}`...)
	tests := []struct {
		name  string
		src   string
		limit uint64
	}{
		{"nested map", `input.json.a.map(x, input.json.a.map(y, x + y))`, 50_000},
		{"nested filter", `input.json.a.map(x, input.json.a.filter(y, y > x).size())`, 50_000},
		{"default limit", `input.json.a.map(x, util.toJson(input.json)).size()`, 0},
		{"util cost", `input.json.a.map(x, util.toJson(input.json)).size()`, 10_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := MustCompile(tt.src, WithCostLimit(tt.limit))
			dst := []byte("keep")
			out, err := tm.RenderBody(dst, r, c, body)
			e := wantError(t, err, http.StatusInternalServerError, ErrCostLimit)
			if e.Type != apigw.APIConfigurationError || e.MessageText() != "Internal server error" {
				t.Errorf("got %s %q", e.Type, e.MessageText())
			}
			if string(out) != "keep" {
				t.Errorf("dst changed to %q", out)
			}
		})
	}
	// Under the limit the same template runs.
	if _, err := MustCompile(tests[0].src, WithCostLimit(50_000)).RenderBody(nil, r, c, []byte(listBody(10))); err != nil {
		t.Errorf("under the limit: %v", err)
	}
}

// TestIterationBound: a comprehension ranges over at most 1000 elements,
// as a VTL #foreach does.
func TestIterationBound(t *testing.T) {
	r, c := newRequest(t, "GET", "/", "", nil)
	big := []byte(listBody(MaxIterations + 1))
	ok := []byte(listBody(MaxIterations))
	for _, src := range []string{
		`input.json.a.map(x, x)`,
		`input.json.a.filter(x, x > 0)`,
		`input.json.a.exists(x, x < 0)`,
		`input.json.a.all(x, x >= 0)`,
		`input.json.a.exists_one(x, x == 0)`,
		`input.json.a.map(x, x > 0, x)`,
		`[1].map(y, input.json.a.map(x, x + y))`,
		`util.parseJson(util.toJson(input.json.a)).map(x, x)`,
	} {
		t.Run(src, func(t *testing.T) {
			tm := MustCompile(src)
			if _, err := tm.RenderBody(nil, r, c, ok); err != nil {
				t.Fatalf("%d elements: %v", MaxIterations, err)
			}
			_, err := tm.RenderBody(nil, r, c, big)
			e := wantError(t, err, http.StatusInternalServerError, nil)
			if !strings.Contains(e.Err.Error(), "limit of 1000 iterations") {
				t.Errorf("cause %v", e.Err)
			}
		})
	}
	t.Run("map keys", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("{")
		for i := range MaxIterations + 1 {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"k` + strconv.Itoa(i) + `":1`)
		}
		b.WriteString("}")
		_, err := MustCompile(`input.json.map(k, k)`).RenderBody(nil, r, c, []byte(b.String()))
		wantError(t, err, http.StatusInternalServerError, nil)
	})
}

// TestSizeGuards: replace, join and format refuse to build an oversize
// string, and no output exceeds 10 MB.
func TestSizeGuards(t *testing.T) {
	r, c := newRequest(t, "GET", "/", "", nil)
	a64k := `"` + strings.Repeat("a", 64<<10) + `"`
	list := listBody(400)
	tests := []struct{ name, body, src string }{
		{"replace", a64k, `input.json.replace("a", input.json)`},
		{"replace n", a64k, `input.json.replace("a", input.json, 200)`},
		{"join", `{"a":` + a64k + `,"b":` + list + `}`, `input.json.b.a.map(x, input.json.a).join(",")`},
		{"format", a64k, `"%s".format([[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100,101,102,103,104,105,106,107,108,109,110,111,112,113,114,115,116,117,118,119,120,121,122,123,124,125,126,127,128,129,130,131,132,133,134,135,136,137,138,139,140,141,142,143,144,145,146,147,148,149,150,151,152,153,154,155,156,157,158,159,160].map(x, input.json)])`},
		{"output", `{"a":` + a64k + `,"b":` + list + `}`, `input.json.b.a.map(x, input.json.a)`},
		{"text output", `{"a":` + a64k + `,"b":` + list + `}`, `text:{{ input.json.b.a.map(x, input.json.a) }}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, text := strings.CutPrefix(tt.src, "text:")
			compile := Compile
			if text {
				compile = CompileText
			}
			tm, err := compile(src, WithCostLimit(100_000_000))
			if err != nil {
				t.Fatal(err)
			}
			out, err := tm.RenderBody(nil, r, c, []byte(tt.body))
			wantError(t, err, http.StatusInternalServerError, nil)
			if len(out) != 0 {
				t.Errorf("%d bytes of output", len(out))
			}
		})
	}
	// The guarded functions still work on ordinary input.
	got, err := render(t, `["a-b".replace("-", "+"), "a-b-c".replace("-", "", 1), ["x", "y"].join(), ["x", "y"].join("/"), "%d%%".format([5])]`, r, c)
	if err != nil || got != `["a+b","ab-c","xy","x/y","5%"]` {
		t.Errorf("got %s, %v", got, err)
	}
}

// panicky is a value whose every method panics, standing for a bug in a
// value a template writes.
type panicky struct{}

func (panicky) ConvertToNative(reflect.Type) (any, error) { panic("boom") }
func (panicky) ConvertToType(ref.Type) ref.Val            { panic("boom") }
func (panicky) Equal(ref.Val) ref.Val                     { panic("boom") }
func (panicky) Type() ref.Type                            { panic("boom") }
func (panicky) Value() any                                { panic("boom") }

func TestPanicIsA500(t *testing.T) {
	r, c := newRequest(t, "GET", "/", "", nil)
	c.Authorizer.Claims["bad"] = panicky{}
	_, err := render(t, `context.authorizer.claims.bad`, r, c)
	e := wantError(t, err, http.StatusInternalServerError, nil)
	if !strings.Contains(e.Err.Error(), "boom") {
		t.Errorf("cause %v", e.Err)
	}
	_ = types.NullValue
}

// TestBodyErrors: the status AWS answers for a request body a template
// cannot read.
func TestBodyErrors(t *testing.T) {
	t.Run("request body not JSON is a 400", func(t *testing.T) {
		r, c := newRequest(t, "POST", "/", `{"a":`, nil)
		_, err := render(t, `input.json.a`, r, c)
		e := wantError(t, err, http.StatusBadRequest, nil)
		if e.Type != apigw.BadRequestBody || !strings.HasPrefix(e.MessageText(), "Could not parse request body into json: ") {
			t.Errorf("got %s %q", e.Type, e.MessageText())
		}
	})
	t.Run("a template that does not read input.json does not care", func(t *testing.T) {
		r, c := newRequest(t, "POST", "/", `not json`, nil)
		got, err := render(t, `input.body`, r, c)
		if err != nil || got != `"not json"` {
			t.Errorf("got %s, %v", got, err)
		}
	})
	t.Run("request body too large is a 413", func(t *testing.T) {
		r, c := newRequest(t, "POST", "/", strings.Repeat("a", apigw.MaxBodyBytes+1), nil)
		_, err := render(t, `input.body.size()`, r, c)
		wantError(t, err, http.StatusRequestEntityTooLarge, apigw.ErrBodyTooLarge)
	})
	t.Run("integration body not JSON is a 500", func(t *testing.T) {
		r, c := newRequest(t, "GET", "/", "", nil)
		_, err := MustCompile(`input.json.a`).RenderBody(nil, r, c, []byte("<html>"))
		e := wantError(t, err, http.StatusInternalServerError, nil)
		if !strings.Contains(e.Err.Error(), "not JSON") {
			t.Errorf("cause %v", e.Err)
		}
	})
	t.Run("missing key is a 500", func(t *testing.T) {
		r, c := newRequest(t, "POST", "/", artistBody, nil)
		_, err := render(t, `input.json.nick`, r, c)
		e := wantError(t, err, http.StatusInternalServerError, nil)
		if !strings.Contains(e.Err.Error(), "no such key: nick") {
			t.Errorf("cause %v", e.Err)
		}
	})
}
