package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/apigw/apigw/examples/petbreed/petbreed"
)

// startExample runs the example in-process on free ports.
func startExample(t *testing.T, cfg petbreed.Config) *petbreed.Servers {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.SiteAddr == "" {
		cfg.SiteAddr = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *petbreed.Servers, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, cfg, ready) }()
	var s *petbreed.Servers
	select {
	case s = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return s
}

// call sends a request with the given header pairs and an optional body.
func call(t *testing.T, method, url, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(b))
}

func TestAPI(t *testing.T) {
	s := startExample(t, petbreed.Config{})
	if !strings.HasPrefix(s.Origin, "http://127.0.0.1:") || s.SiteURL != s.Origin+"/" {
		t.Fatalf("origin %q, site URL %q: want http://127.0.0.1:port, derived from the site's address", s.Origin, s.SiteURL)
	}
	shop := s.Origin
	const other = "http://127.0.0.1:1" // same host, another port: another origin
	photo := `{"photo":"rex.jpg"}`
	breed := `{"breed":"` + petbreed.Breed("rex.jpg") + `"}`
	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		header      []string
		wantStatus  int
		wantBody    string // "" for any
		wantAllow   string // Access-Control-Allow-Origin; "" for none
		wantBackend bool   // the request reaches the backend
	}{
		{name: "preflight from the shop", method: "OPTIONS", path: "/identify",
			header:     []string{"Origin", shop, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,x-petbreed-client"},
			wantStatus: 204, wantAllow: shop},
		{name: "preflight for premium, before the authorizer", method: "OPTIONS", path: "/identify/premium",
			header:     []string{"Origin", shop, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type,x-petbreed-client"},
			wantStatus: 204, wantAllow: shop},
		{name: "preflight from another origin", method: "OPTIONS", path: "/identify",
			header:     []string{"Origin", other, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,x-petbreed-client"},
			wantStatus: 204},
		{name: "preflight for localhost, not the shop's host", method: "OPTIONS", path: "/identify",
			header:     []string{"Origin", strings.Replace(shop, "127.0.0.1", "localhost", 1), "Access-Control-Request-Method", "POST"},
			wantStatus: 204},
		{name: "preflight for a method not allowed", method: "OPTIONS", path: "/identify",
			header:     []string{"Origin", shop, "Access-Control-Request-Method", "DELETE"},
			wantStatus: 204},
		{name: "preflight for a header not allowed", method: "OPTIONS", path: "/identify",
			header:     []string{"Origin", shop, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-other"},
			wantStatus: 204},
		{name: "identify from the shop", method: "POST", path: "/identify", body: photo,
			header:     []string{"Origin", shop, "Content-Type", "application/json", petbreed.ClientHeader, "shop"},
			wantStatus: 200, wantBody: breed, wantAllow: shop, wantBackend: true},
		{name: "identify from another origin: answered, without CORS headers", method: "POST", path: "/identify", body: photo,
			header:     []string{"Origin", other, "Content-Type", "application/json"},
			wantStatus: 200, wantBody: breed, wantBackend: true},
		{name: "identify without a photo: 400 with CORS headers", method: "POST", path: "/identify", body: `{}`,
			header:     []string{"Origin", shop, "Content-Type", "application/json"},
			wantStatus: 400, wantBody: `{"message":"Invalid request body"}`, wantAllow: shop},
		{name: "premium without a token: 401 with CORS headers", method: "POST", path: "/identify/premium", body: photo,
			header:     []string{"Origin", shop, "Content-Type", "application/json", petbreed.ClientHeader, "shop"},
			wantStatus: 401, wantBody: `{"message":"Unauthorized"}`, wantAllow: shop},
		{name: "premium with a wrong token: 401 with CORS headers", method: "POST", path: "/identify/premium", body: photo,
			header:     []string{"Origin", shop, "Content-Type", "application/json", "Authorization", "Bearer nope"},
			wantStatus: 401, wantBody: `{"message":"Unauthorized"}`, wantAllow: shop},
		{name: "premium with the token", method: "POST", path: "/identify/premium", body: photo,
			header:     []string{"Origin", shop, "Content-Type", "application/json", "Authorization", "Bearer " + petbreed.PremiumToken},
			wantStatus: 200, wantBody: `{"breed":"` + petbreed.Breed("rex.jpg") + `","confidence":0.97,"customer":"premium-customer"}`, wantAllow: shop, wantBackend: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Calls()
			status, h, body := call(t, tc.method, s.APIURL+tc.path, tc.body, tc.header...)
			if status != tc.wantStatus || (tc.wantBody != "" && body != tc.wantBody) {
				t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.path, status, body, tc.wantStatus, tc.wantBody)
			}
			if got := h.Values("Access-Control-Allow-Origin"); len(got) > 1 || strings.Join(got, "") != tc.wantAllow {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.wantAllow)
			}
			if !strings.Contains(h.Get("Vary"), "Origin") {
				t.Errorf("Vary = %q, want Origin", h.Get("Vary"))
			}
			allowed := tc.wantAllow != ""
			if tc.method == "OPTIONS" {
				// A preflight gets all the allow headers or none.
				for _, name := range []string{"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
					if (h.Get(name) != "") != allowed {
						t.Errorf("%s = %q (allowed: %v)", name, h.Get(name), allowed)
					}
				}
				if allowed && (h.Get("Access-Control-Allow-Methods") != "POST" || !strings.Contains(h.Get("Access-Control-Allow-Headers"), petbreed.ClientHeader)) {
					t.Errorf("allow headers %v", h)
				}
			} else if allowed != (h.Get("Access-Control-Expose-Headers") != "") {
				t.Errorf("Access-Control-Expose-Headers = %q (allowed: %v)", h.Get("Access-Control-Expose-Headers"), allowed)
			}
			if reached := s.Calls() != before; reached != tc.wantBackend {
				t.Errorf("backend reached: %v, want %v", reached, tc.wantBackend)
			}
		})
	}
}

