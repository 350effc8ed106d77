package mapping_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/mapping"
)

const artist = `{"id":1234,"artist":"Queen","popularity":90,"genres":["Progressive rock","Pop rock","Glam rock"]}`

// A response template over the artist resource: the genres alone.
func ExampleCompile() {
	genres := mapping.MustCompile(`{"genre": input.json.genres}`)

	r, c := apigw.EnsureContext(httptest.NewRequest("GET", "/artists/1234/genres", nil))
	out, err := genres.RenderBody(nil, r, c, []byte(artist))
	fmt.Println(string(out), err)
	// Output: {"genre":["Progressive rock","Pop rock","Glam rock"]} <nil>
}

// A request template that turns a JSON request into a SOAP envelope.
func ExampleCompileText() {
	envelope := mapping.MustCompileText(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body><m:GetPrice xmlns:m="urn:prices"><m:Item>{{ util.escapeXml(input.json.item) }}</m:Item></m:GetPrice></soap:Body>
</soap:Envelope>`)

	r, c := apigw.EnsureContext(httptest.NewRequest("POST", "/prices", strings.NewReader(`{"item": "nuts & bolts"}`)))
	out, err := envelope.Render(nil, r, c)
	fmt.Println(string(out), err)
	// Output:
	// <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
	//   <soap:Body><m:GetPrice xmlns:m="urn:prices"><m:Item>nuts &amp; bolts</m:Item></m:GetPrice></soap:Body>
	// </soap:Envelope> <nil>
}

// Compile errors name the template and the place of each problem.
func ExampleCompile_error() {
	_, err := mapping.Compile(`{"genre": input.json.genres,
  "artist": inptu.json.artist}`, mapping.WithName("GET /artists/{id}/genres"))
	fmt.Println(err)
	// Output: mapping: template GET /artists/{id}/genres: 2:13: undeclared reference to 'inptu' (in container '')
}

// The XML answer of a legacy service, back to JSON.
func ExampleCompile_parseXml() {
	price := mapping.MustCompile(`cel.bind(r, util.parseXml(input.body).Envelope.Body.GetPriceResponse,
		{"price": double(r.Price["#text"]), "currency": r.Price["@currency"]})`)

	soap := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
	  <m:GetPriceResponse xmlns:m="urn:prices"><m:Price currency="EUR">12.50</m:Price></m:GetPriceResponse>
	</soap:Body></soap:Envelope>`
	r, c := apigw.EnsureContext(httptest.NewRequest("POST", "/prices", nil))
	out, err := price.RenderBody(nil, r, c, []byte(soap))
	fmt.Println(string(out), err)
	// Output: {"currency":"EUR","price":12.5} <nil>
}

// An integration request: a template for JSON, 415 for anything else,
// and headers and query string parameters mapped from the method request.
func ExampleNewRequestMapping() {
	m, err := mapping.NewRequestMapping(mapping.RequestConfig{
		Templates:   map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"name": input.json.name.upperAscii()}`)},
		Passthrough: mapping.Never,
		Parameters: map[string]string{
			"integration.request.header.X-Lang":    "method.request.querystring.lang",
			"integration.request.querystring.from": "'gateway'",
		},
	})
	if err != nil {
		panic(err)
	}

	r := httptest.NewRequest("POST", "/users?lang=fr", strings.NewReader(`{"name": "freddie"}`))
	ir, err := m.Map(r, nil)
	fmt.Println(string(ir.Body), ir.Header.Get("X-Lang"), ir.Query.Encode(), err)

	r = httptest.NewRequest("POST", "/users", strings.NewReader(`name=freddie`))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err = m.Map(r, nil)
	fmt.Println(err.(*apigw.Error).StatusCode(), err.(*apigw.Error).MessageText())
	// Output:
	// {"name":"FREDDIE"} fr from=gateway <nil>
	// 415 Unsupported Media Type
}

// Integration responses chosen by selection pattern; only mapped headers
// reach the client.
func ExampleNewResponseMapping() {
	m, err := mapping.NewResponseMapping(mapping.ResponseConfig{
		IntegrationResponses: []mapping.IntegrationResponse{
			{StatusCode: 200, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"genre": input.json.genres}`)},
				Parameters: map[string]string{"method.response.header.X-Artist": "integration.response.body.artist"}},
			{SelectionPattern: `4\d\d`, StatusCode: 404, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"error": "no such artist"}`)}},
		},
		MethodResponses: []mapping.MethodResponse{{StatusCode: 200, Headers: []string{"X-Artist"}}, {StatusCode: 404}},
	})
	if err != nil {
		panic(err)
	}
	for _, res := range []mapping.Result{
		{Status: 200, Body: []byte(artist), Header: http.Header{"X-Internal": {"secret"}}},
		{Status: 410, Body: []byte(`gone`)},
	} {
		r, c := apigw.EnsureContext(httptest.NewRequest("GET", "/artists/1234/genres", nil))
		w := httptest.NewRecorder()
		m.Write(w, r, c, res)
		fmt.Println(w.Code, w.Header().Get("X-Artist"), w.Header().Get("X-Internal"), w.Body)
	}
	// Output:
	// 200 Queen  {"genre":["Progressive rock","Pop rock","Glam rock"]}
	// 404   {"error":"no such artist"}
}

// The mapping as middleware around an existing handler, without package
// gateway.
func ExampleMapping_Handler() {
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, artist)
	})
	m, err := mapping.New(mapping.Config{
		Response: mapping.MustCompile(`{"genre": input.json.genres, "id": input.params.path.id}`),
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /artists/{id}/genres", m.Handler(backend))

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/artists/1234/genres", nil))
	fmt.Println(w.Code, w.Body)
	// Output: 200 {"genre":["Progressive rock","Pop rock","Glam rock"],"id":"1234"}
}

// The genres template in VTL, as an API on AWS holds it.
func ExampleCompileVTL() {
	genres := mapping.MustCompileVTL(`#set($inputRoot = $input.path('$'))
{
  "genre": [
#foreach($g in $inputRoot.genres)
    "$g"#if($foreach.hasNext),#end

#end
  ]
}`)

	r, c := apigw.EnsureContext(httptest.NewRequest("GET", "/artists/1234/genres", nil))
	out, err := genres.RenderBody(nil, r, c, []byte(artist))
	fmt.Println(string(out), err)
	// Output:
	// {
	//   "genre": [
	//     "Progressive rock",
	//     "Pop rock",
	//     "Glam rock"
	//   ]
	// } <nil>
}

// VTL compile errors name the line, the column and the construct.
func ExampleCompileVTL_error() {
	_, err := mapping.CompileVTL("{\n  #foreach($g in $input.path('$.genres'))\"$g\"\n}", mapping.WithName("genres"))
	fmt.Println(err)
	// Output: mapping: template genres: line 2, column 3: #foreach without #end
}
