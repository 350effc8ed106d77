package cors_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/cors"
)

// The CORS response headers every case checks: a header a case does not
// list must be absent.
var corsHeaders = []string{
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers",
	"Access-Control-Expose-Headers",
	"Access-Control-Max-Age",
	"Access-Control-Allow-Private-Network",
	"Vary",
}

const (
	varyActual    = "Origin"
	varyPreflight = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
)

// Request headers, short.
const (
	origin = "Origin"
	acrm   = "Access-Control-Request-Method"
	acrh   = "Access-Control-Request-Headers"
	acrpn  = "Access-Control-Request-Private-Network"
)

// Response headers, short.
const (
	acao  = "Access-Control-Allow-Origin"
	acac  = "Access-Control-Allow-Credentials"
	acam  = "Access-Control-Allow-Methods"
	acah  = "Access-Control-Allow-Headers"
	aceh  = "Access-Control-Expose-Headers"
	acma  = "Access-Control-Max-Age"
	acapn = "Access-Control-Allow-Private-Network"
)

// The policies the table uses.
var (
	zero  = cors.Config{}
	exact = cors.Config{AllowOrigins: []string{"https://pet.com"}}
	creds = cors.Config{
		AllowOrigins:     []string{"https://pet.com", "https://*.pet.com"},
		AllowMethods:     []string{"GET", "POST", "PUT"},
		AllowHeaders:     []string{"Content-Type", "X-Breed"},
		ExposeHeaders:    []string{"X-Request-Id"},
		MaxAge:           10 * time.Minute,
		AllowCredentials: true,
	}
	wild     = cors.Config{AllowOrigins: []string{"https://*.pet.com", "http://localhost:8081"}}
	nullOnly = cors.Config{AllowOrigins: []string{"null"}}
	starNull = cors.Config{AllowOrigins: []string{"*", "null"}}
	shopFunc = cors.Config{AllowOriginFunc: func(o string) bool { return strings.HasSuffix(o, ".shop.example") }}
	anyFunc  = cors.Config{AllowOriginFunc: func(string) bool { return true }}
	panicky  = cors.Config{AllowOriginFunc: func(string) bool { panic("boom") }}
	anything = cors.Config{
		AllowOrigins:     []string{"https://pet.com"},
		AllowMethods:     []string{"*"},
		AllowHeaders:     []string{"*"},
		AllowCredentials: true,
	}
	patch     = cors.Config{AllowOrigins: []string{"https://pet.com"}, AllowMethods: []string{"PATCH", "get"}}
	private   = cors.Config{AllowOrigins: []string{"https://pet.com"}, AllowPrivateNetwork: true}
	noOrigin  = cors.Config{AllowOrigins: []string{}}
	noMethod  = cors.Config{AllowMethods: []string{}}
	noCaching = cors.Config{AllowOrigins: []string{"https://pet.com"}, MaxAge: -1}
	schemeAll = cors.Config{AllowOrigins: []string{"https://*"}}
	long      = strings.Repeat("x", 150) + "-breed" // longer than the lower-casing buffer
	longNames = cors.Config{AllowOrigins: []string{"https://pet.com"}, AllowHeaders: []string{long, "x-short"}}
)

const defaultAllowHeaders = "Content-Type, X-Amz-Date, Authorization, X-Api-Key, X-Amz-Security-Token"

type corsCase struct {
	name   string
	opts   cors.Config
	method string      // "" is GET
	header http.Header // request headers, sent as they are
	// preflight: the middleware answers 204 itself and next never runs.
	preflight bool
	// want lists the CORS response headers expected, their values joined
	// with ", "; Vary defaults to the preflight or actual one.
	want map[string]string
}

// hdr builds a request header from name, value pairs; a repeated name
// adds a second field.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = append(h[kv[i]], kv[i+1])
	}
	return h
}

func preflight(from, method, headers string) http.Header {
	h := hdr(origin, from, acrm, method)
	if headers != "" {
		h[acrh] = []string{headers}
	}
	return h
}

