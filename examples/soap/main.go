// Command soap is the seed's legacy story: clients speak JSON, the backend
// speaks only SOAP/XML. A request template turns the JSON into a SOAP
// envelope, a response template turns the XML answer (or SOAP fault) back
// into JSON; the legacy service runs in-process here.
//
//	go run ./examples/soap
//	curl -d '{"item":"widget","quantity":3}' -H 'Content-Type: application/json' localhost:8080/prices
//	# {"currency":"EUR","discounts":[0.5,1.25],"price":37.5,"requestId":"..."}
//	curl -d '{"item":"gadget"}' -H 'Content-Type: application/json' localhost:8080/prices
//	# 502 {"error":"Unknown item gadget"}
package main

import (
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"log"
	"net/http"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/serve"
	"github.com/apigw/apigw/mapping"
)

// prices are what the legacy service knows, per unit, in EUR.
var prices = map[string]float64{"widget": 12.5, "sprocket": 3.2}

// legacyPriceService is a SOAP 1.1 service: XML in, XML out.
var legacyPriceService = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	var env struct {
		Body struct {
			GetPrice struct {
				Item     string `xml:"Item"`
				Quantity int    `xml:"Quantity"`
			} `xml:"GetPrice"`
		} `xml:"Body"`
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	if r.Header.Get("SOAPAction") != `"urn:prices#GetPrice"` {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, fault("soap:Client", "Unknown SOAPAction"))
		return
	}
	if err := xml.NewDecoder(r.Body).Decode(&env); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, fault("soap:Client", "Malformed envelope"))
		return
	}
	req := env.Body.GetPrice
	unit, ok := prices[req.Item]
	if !ok {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, fault("soap:Client", "Unknown item "+req.Item))
		return
	}
	fmt.Fprintf(w, `<?xml version="1.0"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <m:GetPriceResponse xmlns:m="urn:prices">
      <m:Price currency="EUR">%.2f</m:Price>
      <m:Discount>0.5</m:Discount>
      <m:Discount>1.25</m:Discount>
    </m:GetPriceResponse>
  </soap:Body>
</soap:Envelope>`, unit*float64(req.Quantity))
})

func fault(code, text string) string {
	var esc []byte
	esc, _ = xml.Marshal(struct {
		XMLName xml.Name `xml:"faultstring"`
		Text    string   `xml:",chardata"`
	}{Text: text})
	return `<?xml version="1.0"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body><soap:Fault><faultcode>` + code + `</faultcode>` + string(esc) + `</soap:Fault></soap:Body>
</soap:Envelope>`
}

// The mapping templates, in CEL: JSON to a SOAP envelope, and back.
var (
	envelope = mapping.MustCompileText(`<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <m:GetPrice xmlns:m="urn:prices">
      <m:Item>{{ util.escapeXml(input.json.item) }}</m:Item>
      <m:Quantity>{{ input.json.?quantity.orValue(1) }}</m:Quantity>
    </m:GetPrice>
  </soap:Body>
</soap:Envelope>`, mapping.WithName("POST /prices request"))
	price = mapping.MustCompile(`cel.bind(r, util.parseXml(input.body).Envelope.Body.GetPriceResponse, {
		"price": double(r.Price["#text"]),
		"currency": r.Price["@currency"],
		"discounts": r.Discount.map(d, double(d)),
		"requestId": context.requestId,
	})`, mapping.WithName("POST /prices response"))
	soapFault = mapping.MustCompile(`{"error": util.parseXml(input.body).Envelope.Body.Fault.faultstring}`, mapping.WithName("POST /prices fault"))
)

// priceRequest checks the JSON before any envelope is made.
const priceRequest = `{
  "type": "object",
  "required": ["item"],
  "properties": {"item": {"type": "string", "minLength": 1}, "quantity": {"type": "integer", "minimum": 1}}
}`

func newGateway(extra ...gateway.Option) (*gateway.Gateway, error) {
	return gateway.New(append([]gateway.Option{
		gateway.WithModel("PriceRequest", priceRequest),
		gateway.Route("POST /prices", gateway.Method{
			Integration:   gateway.Handler(legacyPriceService),
			RequestModels: map[string]string{"application/json": "PriceRequest"},
			Request: mapping.RequestConfig{
				Templates:   map[string]*mapping.Template{"application/json": envelope},
				Passthrough: mapping.Never,
				Parameters: map[string]string{
					"integration.request.header.Content-Type": "'text/xml; charset=utf-8'",
					"integration.request.header.SOAPAction":   `'"urn:prices#GetPrice"'`,
				},
			},
			Response: mapping.ResponseConfig{
				IntegrationResponses: []mapping.IntegrationResponse{
					{StatusCode: 200, Templates: map[string]*mapping.Template{"application/json": price}},
					{SelectionPattern: `5\d\d`, StatusCode: 502, Templates: map[string]*mapping.Template{"application/json": soapFault}},
				},
				MethodResponses: []mapping.MethodResponse{{StatusCode: 200}, {StatusCode: 502}},
			},
		}),
	}, extra...)...)
}

// run serves the example on addr until ctx ends; ready, if not nil,
// receives the address it listens on.
func run(ctx context.Context, adm *admin.Admin, addr string, ready chan<- string) error {
	gw, err := newGateway(adm.Gateway()...)
	if err != nil {
		return err
	}
	adm.Watch(gw)
	return adm.Run(ctx, func(ctx context.Context) error { return serve.ListenAndServe(ctx, addr, gw, ready) })
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	adminAddr := flag.String("admin-addr", "", admin.Usage)
	flag.Parse()
	ctx, stop := serve.SignalContext()
	defer stop()
	adm, err := admin.New(ctx, *adminAddr, nil)
	if err != nil {
		log.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() { log.Printf("soap example: POST http://%s/prices", <-ready) }()
	if err := run(ctx, adm, *addr, ready); err != nil {
		log.Fatal(err)
	}
}
