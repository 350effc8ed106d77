package cors_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/apigw/apigw"
)

// TestGatewayErrorsCarryCORSHeaders checks that a refusal rendered by
// apigw.WriteError behind the middleware keeps the CORS headers, so that a
// browser shows the page the real error.
func TestGatewayErrorsCarryCORSHeaders(t *testing.T) {
	c := mustNew(t, creds)
	errs := []*apigw.Error{
		apigw.NewError(apigw.Unauthorized),
		apigw.NewError(apigw.AccessDenied),
		apigw.NewError(apigw.InvalidAPIKey),
		apigw.NewError(apigw.Throttled),
		apigw.NewError(apigw.QuotaExceeded),
		apigw.NewError(apigw.BadRequestBody),
		apigw.NewError(apigw.RequestTooLarge),
		apigw.NewError(apigw.AuthorizerConfigurationError),
		apigw.NewError(apigw.IntegrationTimeout),
		{Type: apigw.Unauthorized, Header: http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}}},
	}
	for _, e := range errs {
		t.Run(string(e.Type), func(t *testing.T) {
			refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { apigw.WriteError(w, r, e) })
			for _, tc := range []struct {
				origin  string
				allowed bool
			}{{"https://shop.pet.com", true}, {"https://evil.example", false}} {
				r := httptest.NewRequest(http.MethodPost, "/identify", nil)
				r, _ = apigw.EnsureContext(r)
				r.Header.Set("Origin", tc.origin)
				w := httptest.NewRecorder()
				c.Handler(refuse).ServeHTTP(w, r)
				h := w.Header()
				if w.Code != e.StatusCode() {
					t.Errorf("status %d, want %d", w.Code, e.StatusCode())
				}
				if h.Get("X-Amzn-Errortype") != e.Type.ErrorType() || h.Get("X-Amzn-Requestid") == "" {
					t.Errorf("AWS headers lost: %v", h)
				}
				for k, vs := range e.Header {
					if h.Get(k) != vs[0] {
						t.Errorf("%s = %q, want %q", k, h.Get(k), vs[0])
					}
				}
				if h.Get("Vary") != "Origin" {
					t.Errorf("Vary = %q", h.Values("Vary"))
				}
				if !tc.allowed {
					if h.Get(acao) != "" || h.Get(acac) != "" {
						t.Errorf("refused origin %s got %v", tc.origin, h)
					}
					continue
				}
				if h.Get(acao) != tc.origin || h.Get(acac) != "true" || h.Get(aceh) != "X-Request-Id" {
					t.Errorf("CORS headers lost on %d: %v", w.Code, h)
				}
			}
		})
	}
}

// TestCustomGatewayResponseKeepsCORSHeaders checks the same through a
// customised gateway response that sets headers of its own.
func TestCustomGatewayResponseKeepsCORSHeaders(t *testing.T) {
	responses, err := apigw.NewGatewayResponses(map[apigw.ResponseType]apigw.GatewayResponse{
		apigw.Default4XX: {
			StatusCode: 418,
			Headers:    map[string]string{"X-Custom": "'yes'"},
			Templates:  map[string]string{"application/json": `{"error":$context.error.messageString}`},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apigw.WriteError(w, r, apigw.NewError(apigw.Throttled))
	})
	r := httptest.NewRequest(http.MethodGet, "/breeds", nil)
	r, ac := apigw.EnsureContext(r)
	ac.Responses = responses
	r.Header.Set("Origin", "https://pet.com")
	w := httptest.NewRecorder()
	mustNew(t, exact).Handler(refuse).ServeHTTP(w, r)
	if w.Code != 418 || w.Header().Get("X-Custom") != "yes" || w.Body.String() != `{"error":"Too Many Requests"}` {
		t.Errorf("custom response not rendered: %d %v %s", w.Code, w.Header(), w.Body)
	}
	if w.Header().Get(acao) != "https://pet.com" {
		t.Errorf("Access-Control-Allow-Origin lost: %v", w.Header())
	}
}

// TestPreflightRecordsStatus checks that a preflight answered by the
// middleware records its status in the request's apigw.Context, for the
// access log.
func TestPreflightRecordsStatus(t *testing.T) {
	r := httptest.NewRequest(http.MethodOptions, "/identify", nil)
	r, ac := apigw.EnsureContext(r)
	r.Header.Set("Origin", "https://pet.com")
	r.Header.Set(acrm, "POST")
	w := httptest.NewRecorder()
	mustNew(t, exact).Handler(http.NotFoundHandler()).ServeHTTP(w, r)
	if w.Code != http.StatusNoContent || ac.Status != http.StatusNoContent {
		t.Errorf("status %d, Context.Status %d; want 204", w.Code, ac.Status)
	}
}

func TestVaryIsMerged(t *testing.T) {
	c := mustNew(t, exact)
	tests := []struct {
		name     string
		before   []string // Vary set before the middleware runs
		method   string
		want     []string
		preflite bool
	}{
		{"actual adds Origin", []string{"Accept-Encoding"}, http.MethodGet, []string{"Accept-Encoding", "Origin"}, false},
		{"actual keeps an Origin already there", []string{"accept-encoding, origin"}, http.MethodGet, []string{"accept-encoding, origin"}, false},
		{"actual keeps Vary *", []string{"*"}, http.MethodGet, []string{"*"}, false},
		{"preflight adds what is missing", []string{"Origin"}, http.MethodOptions,
			[]string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header()["Vary"] = append([]string(nil), tt.before...)
					next.ServeHTTP(w, r)
				})
			}
			r := httptest.NewRequest(tt.method, "/", nil)
			r.Header.Set("Origin", "https://pet.com")
			if tt.preflite {
				r.Header.Set(acrm, "GET")
			}
			w := httptest.NewRecorder()
			before(c.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))).ServeHTTP(w, r)
			if got := w.Header()["Vary"]; !slices.Equal(got, tt.want) {
				t.Errorf("Vary = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSharedValuesStayIntact checks that handlers adding to the headers
// the policy set do not change the values it shares between responses.
func TestSharedValuesStayIntact(t *testing.T) {
	c := mustNew(t, creds)
	add := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		w.Header().Add(acac, "false")
		w.Header().Add(aceh, "X-Other")
		w.Header().Add(acao, "https://other.example")
	})
	h := c.Handler(add)
	for range 3 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Origin", "https://pet.com")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header()["Vary"]; !slices.Equal(got, []string{"Origin", "Accept-Encoding"}) {
			t.Fatalf("Vary = %q", got)
		}
		if got := w.Header()[acac]; !slices.Equal(got, []string{"true", "false"}) {
			t.Fatalf("%s = %q", acac, got)
		}
		if got := r.Header["Origin"]; !slices.Equal(got, []string{"https://pet.com"}) {
			t.Fatalf("request Origin changed: %q", got)
		}
	}
}