var corsCases = []corsCase{
	// Actual requests: origins.
	{name: "zero/no origin", opts: zero, header: hdr()},
	{name: "zero/any origin gets *", opts: zero, header: hdr(origin, "https://pet.com"), want: map[string]string{acao: "*"}},
	{name: "zero/null refused", opts: zero, header: hdr(origin, "null")},
	{name: "zero/empty origin", opts: zero, header: hdr(origin, "")},
	{name: "star and null/null allowed", opts: starNull, header: hdr(origin, "null"), want: map[string]string{acao: "*"}},
	{name: "exact/allowed", opts: exact, header: hdr(origin, "https://pet.com"), want: map[string]string{acao: "https://pet.com"}},
	{name: "exact/upper case is not what a browser sends", opts: exact, header: hdr(origin, "https://PET.com")},
	{name: "exact/upper case scheme", opts: exact, header: hdr(origin, "HTTPS://pet.com")},
	{name: "exact/default port spelled out", opts: exact, header: hdr(origin, "https://pet.com:443")},
	{name: "exact/other port", opts: exact, header: hdr(origin, "https://pet.com:8443")},
	{name: "exact/other scheme", opts: exact, header: hdr(origin, "http://pet.com")},
	{name: "exact/suffix attack", opts: exact, header: hdr(origin, "https://pet.com.evil.com")},
	{name: "exact/prefix attack", opts: exact, header: hdr(origin, "https://evilpet.com")},
	{name: "exact/trailing slash", opts: exact, header: hdr(origin, "https://pet.com/")},
	{name: "exact/odd spacing trimmed", opts: exact, header: hdr(origin, " \thttps://pet.com "), want: map[string]string{acao: "https://pet.com"}},
	{name: "exact/inner space", opts: exact, header: hdr(origin, "https:// pet.com")},
	{name: "exact/two origin fields", opts: exact, header: hdr(origin, "https://pet.com", origin, "https://pet.com")},
	{name: "exact/null not listed", opts: exact, header: hdr(origin, "null")},
	{name: "null listed/allowed and echoed", opts: nullOnly, header: hdr(origin, "null"), want: map[string]string{acao: "null"}},
	{name: "null listed/upper case NULL", opts: nullOnly, header: hdr(origin, "NULL")},
	{name: "creds/exact", opts: creds, header: hdr(origin, "https://pet.com"),
		want: map[string]string{acao: "https://pet.com", acac: "true", aceh: "X-Request-Id"}},
	{name: "creds/deep subdomain", opts: creds, header: hdr(origin, "https://a.b.pet.com"),
		want: map[string]string{acao: "https://a.b.pet.com", acac: "true", aceh: "X-Request-Id"}},
	{name: "creds/look-alike domain", opts: creds, header: hdr(origin, "https://evilpet.com")},
	{name: "creds/empty label", opts: creds, header: hdr(origin, "https://.pet.com")},
	{name: "creds/double dot", opts: creds, header: hdr(origin, "https://a..pet.com")},
	{name: "creds/path smuggled before suffix", opts: creds, header: hdr(origin, "https://evil.com/.pet.com")},
	{name: "creds/user info smuggled", opts: creds, header: hdr(origin, "https://evil.com@a.pet.com")},
	{name: "wild/apex not matched", opts: wild, header: hdr(origin, "https://pet.com")},
	{name: "wild/other scheme", opts: wild, header: hdr(origin, "http://a.pet.com")},
	{name: "wild/other port", opts: wild, header: hdr(origin, "https://a.pet.com:8443")},
	{name: "wild/upper case subdomain", opts: wild, header: hdr(origin, "https://A.pet.com")},
	{name: "wild/exact with port", opts: wild, header: hdr(origin, "http://localhost:8081"), want: map[string]string{acao: "http://localhost:8081"}},
	{name: "scheme wide/any https origin", opts: schemeAll, header: hdr(origin, "https://x.example:8443"), want: map[string]string{acao: "https://x.example:8443"}},
	{name: "scheme wide/http refused", opts: schemeAll, header: hdr(origin, "http://x.example")},
	{name: "func/allowed", opts: shopFunc, header: hdr(origin, "https://a.shop.example"), want: map[string]string{acao: "https://a.shop.example"}},
	{name: "func/refused", opts: shopFunc, header: hdr(origin, "https://shop.example")},
	{name: "func/never sees null", opts: anyFunc, header: hdr(origin, "null")},
	{name: "func/never sees a malformed origin", opts: anyFunc, header: hdr(origin, "https://evil.com/x")},
	{name: "func/sees a well-formed one", opts: anyFunc, header: hdr(origin, "https://ok.example:8080"), want: map[string]string{acao: "https://ok.example:8080"}},
	{name: "func/panic refuses", opts: panicky, header: hdr(origin, "https://pet.com")},
	{name: "empty origin list/refuses all", opts: noOrigin, header: hdr(origin, "https://pet.com")},
	{name: "actual OPTIONS without request method", opts: exact, method: "OPTIONS", header: hdr(origin, "https://pet.com"), want: map[string]string{acao: "https://pet.com"}},
	{name: "actual method not listed still gets headers", opts: exact, method: "DELETE", header: hdr(origin, "https://pet.com"), want: map[string]string{acao: "https://pet.com"}},
	{name: "OPTIONS with request method but no origin is not a preflight", opts: exact, method: "OPTIONS", header: hdr(acrm, "PUT")},
	{name: "lower-case options is not a preflight", opts: exact, method: "options", header: preflight("https://pet.com", "GET", ""), want: map[string]string{acao: "https://pet.com"}},

	// Preflights.
	{name: "preflight/zero allows the defaults", opts: zero, method: "OPTIONS", header: preflight("https://pet.com", "POST", "content-type"), preflight: true,
		want: map[string]string{acao: "*", acam: "GET, HEAD, POST", acah: defaultAllowHeaders}},
	{name: "preflight/zero refuses PUT", opts: zero, method: "OPTIONS", header: preflight("https://pet.com", "PUT", ""), preflight: true},
	{name: "preflight/zero refuses a custom header", opts: zero, method: "OPTIONS", header: preflight("https://pet.com", "GET", "x-custom"), preflight: true},
	{name: "preflight/zero refuses null", opts: zero, method: "OPTIONS", header: preflight("null", "GET", ""), preflight: true},
	{name: "preflight/origin refused", opts: exact, method: "OPTIONS", header: preflight("https://other.com", "GET", ""), preflight: true},
	{name: "preflight/creds full answer", opts: creds, method: "OPTIONS", header: preflight("https://pet.com", "PUT", "content-type,x-breed"), preflight: true,
		want: map[string]string{acao: "https://pet.com", acac: "true", acam: "GET, POST, PUT", acah: "Content-Type, X-Breed", acma: "600"}},
	{name: "preflight/header names ignore case and spacing", opts: creds, method: "OPTIONS", header: preflight("https://a.pet.com", "POST", " X-BREED ,\tContent-Type"), preflight: true,
		want: map[string]string{acao: "https://a.pet.com", acac: "true", acam: "GET, POST, PUT", acah: "Content-Type, X-Breed", acma: "600"}},
	{name: "preflight/empty list elements ignored", opts: creds, method: "OPTIONS", header: preflight("https://pet.com", "POST", "x-breed,, ,content-type,"), preflight: true,
		want: map[string]string{acao: "https://pet.com", acac: "true", acam: "GET, POST, PUT", acah: "Content-Type, X-Breed", acma: "600"}},
	{name: "preflight/two header fields", opts: creds, method: "OPTIONS", header: hdr(origin, "https://pet.com", acrm, "POST", acrh, "x-breed", acrh, "content-type"), preflight: true,
		want: map[string]string{acao: "https://pet.com", acac: "true", acam: "GET, POST, PUT", acah: "Content-Type, X-Breed", acma: "600"}},
	{name: "preflight/header list not tokens", opts: creds, method: "OPTIONS", header: preflight("https://pet.com", "POST", "x-breed content-type"), preflight: true},
	{name: "preflight/one header not allowed", opts: creds, method: "OPTIONS", header: preflight("https://pet.com", "POST", "x-breed,x-evil"), preflight: true},
	{name: "preflight/method is case-sensitive", opts: creds, method: "OPTIONS", header: preflight("https://pet.com", "put", ""), preflight: true},
	{name: "preflight/method trimmed", opts: creds, method: "OPTIONS", header: preflight("https://pet.com", " PUT ", ""), preflight: true,
		want: map[string]string{acao: "https://pet.com", acac: "true", acam: "GET, POST, PUT", acah: "Content-Type, X-Breed", acma: "600"}},
	{name: "preflight/empty method", opts: creds, method: "OPTIONS", header: preflight("https://pet.com", "", ""), preflight: true},
	{name: "preflight/two method fields", opts: creds, method: "OPTIONS", header: hdr(origin, "https://pet.com", acrm, "GET", acrm, "PUT"), preflight: true},
	{name: "preflight/method not a token", opts: anything, method: "OPTIONS", header: preflight("https://pet.com", "GE T", ""), preflight: true},
	{name: "preflight/PATCH allowed", opts: patch, method: "OPTIONS", header: preflight("https://pet.com", "PATCH", ""), preflight: true,
		want: map[string]string{acao: "https://pet.com", acam: "PATCH, GET", acah: defaultAllowHeaders}},
	{name: "preflight/patch is not PATCH", opts: patch, method: "OPTIONS", header: preflight("https://pet.com", "patch", ""), preflight: true},
	{name: "preflight/configured get means GET", opts: patch, method: "OPTIONS", header: preflight("https://pet.com", "GET", "x-api-key"), preflight: true,
		want: map[string]string{acao: "https://pet.com", acam: "PATCH, GET", acah: defaultAllowHeaders}},
	{name: "preflight/star echoes method and headers", opts: anything, method: "OPTIONS", header: preflight("https://pet.com", "DELETE", "authorization,x-anything"), preflight: true,
		want: map[string]string{acao: "https://pet.com", acac: "true", acam: "DELETE", acah: "authorization,x-anything"}},
	{name: "preflight/star without requested headers", opts: anything, method: "OPTIONS", header: preflight("https://pet.com", "patch", ""), preflight: true,
		want: map[string]string{acao: "https://pet.com", acac: "true", acam: "patch"}},
	{name: "preflight/star still wants tokens", opts: anything, method: "OPTIONS", header: preflight("https://pet.com", "GET", "bad header"), preflight: true},
	{name: "preflight/private network asked and allowed", opts: private, method: "OPTIONS", header: hdr(origin, "https://pet.com", acrm, "GET", acrpn, "true"), preflight: true,
		want: map[string]string{acao: "https://pet.com", acam: "GET, HEAD, POST", acah: defaultAllowHeaders, acapn: "true",
			"Vary": varyPreflight + ", Access-Control-Request-Private-Network"}},
	{name: "preflight/private network not asked", opts: private, method: "OPTIONS", header: preflight("https://pet.com", "GET", ""), preflight: true,
		want: map[string]string{acao: "https://pet.com", acam: "GET, HEAD, POST", acah: defaultAllowHeaders,
			"Vary": varyPreflight + ", Access-Control-Request-Private-Network"}},
	{name: "preflight/private network not allowed", opts: exact, method: "OPTIONS", header: hdr(origin, "https://pet.com", acrm, "GET", acrpn, "true"), preflight: true,
		want: map[string]string{acao: "https://pet.com", acam: "GET, HEAD, POST", acah: defaultAllowHeaders}},
	{name: "preflight/negative max age disables caching", opts: noCaching, method: "OPTIONS", header: preflight("https://pet.com", "GET", ""), preflight: true,
		want: map[string]string{acao: "https://pet.com", acam: "GET, HEAD, POST", acah: defaultAllowHeaders, acma: "0"}},
	{name: "preflight/no method allowed", opts: noMethod, method: "OPTIONS", header: preflight("https://pet.com", "GET", ""), preflight: true},
	{name: "preflight/null listed", opts: nullOnly, method: "OPTIONS", header: preflight("null", "POST", ""), preflight: true,
		want: map[string]string{acao: "null", acam: "GET, HEAD, POST", acah: defaultAllowHeaders}},
	{name: "preflight/wildcard echoes the origin", opts: wild, method: "OPTIONS", header: preflight("https://shop.pet.com", "GET", ""), preflight: true,
		want: map[string]string{acao: "https://shop.pet.com", acam: "GET, HEAD, POST", acah: defaultAllowHeaders}},
	{name: "preflight/long header name ignores case", opts: longNames, method: "OPTIONS", header: preflight("https://pet.com", "GET", strings.ToUpper(long)+",x-short"), preflight: true,
		want: map[string]string{acao: "https://pet.com", acam: "GET, HEAD, POST", acah: http.CanonicalHeaderKey(long) + ", X-Short"}},
	{name: "preflight/long header name not listed", opts: longNames, method: "OPTIONS", header: preflight("https://pet.com", "GET", strings.Repeat("y", 150)+"-breed"), preflight: true},
	{name: "preflight/empty origin list answers without allowing", opts: noOrigin, method: "OPTIONS", header: preflight("https://pet.com", "GET", ""), preflight: true},
}

