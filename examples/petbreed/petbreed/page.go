package petbreed

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

//go:embed page.html
var pageHTML string

// pageTemplate is the shop's page; its data is [pageData].
var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// pageData is what the page is rendered with.
type pageData struct {
	APIURL       string
	ClientHeader string
	PremiumToken string
}

// Page returns the shop's page, served at GET /, whose script calls the
// API at apiURL (an absolute http or https URL, without a trailing slash)
// when a button is pressed:
//
//   - #identify: POST apiURL/identify,
//   - #premium: POST apiURL/identify/premium, with "Authorization: Bearer
//     <token>" when the #token field is not empty,
//
// each with the JSON body {"photo": <the #photo field>} and the header
// X-Petbreed-Client: shop. The script writes the outcome into
// <p id="result">, and its kind into the element's data-state attribute:
//
//   - "ok": "Breed: <breed>",
//   - "error": "Error <status>: <message>", for an answer the page may read
//     that is not a 2xx,
//   - "blocked": "Blocked: ...", when fetch rejects, as it does when the
//     browser refuses the page the answer (CORS) or the API is down.
//
// The query ?call=identify or ?call=premium presses that button when the
// page loads. The page is rendered once, here.
func Page(apiURL string) (http.Handler, error) {
	apiURL = strings.TrimSuffix(apiURL, "/")
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("petbreed: API URL %q: want http(s)://host[:port][/path]", apiURL)
	}
	var buf bytes.Buffer
	data := pageData{APIURL: apiURL, ClientHeader: ClientHeader, PremiumToken: PremiumToken}
	if err := pageTemplate.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("petbreed: page: %w", err)
	}
	body := buf.Bytes()
	length := strconv.Itoa(len(body))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", length)
		h.Set("Cache-Control", "no-store")
		w.Write(body)
	})
	return mux, nil
}
