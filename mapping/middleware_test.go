package mapping

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw"
)

// artistsBackend serves the artist resource and echoes what it received
// in X-Seen-* headers.
func artistsBackend() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen-Body", string(body))
		w.Header().Set("X-Seen-Query", r.URL.RawQuery)
		w.Header().Set("X-Seen-Id", r.PathValue("id"))
		w.Header().Set("X-Internal", "secret")
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("missing") != "" {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"no such artist"}`)
			return
		}
		io.WriteString(w, artistBody)
	})
}

func TestMiddleware(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		target     string
		body       string
		wantStatus int
		wantBody   string
		wantHeader map[string]string // "" means absent
	}{
		{
			name:       "zero config passes everything",
			target:     "/artists/1234?x=1",
			body:       "hello",
			wantStatus: 200, wantBody: artistBody,
			wantHeader: map[string]string{"X-Seen-Body": "hello", "X-Seen-Query": "x=1", "X-Internal": "secret"},
		},
		{
			name:       "response template alone",
			cfg:        Config{Response: MustCompile(`{"genre": input.json.genres, "id": input.params.path.id}`)},
			target:     "/artists/1234",
			wantStatus: 200, wantBody: `{"genre":["Progressive rock","Pop rock","Glam rock"],"id":"1234"}`,
			wantHeader: map[string]string{"X-Internal": "", "X-Seen-Body": "", "Content-Type": "application/json", "X-Amzn-Requestid": "?"},
		},
		{
			name: "request mapping alone",
			cfg: Config{Request: RequestConfig{
				Templates:  map[string]*Template{"application/json": MustCompile(`{"name": input.json.name.upperAscii()}`)},
				Parameters: map[string]string{"integration.request.querystring.from": "method.request.path.id"},
			}},
			target:     "/artists/1234?x=1",
			body:       `{"name":"freddie"}`,
			wantStatus: 200, wantBody: artistBody,
			wantHeader: map[string]string{"X-Seen-Body": `{"name":"FREDDIE"}`, "X-Seen-Query": "from=1234", "X-Seen-Id": "1234", "X-Internal": "secret"},
		},
		{
			name: "integration status selects the response",
			cfg: Config{Response: ResponseConfig{IntegrationResponses: []IntegrationResponse{
				{Templates: map[string]*Template{"application/json": MustCompile(`input.json`)}},
				{SelectionPattern: "404", StatusCode: 404, Templates: map[string]*Template{"application/json": MustCompile(`{"error": input.json.message}`)}},
			}}},
			target:     "/artists/1?missing=1",
			wantStatus: 404, wantBody: `{"error":"no such artist"}`,
		},
		{
			name:       "415 through WriteError",
			cfg:        Config{Request: RequestConfig{Passthrough: Never}},
			target:     "/artists/1",
			wantStatus: 415, wantBody: `{"message":"Unsupported Media Type"}`,
			wantHeader: map[string]string{"X-Amzn-Errortype": "BadRequestException"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := Middleware(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle("/artists/{id}", mw(artistsBackend()))
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest("POST", tt.target, body)
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, r)
			if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", w.Code, w.Body, tt.wantStatus, tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				got := w.Header().Get(k)
				if v == "?" && got == "" || v != "?" && got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
}

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
	mw, err := Middleware(Config{Response: MustCompile(`input.body.size()`)})
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	if _, err := Middleware(Config{Response: (*Template)(nil)}); err == nil {
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
