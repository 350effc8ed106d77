package gateway

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/mapping"
)

// A response header mapped from the integration's body, the body echoing
// the client's input: CR LF in it must not start a second header on the
// wire (through a real server).
func TestAtkBodyResponseHeaderCRLF(t *testing.T) {
	gw := mustNew(t, Route("GET /go", Method{
		Integration: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewEncoder(w).Encode(map[string]string{"to": r.URL.Query().Get("to")})
		})),
		Request: mapping.RequestConfig{Parameters: map[string]string{"integration.request.querystring.to": "method.request.querystring.to"}},
		Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{{
			Parameters: map[string]string{"method.response.header.X-Loc": "integration.response.body.to"},
		}}},
	}))
	srv := httptest.NewServer(gw)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET /go?to=a%0d%0aSet-Cookie:%20pwn=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	raw, _ := io.ReadAll(bufio.NewReader(conn))
	t.Logf("%q", raw)
	if strings.Contains(strings.ToLower(string(raw)), "\r\nset-cookie:") {
		t.Errorf("smuggled header on the wire: %q", raw)
	}
}
