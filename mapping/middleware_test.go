package mapping

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw"
)

// TestMiddlewareKeepsContext: a Context already on the request is the one
// the templates read and the mapping fills.
func TestMiddlewareKeepsContext(t *testing.T) {
	m, err := New(Config{Response: MustCompile(`{"stage": context.stage, "v": stageVariables.ver}`)})
	if err != nil {
		t.Fatal(err)
	}
	r, c := newRequest(t, "GET", "/", "", nil)
	w := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).ServeHTTP(w, r)
	if w.Body.String() != `{"stage":"prod","v":"v1"}` || c.Status != 200 {
		t.Errorf("got %s, status %d", w.Body, c.Status)
	}
}

func TestMiddlewareOversizeResponse(t *testing.T) {
	m, err := New(Config{Response: MustCompile(`input.body.size()`)})
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 11 {
			if _, err := w.Write(big); err != nil {
				return
			}
		}
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusBadGateway || w.Body.String() != `{"message":"Internal server error"}` {
		t.Errorf("got %d %s", w.Code, w.Body)
	}
}

func TestNewErrors(t *testing.T) {
	_, err := New(Config{Request: RequestConfig{Passthrough: "X"}, Response: ResponseConfig{IntegrationResponses: []IntegrationResponse{{StatusCode: 1}}}})
	if err == nil || !strings.Contains(err.Error(), "Request: mapping: Passthrough") || !strings.Contains(err.Error(), "Response: mapping: IntegrationResponses[0]") {
		t.Errorf("got %v", err)
	}
	if _, err := New(Config{Response: (*Template)(nil)}); err == nil {
		t.Error("nil template: no error")
	}
}

// TestRecorderReuse: a pooled recorder starts clean.
func TestRecorderReuse(t *testing.T) {
	rec := recorders.Get().(*recorder)
	rec.Header().Set("X-A", "1")
	rec.WriteHeader(http.StatusTeapot)
	rec.Write([]byte("x"))
	rec.release()
	rec = recorders.Get().(*recorder)
	defer rec.release()
	if len(rec.Header()) != 0 || rec.status != 0 || len(rec.body) != 0 || rec.overflow {
		t.Errorf("dirty recorder %+v", rec)
	}
	rec.WriteHeader(http.StatusContinue) // informational: ignored
	rec.WriteHeader(http.StatusCreated)
	rec.WriteHeader(http.StatusOK) // superfluous: ignored
	if rec.status != http.StatusCreated {
		t.Errorf("status %d", rec.status)
	}
	_ = apigw.MaxBodyBytes
}
