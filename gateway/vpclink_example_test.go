package gateway_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/apigw/apigw/gateway"
)

// Two private replicas behind a VPC link: the HTTP integration names the
// link, and the gateway spreads the requests over its targets in turn,
// with the integration URL's path and host.
func ExampleWithVPCLink() {
	replica := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s served %s for %s", name, r.URL.Path, r.Host)
		}))
	}
	a, b := replica("replica-a"), replica("replica-b")
	defer a.Close()
	defer b.Close()
	gw, err := gateway.New(
		gateway.WithVPCLink("orders-nlb", gateway.VPCLink{Targets: []string{a.URL, b.URL}}),
		gateway.Route("GET /orders/{id}", gateway.Method{
			Integration: gateway.HTTP("http://orders.internal/orders/{id}", gateway.ViaVPCLink("orders-nlb")),
		}),
	)
	if err != nil {
		panic(err)
	}
	for range 3 {
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, httptest.NewRequest("GET", "/orders/42", nil))
		body, _ := io.ReadAll(w.Body)
		fmt.Println(string(body))
	}
	// Output:
	// replica-a served /orders/42 for orders.internal
	// replica-b served /orders/42 for orders.internal
	// replica-a served /orders/42 for orders.internal
}