func TestPage(t *testing.T) {
	s := startExample(t, petbreed.Config{})
	status, h, body := call(t, "GET", s.SiteURL, "")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s = %d %v", s.SiteURL, status, h)
	}
	for _, want := range []string{
		`data-api="` + s.APIURL + `"`,
		`<code id="api">` + s.APIURL + `</code>`,
		`data-client-header="X-Petbreed-Client"`,
		`id="identify"`, `id="premium"`, `<p id="result"`,
		`fetch(api + path`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s:\n%s", want, body)
		}
	}
	if status, _, _ := call(t, "GET", s.SiteURL+"nope", ""); status != 404 {
		t.Errorf("GET /nope = %d, want 404", status)
	}
}

func TestConfig(t *testing.T) {
	t.Run("API URL and origin given", func(t *testing.T) {
		s := startExample(t, petbreed.Config{APIURL: "https://api.petbreed.example/v1/", Origin: "https://pet.example"})
		_, _, body := call(t, "GET", s.SiteURL, "")
		if s.APIURL != "https://api.petbreed.example/v1" || !strings.Contains(body, `data-api="https://api.petbreed.example/v1"`) {
			t.Errorf("API URL %q; page:\n%s", s.APIURL, body)
		}
		_, h, _ := call(t, "OPTIONS", "http://"+s.APIAddr+"/identify", "",
			"Origin", "https://pet.example", "Access-Control-Request-Method", "POST")
		if h.Get("Access-Control-Allow-Origin") != "https://pet.example" {
			t.Errorf("preflight from the configured origin: %v", h)
		}
	})
	t.Run("address in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		for _, cfg := range []petbreed.Config{
			{Addr: ln.Addr().String(), SiteAddr: "127.0.0.1:0"},
			{Addr: "127.0.0.1:0", SiteAddr: ln.Addr().String()},
		} {
			if err := run(context.Background(), nil, cfg, nil); err == nil || !strings.Contains(err.Error(), "petbreed: ") {
				t.Errorf("run(%+v) = %v, want an error", cfg, err)
			}
		}
	})
	t.Run("bad API URL", func(t *testing.T) {
		err := run(context.Background(), nil, petbreed.Config{Addr: "127.0.0.1:0", SiteAddr: "127.0.0.1:0", APIURL: "api.example"}, nil)
		if err == nil || !strings.Contains(err.Error(), `API URL "api.example"`) {
			t.Errorf("run = %v, want an error naming the API URL", err)
		}
	})
}
