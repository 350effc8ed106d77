package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/mapping"
)

func TestNonProxyIntegrations(t *testing.T) {
	artist := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Internal", "secret")
		if r.URL.Path != "/artists/1234" {
			w.WriteHeader(404)
			w.Write([]byte(`{"message":"artist not found"}`))
			return
		}
		w.Write([]byte(`{"id":1234,"artist":"Queen","popularity":90,"genres":["Progressive rock","Pop rock","Glam rock"]}`))
	})
	lookup := func(e map[string]any) (map[string]any, error) {
		if e["name"] == "" || e["name"] == nil {
			return nil, errors.New("BadRequest: name is required")
		}
		return map[string]any{"greeting": "hello " + e["name"].(string)}, nil
	}
	gw := mustNew(t,
		Route("GET /artists/{id}/genres", Method{
			Integration: Handler(artist, Path("/artists/{id}")),
			Response: mapping.ResponseConfig{
				IntegrationResponses: []mapping.IntegrationResponse{
					{StatusCode: 200, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"genre": input.json.genres}`)}},
					{SelectionPattern: "404", StatusCode: 404, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"message": input.json.message}`)}},
				},
			},
		}),
		Route("GET /short/{id}", Method{Integration: Handler(artist, Path("/artists/{id}")), Response: mapping.MustCompile(`{"name": input.json.artist}`)}),
		Route("POST /hello", Method{
			Integration: Lambda(lookup),
			Request:     mapping.RequestConfig{Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"name": input.json.?who.orValue("")}`)}, Passthrough: mapping.Never},
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{
				{StatusCode: 200},
				{SelectionPattern: "BadRequest:.*", StatusCode: 400, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"error": input.json.errorMessage}`)}},
			}},
		}),
		Route("GET /slow", Method{Timeout: 50 * time.Millisecond, Integration: Lambda(func() error { time.Sleep(time.Second); return nil }), Response: mapping.MustCompile(`{}`)}),
		Route("GET /down", Method{Integration: HTTP("http://127.0.0.1:1/x"), Response: mapping.MustCompile(`{}`)}),
	)
	tests := []struct {
		name, method, path, body, contentType string
		wantStatus                            int
		wantBody                              string
	}{
		{"genres", "GET", "/artists/1234/genres", "", "", 200, `{"genre":["Progressive rock","Pop rock","Glam rock"]}`},
		{"genres of an unknown artist", "GET", "/artists/9/genres", "", "", 404, `{"message":"artist not found"}`},
		{"template shorthand", "GET", "/short/1234", "", "", 200, `{"name":"Queen"}`},
		{"custom lambda", "POST", "/hello", `{"who":"ada"}`, "application/json", 200, `{"greeting":"hello ada"}`},
		{"lambda error by selection pattern", "POST", "/hello", `{}`, "application/json", 400, `{"error":"BadRequest: name is required"}`},
		{"unmapped content type", "POST", "/hello", `<who/>`, "application/xml", 415, `{"message":"Unsupported Media Type"}`},
		{"timeout is not mapped", "GET", "/slow", "", "", 504, `{"message":"Endpoint request timed out"}`},
		{"gateway failure is not mapped", "GET", "/down", "", "", 502, `{"message":"Internal server error"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var header []string
			if tc.contentType != "" {
				header = []string{"Content-Type", tc.contentType}
			}
			rec := do(t, gw, tc.method, tc.path, tc.body, header...)
			if rec.Code != tc.wantStatus || strings.TrimSpace(rec.Body.String()) != tc.wantBody {
				t.Errorf("= %d %s, want %d %s", rec.Code, rec.Body, tc.wantStatus, tc.wantBody)
			}
			if rec.Header().Get("X-Internal") != "" {
				t.Error("an undeclared integration header left the gateway")
			}
			if rec.Header().Get("x-amzn-RequestId") == "" {
				t.Error("no request id")
			}
		})
	}
	_, err := New(Route("GET /bad", Method{Integration: Mock(200, ""), Response: mapping.Expr(`{"a": nope(}`)}))
	if err == nil || !strings.Contains(err.Error(), `route "GET /bad": Response`) {
		t.Errorf("a bad template: %v", err)
	}
}

// TestMockStatusFromRequestTemplate: as in AWS, a mock's request template
// chooses the status, and the integration responses select on it.
func TestMockStatusFromRequestTemplate(t *testing.T) {
	gw := mustNew(t, Route("GET /pets/{id}", Method{
		Integration: Mock(200, `{}`),
		Request:     mapping.MustCompile(`{"statusCode": input.param("id") == "0" ? 404 : 200}`),
		Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{
			{StatusCode: 200, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"id": input.param("id")}`)}},
			{SelectionPattern: "404", StatusCode: 404, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"message": "no such pet"}`)}},
		}},
	}))
	for path, want := range map[string]string{"/pets/7": `200 {"id":"7"}`, "/pets/0": `404 {"message":"no such pet"}`} {
		rec := do(t, gw, "GET", path, "")
		if got := fmt.Sprintf("%d %s", rec.Code, rec.Body); got != want {
			t.Errorf("GET %s = %s, want %s", path, got, want)
		}
	}
}