// next is the handler behind the middleware: it records that it ran.
type next struct{ calls int }

func (n *next) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.calls++
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "ok")
}

func TestHandler(t *testing.T) {
	if len(corsCases) < 40 {
		t.Fatalf("%d cases, want at least 40", len(corsCases))
	}
	for _, tc := range corsCases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, tc.opts)
			n := &next{}
			w := httptest.NewRecorder()
			c.Handler(n).ServeHTTP(w, tc.request(t, "http://api.test/identify"))
			tc.check(t, w.Result(), n.calls)
		})
	}
}

// TestHandlerOverHTTP runs the table through a real server and client, so
// that net/http's own header parsing is part of the test.
func TestHandlerOverHTTP(t *testing.T) {
	for _, tc := range corsCases {
		t.Run(tc.name, func(t *testing.T) {
			n := &next{}
			srv := httptest.NewServer(mustNew(t, tc.opts).Handler(n))
			defer srv.Close()
			res, err := srv.Client().Do(tc.request(t, srv.URL+"/identify"))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			tc.check(t, res, n.calls)
		})
	}
}

// TestServePreflight runs the preflight cases through the entry point a
// gateway uses for paths without an OPTIONS route.
func TestServePreflight(t *testing.T) {
	for _, tc := range corsCases {
		if !tc.preflight {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			r := tc.request(t, "http://api.test/identify")
			if !cors.IsPreflight(r) {
				t.Fatal("IsPreflight = false")
			}
			w := httptest.NewRecorder()
			mustNew(t, tc.opts).ServePreflight(w, r)
			tc.check(t, w.Result(), 0)
		})
	}
}

