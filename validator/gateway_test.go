package validator_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-lambda-go/events"
)

const popularity = `{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "type": "object",
  "properties": {"popularity": {"type": "integer", "minimum": 0, "maximum": 100}, "score": {"type": "number", "maximum": 10}},
  "required": ["popularity"],
  "additionalProperties": false
}`

// TestThroughGateway validates bodies through gateway.New with every kind
// of integration, alone and before a request template that reads the
// same parse.
func TestThroughGateway(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})
	lambda := func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: ev.Body}, nil
	}
	// A non-proxy Lambda function gets the template's output as its event.
	custom := func(_ context.Context, ev map[string]any) (map[string]any, error) { return ev, nil }
	integrations := map[string]gateway.Integration{
		"handler": gateway.Handler(echo),
		"lambda":  gateway.Lambda(lambda),
		"mock":    gateway.Mock(200, `{"mock":true}`),
	}
	tests := []struct {
		name, body string
		status     int
		want       string // the answer's body; "" for the body sent (echoes)
	}{
		{"valid", `{"popularity":95}`, 200, ""},
		{"valid, written otherwise", `{"popularity":9.5e1, "score": 1e1}`, 200, ""},
		{"repeated key, last one counts", `{"popularity":101,"popularity":100}`, 200, ""},
		{"above maximum", `{"popularity":100.000000000000000000001}`, 400, `{"message":"Invalid request body"}`},
		{"not an integer", `{"popularity":95.5}`, 400, `{"message":"Invalid request body"}`},
		{"extra property", `{"popularity":95,"x":1}`, 400, `{"message":"Invalid request body"}`},
		{"not JSON", `{"popularity":`, 400, `{"message":"Invalid request body"}`},
		{"a number jsonschema cannot read", `{"popularity":1,"score":1e9999999}`, 400, `{"message":"Invalid request body"}`},
	}
	for kind, integ := range integrations {
		for _, templated := range []bool{false, true} {
			m := gateway.Method{Integration: integ, RequestModels: map[string]string{"application/json": "Popularity"}}
			if templated {
				m.Request = mapping.MustCompile(`{"p": input.json.popularity}`)
				if kind == "lambda" {
					m.Integration = gateway.Lambda(custom)
				}
			}
			gw, err := gateway.New(gateway.WithModel("Popularity", popularity), gateway.Route("POST /artists", m))
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range tests {
				name := kind + "/" + tc.name
				if templated {
					name = kind + "/template/" + tc.name
				}
				t.Run(name, func(t *testing.T) {
					req := httptest.NewRequest("POST", "/artists", strings.NewReader(tc.body))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					gw.ServeHTTP(rec, req)
					want := tc.want
					switch {
					case want != "":
					case kind == "mock":
						want = `{"mock":true}`
					case templated:
						want = `{"p":` + map[bool]string{true: "100", false: "95"}[strings.Contains(tc.body, "100")] + `}`
					default:
						want = tc.body
					}
					if rec.Code != tc.status || rec.Body.String() != want {
						t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tc.status, want)
					}
				})
			}
			gw.Close()
		}
	}
}
