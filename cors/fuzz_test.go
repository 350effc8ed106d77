package cors_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/apigw/apigw/cors"
)

// The fuzz targets check the parsers of untrusted request headers against
// independent reference implementations written with the standard
// library's URL parser and regular expressions.

var (
	tokenRE = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")
	labelRE = regexp.MustCompile(`^[a-z0-9_-]+(\.[a-z0-9_-]+)*$`)
)

// refRequestHeaders is the reference parser of
// Access-Control-Request-Headers: a comma-separated list of tokens, empty
// elements and white space around them ignored. It returns the lowercase
// names and whether the value is well-formed.
func refRequestHeaders(v string) ([]string, bool) {
	var names []string
	for _, part := range strings.Split(v, ",") {
		part = strings.Trim(part, " \t")
		if part == "" {
			continue
		}
		if !tokenRE.MatchString(part) {
			return nil, false
		}
		names = append(names, strings.ToLower(part))
	}
	return names, true
}

func FuzzRequestHeaders(f *testing.F) {
	for _, s := range []string{
		"", "content-type", "content-type,x-breed", " X-BREED ,\tContent-Type", "x-breed,,  ,content-type,",
		"x-breed content-type", "x-evil", "a,b,c,d,e", "authorization", "X-Ünicode", ",,,", "\t", "x-breed;q=1",
		strings.Repeat("x", 200), "CONTENT-TYPE,content-type",
	} {
		f.Add(s)
	}
	listed := mustNew(f, creds) // Content-Type, X-Breed
	any := mustNew(f, anything) // "*"
	zeroed := mustNew(f, cors.Config{AllowOrigins: []string{"https://pet.com"}, AllowMethods: []string{"PUT"}, AllowHeaders: []string{}})
	f.Fuzz(func(t *testing.T, v string) {
		names, wellFormed := refRequestHeaders(v)
		allowedListed := wellFormed
		for _, n := range names {
			if n != "content-type" && n != "x-breed" {
				allowedListed = false
			}
		}
		for _, tc := range []struct {
			name    string
			c       *cors.CORS
			allowed bool
			acah    string
		}{
			{"listed", listed, allowedListed, "Content-Type, X-Breed"},
			{"any", any, wellFormed, v},
			{"none", zeroed, wellFormed && len(names) == 0, ""},
		} {
			r := httptest.NewRequest(http.MethodOptions, "/", nil)
			r.Header["Origin"] = []string{"https://pet.com"}
			r.Header["Access-Control-Request-Method"] = []string{"PUT"}
			r.Header["Access-Control-Request-Headers"] = []string{v}
			w := httptest.NewRecorder()
			tc.c.ServePreflight(w, r)
			if w.Code != http.StatusNoContent {
				t.Fatalf("%s: status %d", tc.name, w.Code)
			}
			got := w.Header().Get("Access-Control-Allow-Origin") != ""
			if got != tc.allowed {
				t.Fatalf("%s: %q allowed = %v, reference %v (names %q)", tc.name, v, got, tc.allowed, names)
			}
			if !got {
				continue
			}
			wantACAH := tc.acah
			if tc.name == "any" && len(names) == 0 {
				wantACAH = ""
			}
			if acah := w.Header().Get("Access-Control-Allow-Headers"); acah != wantACAH {
				t.Fatalf("%s: %q Access-Control-Allow-Headers = %q, want %q", tc.name, v, acah, wantACAH)
			}
		}
	})
}

// refOrigin parses a serialised origin with net/url: it returns the origin
// when s is scheme://host[:port] and nothing else.
func refOrigin(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Opaque != "" || u.User != nil || u.Path != "" ||
		u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || u.Host == "" {
		return nil, false
	}
	if s != u.Scheme+"://"+u.Host || strings.ToLower(s) != s {
		return nil, false
	}
	return u, true
}

