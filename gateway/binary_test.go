package gateway_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-lambda-go/events"
)

// The payloads of AWS's tables: text that is base64 of "hi", and bytes
// that are not text.
var (
	textData   = []byte("aGk=")
	decoded    = []byte("hi")
	binaryData = []byte{0x89, 'P', 'N', 'G', 0xff, 0x00}
	encoded    = []byte(base64.StdEncoding.EncodeToString(binaryData))
)

// TestContentHandlingRequestTable is AWS's table "API request content type
// conversions" (Content type conversions in API Gateway): the integration
// request's payload for each method request payload, Content-Type,
// binaryMediaTypes and integration contentHandling.
func TestContentHandlingRequestTable(t *testing.T) {
	const textType, binaryType = "text/plain", "image/png"
	tests := []struct {
		payload     []byte
		contentType string
		binaryTypes []string
		handling    mapping.ContentHandling
		want        []byte
	}{
		// Text data, any data type, binaryMediaTypes undefined.
		{textData, binaryType, nil, "", textData},                                           // UTF8-encoded string
		{textData, binaryType, nil, mapping.ConvertToBinary, decoded},                       // Base64-decoded binary blob
		{textData, binaryType, nil, mapping.ConvertToText, textData},                        // UTF8-encoded string
		{textData, textType, []string{binaryType}, "", textData},                            // Text data
		{textData, textType, []string{binaryType}, mapping.ConvertToBinary, decoded},        // Base64-decoded binary blob
		{textData, textType, []string{binaryType}, mapping.ConvertToText, textData},         // Text data
		{binaryData, binaryType, []string{binaryType}, "", binaryData},                      // Binary data
		{binaryData, binaryType, []string{binaryType}, mapping.ConvertToBinary, binaryData}, // Binary data
		{binaryData, binaryType, []string{binaryType}, mapping.ConvertToText, encoded},      // Base64-encoded string
	}
	for i, tt := range tests {
		var got []byte
		echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, _ = io.ReadAll(r.Body) })
		opts := []gateway.Option{gateway.Route("POST /upload", gateway.Method{
			Integration: gateway.Handler(echo),
			Request:     mapping.RequestConfig{ContentHandling: tt.handling},
		})}
		if tt.binaryTypes != nil {
			opts = append(opts, gateway.WithBinaryMediaTypes(tt.binaryTypes...))
		}
		gw, err := gateway.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/upload", bytes.NewReader(tt.payload))
		r.Header.Set("Content-Type", tt.contentType)
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, r)
		if w.Code != 200 || !bytes.Equal(got, tt.want) {
			t.Errorf("row %d (%q %s %v %s): %d, integration got %q, want %q", i+1, tt.payload, tt.contentType, tt.binaryTypes, tt.handling, w.Code, got, tt.want)
		}
	}
}

// TestContentHandlingResponseTable is AWS's table "API Gateway response
// content type conversions": the method response's payload for each
// integration response payload, request Accept header, binaryMediaTypes and
// integration response contentHandling.
func TestContentHandlingResponseTable(t *testing.T) {
	const textType, binaryType = "text/plain", "image/png"
	set := []string{binaryType}
	tests := []struct {
		payload     []byte
		accept      string
		binaryTypes []string
		handling    mapping.ContentHandling
		want        []byte
	}{
		// Text or binary data, a text type, binaryMediaTypes undefined.
		{textData, textType, nil, "", textData},                       // UTF8-encoded string
		{binaryData, textType, nil, "", binaryData},                   // UTF8-encoded string (apigw passes the bytes)
		{textData, textType, nil, mapping.ConvertToBinary, decoded},   // Base64-decoded blob
		{textData, textType, nil, mapping.ConvertToText, textData},    // UTF8-encoded string
		{textData, textType, set, "", textData},                       // Text data
		{textData, textType, set, mapping.ConvertToBinary, decoded},   // Base64-decoded blob
		{textData, textType, set, mapping.ConvertToText, textData},    // UTF8-encoded string
		{textData, binaryType, set, "", decoded},                      // Base64-decoded blob
		{textData, binaryType, set, mapping.ConvertToBinary, decoded}, // Base64-decoded blob
		{textData, binaryType, set, mapping.ConvertToText, textData},  // UTF8-encoded string
		{binaryData, textType, set, "", encoded},                      // Base64-encoded string
		{binaryData, textType, set, mapping.ConvertToBinary, binaryData},
		{binaryData, textType, set, mapping.ConvertToText, encoded},
		{binaryData, binaryType, set, "", binaryData},
		{binaryData, binaryType, set, mapping.ConvertToBinary, binaryData},
		{binaryData, binaryType, set, mapping.ConvertToText, encoded},
		// Only the first Accept type counts (AWS's tip: a browser's <img>).
		{binaryData, "image/webp,image/*,*/*;q=0.8", []string{"image/webp", binaryType}, "", binaryData},
		{binaryData, "text/html,image/png", set, "", encoded},
	}
	for i, tt := range tests {
		integration := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if bytes.Equal(tt.payload, binaryData) {
				w.Header().Set("Content-Type", binaryType)
			} else {
				w.Header().Set("Content-Type", textType)
			}
			_, _ = w.Write(tt.payload)
		})
		opts := []gateway.Option{gateway.Route("GET /image", gateway.Method{
			Integration: gateway.Handler(integration),
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{{
				ContentHandling: tt.handling,
				Parameters:      map[string]string{"method.response.header.Content-Type": "integration.response.header.Content-Type"},
			}}},
		})}
		if tt.binaryTypes != nil {
			opts = append(opts, gateway.WithBinaryMediaTypes(tt.binaryTypes...))
		}
		gw, err := gateway.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/image", nil)
		r.Header.Set("Accept", tt.accept)
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, r)
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), tt.want) {
			t.Errorf("row %d (%q Accept %s %v %s): %d %q, want %q", i+1, tt.payload, tt.accept, tt.binaryTypes, tt.handling, w.Code, w.Body, tt.want)
		}
	}
}

