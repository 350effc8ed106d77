package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/mapping"
)

// atkRoleModel allows role "user" only.
const atkRoleModel = `{"type":"object","required":["role"],"properties":{"role":{"type":"string","enum":["user"]}}}`

// atkBackend records whether it was reached and what encoding/json read.
func atkBackend(reached *bool, role *string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*reached = true
		var v struct {
			Role string `json:"role"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &v)
		*role = v.Role
		w.WriteHeader(200)
	})
}

func atkValidatedGateway(t *testing.T, h http.Handler, m Method) *Gateway {
	m.Integration = Handler(h)
	if m.RequestModels == nil {
		m.RequestModels = map[string]string{"application/json": "Role"}
	}
	return mustNew(t, WithModel("Role", atkRoleModel), Route("POST /users", m))
}

// Bodies the backend (encoding/json) reads as role "admin" must never
// pass a model that allows "user" only.
func TestAtkBodyValidatorBodies(t *testing.T) {
	bodies := map[string]string{
		"duplicate key, last wins": `{"role":"user","role":"admin"}`,
		"trailing second value":    `{"role":"user"} {"role":"admin"}`,
		"BOM":                      "\xef\xbb\xbf{\"role\":\"admin\"}",
		"escaped key":              `{"role":"user","\u0072ole":"admin"}`,
		"nested deep":              strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
		"NUL after value":          "{\"role\":\"user\"}\x00{\"role\":\"admin\"}",
		"lone surrogate in value":  `{"role":"user\ud800"}`,
		"invalid utf8 in value":    "{\"role\":\"us\xffer\"}",
		"huge exponent elsewhere":  `{"role":"admin","n":1e999999999}`,
		"role admin plain":         `{"role":"admin"}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			var reached bool
			var role string
			gw := atkValidatedGateway(t, atkBackend(&reached, &role), Method{})
			rec := do(t, gw, "POST", "/users", body, "Content-Type", "application/json")
			if reached && role != "user" {
				t.Errorf("status %d: backend reached with role %q", rec.Code, role)
			}
			if reached && name != "lone surrogate in value" && name != "invalid utf8 in value" {
				t.Errorf("status %d: backend reached", rec.Code)
			}
		})
	}
}

// The validator must judge by the same media type the mapping and the
// backend use. Content types whose parameters Go's mime cannot parse.
func TestAtkBodyContentTypeVariants(t *testing.T) {
	cts := []string{
		"application/json",
		"APPLICATION/JSON",
		"application/json;charset=utf-8",
		"application/json ; x=y",
		"application/json;",
		"",
		"application/json; x",
		"application/json;;",
		"application/json;charset=utf-8;charset=utf-16",
		"application/json; a=\"",
		" application/json",
		"application/json\t",
	}
	for _, ct := range cts {
		t.Run(ct, func(t *testing.T) {
			var reached bool
			var role string
			gw := atkValidatedGateway(t, atkBackend(&reached, &role), Method{})
			req := httptest.NewRequest("POST", "/users", strings.NewReader(`{"role":"admin"}`))
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			rec := httptest.NewRecorder()
			gw.ServeHTTP(rec, req)
			if reached {
				t.Errorf("Content-Type %q: status %d, backend reached with role %q, model not applied", ct, rec.Code, role)
			}
		})
	}
}

// With a request template for application/json, the template runs on a
// body whose Content-Type makes the validator skip the model.
func TestAtkBodyContentTypeTemplateVsModel(t *testing.T) {
	for _, ct := range []string{"application/json; x", "application/json;;", "application/json;charset=utf-8;charset=utf-16"} {
		t.Run(ct, func(t *testing.T) {
			var got []byte
			backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, _ = io.ReadAll(r.Body)
				w.WriteHeader(200)
			})
			gw := mustNew(t, WithModel("Role", atkRoleModel), Route("POST /users", Method{
				Integration:   Handler(backend),
				RequestModels: map[string]string{"application/json": "Role"},
				Request: mapping.RequestConfig{
					Templates:   map[string]*mapping.Template{"application/json": mapping.MustCompileVTL(`{"role":"$input.path('$.role')"}`)},
					Passthrough: mapping.Never,
				},
			}))
			rec := do(t, gw, "POST", "/users", `{"role":"admin"}`, "Content-Type", ct)
			if bytes.Contains(got, []byte("admin")) {
				t.Errorf("status %d: application/json template ran on an unvalidated body: backend got %s", rec.Code, got)
			}
		})
	}
}

// Two Content-Type headers: the first is judged; the backend may read the last.
func TestAtkBodyTwoContentTypes(t *testing.T) {
	var reached bool
	var role string
	gw := atkValidatedGateway(t, atkBackend(&reached, &role), Method{})
	rec := do(t, gw, "POST", "/users", `{"role":"admin"}`, "Content-Type", "text/plain", "Content-Type", "application/json")
	if reached {
		t.Logf("two Content-Types (text/plain, application/json): status %d, backend reached with role %q (first header judged)", rec.Code, role)
	}
}
