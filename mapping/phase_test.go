package mapping_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
)

// artistsBackend serves the artist resource and echoes what it received
// in X-Seen-* headers.
func artistsBackend() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.PathValue("id")
		if id == "" {
			id = apigw.FromContext(r.Context()).PathParameters["id"]
		}
		w.Header().Set("X-Seen-Body", string(body))
		w.Header().Set("X-Seen-Query", r.URL.RawQuery)
		w.Header().Set("X-Seen-Id", id)
		w.Header().Set("X-Internal", "secret")
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("missing") != "" {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"no such artist"}`)
			return
		}
		io.WriteString(w, artist)
	})
}

// TestPhase runs the mapping phase's table alone, in front of a handler on
// a ServeMux, and through gateway.New as a method's Request and Response,
// so that the phase and its wiring cannot disagree.
func TestPhase(t *testing.T) {
	tests := []struct {
		name       string
		cfg        mapping.Config
		target     string
		body       string
		wantStatus int
		wantBody   string
		wantHeader map[string]string // "" means absent, "?" present
	}{
		{
			name:       "zero config passes everything",
			target:     "/artists/1234?x=1",
			body:       "hello",
			wantStatus: 200, wantBody: artist,
			wantHeader: map[string]string{"X-Seen-Body": "hello", "X-Seen-Query": "x=1", "X-Internal": "secret"},
		},
		{
			name:       "response template alone",
			cfg:        mapping.Config{Response: mapping.MustCompile(`{"genre": input.json.genres, "id": input.params.path.id}`)},
			target:     "/artists/1234",
			wantStatus: 200, wantBody: `{"genre":["Progressive rock","Pop rock","Glam rock"],"id":"1234"}`,
			wantHeader: map[string]string{"X-Internal": "", "X-Seen-Body": "", "Content-Type": "application/json", "X-Amzn-Requestid": "?"},
		},
		{
			name: "request mapping alone: the default integration response",
			cfg: mapping.Config{Request: mapping.RequestConfig{
				Templates:  map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"name": input.json.name.upperAscii()}`)},
				Parameters: map[string]string{"integration.request.querystring.from": "method.request.path.id"},
			}},
			target:     "/artists/1234?x=1",
			body:       `{"name":"freddie"}`,
			wantStatus: 200, wantBody: artist,
			wantHeader: map[string]string{"X-Seen-Body": "", "X-Internal": "", "Content-Type": "application/json"},
		},
		{
			name:       "VTL response template",
			cfg:        mapping.Config{Response: mapping.MustCompileVTL(`{"artist": "$input.path('$.artist')", "id": "$input.params('id')"}`)},
			target:     "/artists/1234",
			wantStatus: 200, wantBody: `{"artist": "Queen", "id": "1234"}`,
		},
		{
			name: "integration status selects the response",
			cfg: mapping.Config{Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{
				{Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`input.json`)}},
				{SelectionPattern: "404", StatusCode: 404, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"error": input.json.message}`)}},
			}}},
			target:     "/artists/1?missing=1",
			wantStatus: 404, wantBody: `{"error":"no such artist"}`,
		},
		{
			name:       "415 through WriteError",
			cfg:        mapping.Config{Request: mapping.RequestConfig{Passthrough: mapping.Never}},
			target:     "/artists/1",
			wantStatus: 415, wantBody: `{"message":"Unsupported Media Type"}`,
			wantHeader: map[string]string{"X-Amzn-Errortype": "BadRequestException"},
		},
	}
	check := func(t *testing.T, w *httptest.ResponseRecorder, wantStatus int, wantBody string, wantHeader map[string]string) {
		t.Helper()
		if w.Code != wantStatus || w.Body.String() != wantBody {
			t.Errorf("got %d %s, want %d %s", w.Code, w.Body, wantStatus, wantBody)
		}
		for k, v := range wantHeader {
			got := w.Header().Get(k)
			if v == "?" && got == "" || v != "?" && got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
	}
	for _, tt := range tests {
		request := func() *http.Request {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			return httptest.NewRequest("POST", tt.target, body)
		}
		t.Run(tt.name+"/alone", func(t *testing.T) {
			m, err := mapping.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle("/artists/{id}", m.Handler(artistsBackend()))
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, request())
			check(t, w, tt.wantStatus, tt.wantBody, tt.wantHeader)
		})
		t.Run(tt.name+"/gateway", func(t *testing.T) {
			gw, err := gateway.New(gateway.Route("POST /artists/{id}", gateway.Method{
				Integration: gateway.Handler(artistsBackend()), Request: tt.cfg.Request, Response: tt.cfg.Response}))
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, request())
			check(t, w, tt.wantStatus, tt.wantBody, tt.wantHeader)
		})
	}
}

// TestPhaseOversize: an integration answer over 10 MB under a response
// template is a 502, alone and through the gateway (which gave 200 before
// the mapping phase was one).
func TestPhaseOversize(t *testing.T) {
	big := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		for range 12 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	cfg := mapping.Config{Response: mapping.MustCompile(`{"n": input.body.size()}`)}
	m := mapping.MustNew(cfg)
	gw, err := gateway.New(gateway.Route("GET /big", gateway.Method{Integration: gateway.Handler(big), Response: cfg.Response}))
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]http.Handler{"alone": m.Handler(big), "gateway": gw} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/big", nil))
		if w.Code != http.StatusBadGateway || w.Body.String() != `{"message":"Internal server error"}` {
			t.Errorf("%s: %d %.80s", name, w.Code, w.Body)
		}
	}
}
