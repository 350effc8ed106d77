package mapping

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// legacyPriceService is a SOAP 1.1 backend of the kind the SOAP story
// fronts: it speaks only XML.
func legacyPriceService(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
			t.Errorf("backend got Content-Type %q", ct)
		}
		if a := r.Header.Get("SOAPAction"); a != `"urn:prices#GetPrice"` {
			t.Errorf("backend got SOAPAction %q", a)
		}
		if r.Header.Get("Authorization") != "" {
			t.Error("an unmapped header reached the backend")
		}
		var env struct {
			Body struct {
				GetPrice struct {
					Item     string `xml:"Item"`
					Quantity int    `xml:"Quantity"`
				} `xml:"GetPrice"`
			} `xml:"Body"`
		}
		if err := xml.NewDecoder(r.Body).Decode(&env); err != nil {
			t.Errorf("backend: bad envelope: %v", err)
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Header().Set("X-Legacy-Server", "AS/400")
		item := env.Body.GetPrice.Item
		if item != "widget & co" {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `<?xml version="1.0"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Unknown item %s</faultstring></soap:Fault></soap:Body>
</soap:Envelope>`, escapeXML(item))
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
</soap:Envelope>`, 12.5*float64(env.Body.GetPrice.Quantity))
	})
}

// soapConfig is the SOAP story's mapping: JSON in, a SOAP envelope to the
// legacy backend, its XML answer (or fault) back to JSON.
func soapConfig() Config {
	return Config{
		Request: RequestConfig{
			Templates: map[string]*Template{"application/json": MustCompileText(`<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <m:GetPrice xmlns:m="urn:prices">
      <m:Item>{{ util.escapeXml(input.json.item) }}</m:Item>
      <m:Quantity>{{ input.json.?quantity.orValue(1) }}</m:Quantity>
    </m:GetPrice>
  </soap:Body>
</soap:Envelope>`, WithName("POST /prices request"))},
			Passthrough: Never,
			Parameters: map[string]string{
				"integration.request.header.Content-Type": "'text/xml; charset=utf-8'",
				"integration.request.header.SOAPAction":   `'"urn:prices#GetPrice"'`,
			},
		},
		Response: ResponseConfig{
			IntegrationResponses: []IntegrationResponse{
				{StatusCode: 200, Templates: map[string]*Template{"application/json": MustCompile(`
					cel.bind(r, util.parseXml(input.body).Envelope.Body.GetPriceResponse, {
						"item": input.param("item"),
						"price": double(r.Price["#text"]),
						"currency": r.Price["@currency"],
						"discounts": r.Discount.map(d, double(d)),
						"requestId": context.requestId,
					})`, WithName("POST /prices response"))},
					Parameters: map[string]string{"method.response.header.X-Backend": "integration.response.header.X-Legacy-Server"},
				},
				{SelectionPattern: `5\d\d`, StatusCode: 502, Templates: map[string]*Template{"application/json": MustCompile(
					`{"error": util.parseXml(input.body).Envelope.Body.Fault.faultstring}`)}},
			},
			MethodResponses: []MethodResponse{{StatusCode: 200, Headers: []string{"X-Backend"}}, {StatusCode: 502}},
		},
	}
}

// TestSOAPRoundTrip runs the SOAP story end to end over HTTP: a JSON
// client, the mapping middleware, an XML-only backend.
func TestSOAPRoundTrip(t *testing.T) {
	m, err := New(soapConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(legacyPriceService(t)))
	defer srv.Close()

	post := func(t *testing.T, query, body string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/prices"+query, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer x")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		var v map[string]any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("answer %d %s is not JSON: %v", res.StatusCode, data, err)
		}
		return res, v
	}

	t.Run("price", func(t *testing.T) {
		res, v := post(t, "?item=widget", `{"item": "widget & co", "quantity": 3}`)
		if res.StatusCode != 200 {
			t.Fatalf("status %d: %v", res.StatusCode, v)
		}
		if v["price"] != 37.5 || v["currency"] != "EUR" || v["item"] != "widget" || fmt.Sprint(v["discounts"]) != "[0.5 1.25]" {
			t.Errorf("answer %v", v)
		}
		if v["requestId"] != res.Header.Get("X-Amzn-Requestid") || v["requestId"] == "" {
			t.Errorf("requestId %v, header %q", v["requestId"], res.Header.Get("X-Amzn-Requestid"))
		}
		if res.Header.Get("Content-Type") != "application/json" || res.Header.Get("X-Backend") != "AS/400" {
			t.Errorf("headers %v", res.Header)
		}
	})
	t.Run("fault", func(t *testing.T) {
		res, v := post(t, "", `{"item": "<gadget>"}`)
		if res.StatusCode != 502 || v["error"] != "Unknown item <gadget>" {
			t.Errorf("got %d %v", res.StatusCode, v)
		}
		if res.Header.Get("X-Backend") != "" {
			t.Error("X-Backend is not declared for 502")
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		res, v := post(t, "", `{"item": `)
		if res.StatusCode != 400 || !strings.HasPrefix(fmt.Sprint(v["message"]), "Could not parse request body into json") {
			t.Errorf("got %d %v", res.StatusCode, v)
		}
	})
	t.Run("XML is refused", func(t *testing.T) {
		req, _ := http.NewRequest("POST", srv.URL+"/prices", strings.NewReader(`<x/>`))
		req.Header.Set("Content-Type", "text/xml")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 415 || string(data) != `{"message":"Unsupported Media Type"}` || res.Header.Get("X-Amzn-Errortype") != "BadRequestException" {
			t.Errorf("got %d %s %v", res.StatusCode, data, res.Header)
		}
	})
}