// TestContentHandlingTemplates: a template reads a binary payload converted
// to text as base64 in input.body (AWS's {"data": "$input.body"}); a text
// payload that is not base64 cannot become binary: AWS's 500.
func TestContentHandlingTemplates(t *testing.T) {
	var got []byte
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("not base64!"))
	})
	gw, err := gateway.New(
		gateway.WithBinaryMediaTypes("application/octet-stream"),
		gateway.Route("POST /blob", gateway.Method{
			Integration: gateway.Handler(echo),
			Request: mapping.RequestConfig{ContentHandling: mapping.ConvertToText,
				Templates: map[string]*mapping.Template{"application/octet-stream": mapping.MustCompile(`{"data": input.body}`)}},
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{{ContentHandling: mapping.ConvertToBinary}}},
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/blob", bytes.NewReader(binaryData))
	r.Header.Set("Content-Type", "application/octet-stream")
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, r)
	if want := `{"data":"` + string(encoded) + `"}`; string(got) != want {
		t.Errorf("integration got %s, want %s", got, want)
	}
	if w.Code != 500 || strings.TrimSpace(w.Body.String()) != `{"message":"Internal server error"}` {
		t.Errorf("answer %d %s, want AWS's 500", w.Code, w.Body)
	}
}

// TestBinaryLambdaEvents: with binary media types, a proxy event's body of
// a matching Content-Type is base64 with isBase64Encoded, in payload 1.0
// and 2.0; other bodies are text; and a function's base64 answer is
// decoded.
func TestBinaryLambdaEvents(t *testing.T) {
	v1 := func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png", "X-B64": boolString(ev.IsBase64Encoded)},
			Body: ev.Body, IsBase64Encoded: ev.IsBase64Encoded}, nil
	}
	v2 := func(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png", "X-B64": boolString(ev.IsBase64Encoded)},
			Body: ev.Body, IsBase64Encoded: ev.IsBase64Encoded}, nil
	}
	gw, err := gateway.New(
		gateway.WithBinaryMediaTypes("image/*"),
		gateway.Route("POST /v1", gateway.Method{Integration: gateway.Lambda(v1)}),
		gateway.Route("POST /v2", gateway.Method{Integration: gateway.LambdaV2(v2)}),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v1", "/v2"} {
		for _, tt := range []struct {
			contentType string
			body        []byte
			b64         string
		}{
			{"image/png", binaryData, "true"},
			{"image/svg+xml", []byte("<svg/>"), "true"}, // text, but a binary media type
			{"text/plain", []byte("hello"), "false"},
			{"application/octet-stream", binaryData, "true"}, // not UTF-8: base64 all the same
		} {
			r := httptest.NewRequest("POST", path, bytes.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.contentType)
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, r)
			if w.Code != 200 || w.Header().Get("X-B64") != tt.b64 || !bytes.Equal(w.Body.Bytes(), tt.body) {
				t.Errorf("%s %s: %d isBase64Encoded %s, body %q; want %s and the body back", path, tt.contentType, w.Code, w.Header().Get("X-B64"), w.Body, tt.b64)
			}
		}
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestWithBinaryMediaTypesErrors(t *testing.T) {
	_, err := gateway.New(gateway.WithBinaryMediaTypes("image"), gateway.Route("GET /", gateway.Method{Integration: gateway.Mock(200, "")}))
	if err == nil || !strings.Contains(err.Error(), `gateway: WithBinaryMediaTypes: mapping: BinaryMediaTypes "image": not type/subtype`) {
		t.Errorf("got %v", err)
	}
	_, err = gateway.New(gateway.Route("GET /", gateway.Method{Integration: gateway.Mock(200, ""),
		Request: mapping.RequestConfig{ContentHandling: "CONVERT_TO_JSON"}}))
	if err == nil || !strings.Contains(err.Error(), `ContentHandling "CONVERT_TO_JSON"`) {
		t.Errorf("got %v", err)
	}
}