func FuzzOrigin(f *testing.F) {
	for _, s := range []string{
		"https://pet.com", "https://shop.pet.com", "https://a.b.pet.com", "https://evilpet.com", "https://.pet.com",
		"https://pet.com.evil.com", "https://evil.com/.pet.com", "https://evil.com@a.pet.com", "https://a.pet.com:443",
		"https://a.pet.com:8443", "null", "NULL", "", " https://pet.com ", "HTTPS://PET.COM", "http://[::1]:8080",
		"https://a.shop.example", "https://a..shop.example", "https://x.shop.example#", "chrome-extension://abc",
		"https://a.pet.com.", "https://xn--bcher-kva.pet.com", "https://a_b.pet.com", "https://[::1].pet.com",
	} {
		f.Add(s)
	}
	credsC := mustNew(f, creds)      // https://pet.com, https://*.pet.com
	funcC := mustNew(f, anyFunc)     // every well-formed origin
	shopC := mustNew(f, shopFunc)    // origins ending in .shop.example
	starC := mustNew(f, zero)        // "*"
	schemeC := mustNew(f, schemeAll) // https://*
	f.Fuzz(func(t *testing.T, v string) {
		o := strings.Trim(v, " \t")
		u, wellFormed := refOrigin(o)
		subOfPet := wellFormed && u.Scheme == "https" && u.Port() == "" &&
			strings.HasSuffix(u.Host, ".pet.com") && labelRE.MatchString(strings.TrimSuffix(u.Host, ".pet.com"))
		for _, tc := range []struct {
			name string
			c    *cors.CORS
			// ok is the reference decision; must is false where the
			// reference only bounds the policy (allowed implies ok).
			ok, must bool
			acao     string
		}{
			{"creds", credsC, o == "https://pet.com" || subOfPet, true, o},
			{"func", funcC, wellFormed, false, o},
			{"shop", shopC, wellFormed && strings.HasSuffix(o, ".shop.example"), false, o},
			{"star", starC, o != "" && o != "null", true, "*"},
			{"scheme", schemeC, wellFormed && u.Scheme == "https", false, o},
		} {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header["Origin"] = []string{v}
			w := httptest.NewRecorder()
			tc.c.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, r)
			acao := w.Header().Get("Access-Control-Allow-Origin")
			allowed := acao != ""
			if allowed && !tc.ok || tc.must && allowed != tc.ok {
				t.Fatalf("%s: origin %q allowed = %v, reference %v", tc.name, v, allowed, tc.ok)
			}
			if allowed && acao != tc.acao {
				t.Fatalf("%s: origin %q Access-Control-Allow-Origin = %q, want %q", tc.name, v, acao, tc.acao)
			}
		}
	})
}

// FuzzAllowOrigins feeds arbitrary configured origins to New: it must
// never panic, and an exact origin it accepts must be a real origin that
// then admits exactly its normalised form.
func FuzzAllowOrigins(f *testing.F) {
	for _, s := range []string{
		"https://pet.com", "HTTPS://Pet.com:443", "https://*.pet.com", "https://*", "*", "null", "pet.com",
		"https://pet.com/", "http://[::1]:8080", "https://*.com", "https://a.*.b", "https://pet.com:0",
		"https://pet.com:65536", "ws://x:80", "https://:80", "https://[::1", "https://pet.com.",
	} {
		f.Add(s, "https://pet.com")
	}
	f.Fuzz(func(t *testing.T, configured, sent string) {
		c, err := cors.New(cors.Config{AllowOrigins: []string{configured}})
		if err != nil {
			return
		}
		if configured == "*" || configured == "null" || strings.Contains(configured, "*") ||
			strings.Contains(configured, "[") {
			return
		}
		u, perr := url.Parse(configured)
		if perr != nil || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Host == "" {
			t.Fatalf("New accepted %q, which is no origin (%v)", configured, perr)
		}
		host := strings.ToLower(u.Host)
		if p := u.Port(); p != "" && p == map[string]string{"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}[u.Scheme] {
			host = strings.ToLower(u.Hostname())
		}
		normalised := u.Scheme + "://" + host
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, s := range []string{normalised, sent} {
			r.Header["Origin"] = []string{s}
			w := httptest.NewRecorder()
			c.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
			allowed := w.Header().Get("Access-Control-Allow-Origin") != ""
			if want := strings.Trim(s, " \t") == normalised; allowed != want {
				t.Fatalf("AllowOrigins %q (normalised %q): origin %q allowed = %v", configured, normalised, s, allowed)
			}
		}
	})
}
