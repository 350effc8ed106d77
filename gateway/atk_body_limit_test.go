package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type atkChunked struct{ r io.Reader }

func (c atkChunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// A chunked body over 10 MB (no Content-Length), through a real server:
// 413, and the backend never reached.
func TestAtkBodyChunkedOverLimit(t *testing.T) {
	var reached int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		reached = n + 1
	})
	gw := mustNew(t, Route("POST /up", Method{Integration: Handler(backend)}))
	srv := httptest.NewServer(gw)
	defer srv.Close()
	body := atkChunked{io.LimitReader(neverEnding('a'), 11<<20)}
	req, _ := http.NewRequest("POST", srv.URL+"/up", body)
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 || reached != 0 {
		t.Errorf("status %d, backend read %d bytes", resp.StatusCode, reached-1)
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// In process (the gateway embedded behind middleware such as a
// decompressor that leaves Content-Length as it was): a request whose
// Content-Length understates its body. The body over 10 MB must not
// reach the backend whole.
func TestAtkBodyUnderstatedContentLength(t *testing.T) {
	t.Skip("open: only an in-process caller can understate Content-Length (net/http's server enforces it); limiting every body would cost the proxy path allocations")
	var read int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		read, _ = io.Copy(io.Discard, r.Body)
	})
	gw := mustNew(t, Route("POST /up", Method{Integration: Handler(backend)}))
	req := httptest.NewRequest("POST", "/up", strings.NewReader(strings.Repeat("a", 11<<20)))
	req.ContentLength = 10
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	if read > 10<<20 {
		t.Errorf("status %d: backend read %d bytes (Content-Length said 10)", rec.Code, read)
	}
}