// TestForRoute runs the table through a route override of an API-wide
// policy that would answer every case differently.
func TestForRoute(t *testing.T) {
	api := mustNew(t, cors.Config{AllowOrigins: []string{"https://api-wide.example"}, AllowCredentials: true})
	for _, tc := range corsCases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := api.ForRoute(&tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			n := &next{}
			w := httptest.NewRecorder()
			c.Handler(n).ServeHTTP(w, tc.request(t, "http://api.test/identify"))
			tc.check(t, w.Result(), n.calls)
		})
	}
}

func (tc corsCase) request(t *testing.T, url string) *http.Request {
	t.Helper()
	method := tc.method
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range tc.header {
		r.Header[k] = append([]string(nil), vs...)
	}
	return r
}

func (tc corsCase) check(t *testing.T, res *http.Response, calls int) {
	t.Helper()
	if tc.preflight {
		if res.StatusCode != http.StatusNoContent {
			t.Errorf("status %d, want 204", res.StatusCode)
		}
		if calls != 0 {
			t.Errorf("next ran %d times for a preflight", calls)
		}
	} else if calls != 1 || res.StatusCode != http.StatusOK {
		t.Errorf("next ran %d times, status %d; want once, 200", calls, res.StatusCode)
	}
	want := map[string]string{"Vary": varyActual}
	if tc.preflight {
		want["Vary"] = varyPreflight
	}
	for k, v := range tc.want {
		want[k] = v
	}
	for _, name := range corsHeaders {
		got, ok := res.Header[name]
		w, wantOK := want[name]
		switch {
		case wantOK && !ok:
			t.Errorf("%s missing, want %q", name, w)
		case !wantOK && ok:
			t.Errorf("%s = %q, want none", name, got)
		case ok && strings.Join(got, ", ") != w:
			t.Errorf("%s = %q, want %q", name, strings.Join(got, ", "), w)
		}
	}
}

func mustNew(t testing.TB, opts cors.Config) *cors.CORS {
	t.Helper()
	c, err := cors.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
