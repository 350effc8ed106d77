package gateway

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/apigw/apigw"
)

type mockIntegration struct {
	status int
	body   string
}

// Mock answers without a backend: status and a body template in which
// $context.<var>, $stageVariables.<name> and
// $method.request.(header|querystring|path).<name> are substituted. The
// body is sent as application/json.
func Mock(status int, body string) Integration { return &mockIntegration{status: status, body: body} }

func (m *mockIntegration) build(*buildEnv) (http.Handler, error) {
	if m.status < 100 || m.status > 599 {
		return nil, fmt.Errorf("Mock: status %d is not an HTTP status", m.status)
	}
	tmpl, err := apigw.CompileVarTemplate(m.body)
	if err != nil {
		return nil, fmt.Errorf("Mock: body: %w", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := tmpl.Render(r, apigw.FromContext(r.Context()))
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(m.status)
		_, _ = w.Write([]byte(body))
	}), nil
}
