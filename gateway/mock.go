package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/paramexpr"
)

type mockIntegration struct {
	status int
	body   string
}

// Mock answers without a backend: status and a body template in which
// $context.<var>, $stageVariables.<name> and
// $method.request.(header|querystring|path).<name> are substituted. The
// body is sent as application/json.
//
// As in AWS, a method with a request mapping (Method.Request) lets the
// mapped request choose the status: a JSON body such as {"statusCode": 404}
// makes the mock answer 404, for the integration responses
// (Method.Response) to select on.
func Mock(status int, body string) Integration { return &mockIntegration{status: status, body: body} }

func (m *mockIntegration) build(env *buildEnv) (http.Handler, error) {
	if m.status < 100 || m.status > 599 {
		return nil, fmt.Errorf("Mock: status %d is not an HTTP status", m.status)
	}
	tmpl, err := paramexpr.ParseTemplate(m.body, paramexpr.TemplateVars)
	if err != nil {
		return nil, fmt.Errorf("Mock: body: %w", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apigw.FromContext(r.Context())
		status := m.status
		if env.nonProxy {
			status = requestedStatus(r, c, status)
		}
		body := tmpl.Render(&paramexpr.Request{Header: r.Header, RawQuery: r.URL.RawQuery, Context: c,
			StageVariables: c.StageVariables, PathParameters: c.PathParameters})
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}), nil
}

// requestedStatus is the statusCode a mapped request asks a mock for, or
// def when it asks for none (or for no HTTP status).
func requestedStatus(r *http.Request, c *apigw.Context, def int) int {
	if c == nil {
		return def
	}
	body, err := c.Body(r)
	if err != nil || len(body) == 0 {
		return def
	}
	var req struct {
		StatusCode json.Number `json:"statusCode"`
	}
	if json.Unmarshal(body, &req) != nil {
		return def
	}
	n, err := strconv.Atoi(req.StatusCode.String())
	if err != nil || n < 100 || n > 599 {
		return def
	}
	return n
}
