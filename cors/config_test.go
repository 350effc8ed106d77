package cors_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/cors"
)

func TestNewRejects(t *testing.T) {
	yes := func(string) bool { return true }
	tests := []struct {
		name  string
		opts  cors.Config
		field string // the ConfigError's Field
		want  string // a part of the message
	}{
		{"credentials with default origins", cors.Config{AllowCredentials: true}, "AllowCredentials", `default origin "*"`},
		{"credentials with star", cors.Config{AllowOrigins: []string{"*"}, AllowCredentials: true}, "AllowOrigins[0]", "refuse credentials"},
		{"credentials with null", cors.Config{AllowOrigins: []string{"https://pet.com", "null"}, AllowCredentials: true}, "AllowOrigins[1]", "sandboxed iframe"},
		{"credentials with scheme wildcard", cors.Config{AllowOrigins: []string{"https://*"}, AllowCredentials: true}, "AllowOrigins[0]", "every origin of the scheme"},
		{"star with others", cors.Config{AllowOrigins: []string{"*", "https://pet.com"}}, "AllowOrigins[1]", "redundant"},
		{"star with func", cors.Config{AllowOrigins: []string{"*"}, AllowOriginFunc: yes}, "AllowOriginFunc", "never called"},
		{"empty origin", cors.Config{AllowOrigins: []string{""}}, "AllowOrigins[0]", "empty origin"},
		{"no scheme", cors.Config{AllowOrigins: []string{"pet.com"}}, "AllowOrigins[0]", `write "https://pet.com"`},
		{"trailing slash", cors.Config{AllowOrigins: []string{"https://pet.com/"}}, "AllowOrigins[0]", `write "https://pet.com"`},
		{"path", cors.Config{AllowOrigins: []string{"https://pet.com/shop"}}, "AllowOrigins[0]", "no path"},
		{"query", cors.Config{AllowOrigins: []string{"https://pet.com?x=1"}}, "AllowOrigins[0]", "no path, query"},
		{"user info", cors.Config{AllowOrigins: []string{"https://me@pet.com"}}, "AllowOrigins[0]", "user info"},
		{"space", cors.Config{AllowOrigins: []string{" https://pet.com"}}, "AllowOrigins[0]", "white space"},
		{"unicode host", cors.Config{AllowOrigins: []string{"https://bücher.de"}}, "AllowOrigins[0]", "punycode"},
		{"bad scheme", cors.Config{AllowOrigins: []string{"1http://pet.com"}}, "AllowOrigins[0]", "bad scheme"},
		{"no host", cors.Config{AllowOrigins: []string{"https://"}}, "AllowOrigins[0]", "no host"},
		{"port only", cors.Config{AllowOrigins: []string{"https://:8080"}}, "AllowOrigins[0]", "no host"},
		{"bad port", cors.Config{AllowOrigins: []string{"https://pet.com:99999"}}, "AllowOrigins[0]", "bad port"},
		{"empty port", cors.Config{AllowOrigins: []string{"https://pet.com:"}}, "AllowOrigins[0]", "bad port"},
		{"bad host", cors.Config{AllowOrigins: []string{"https://pet..com"}}, "AllowOrigins[0]", "bad host"},
		{"bad IPv6", cors.Config{AllowOrigins: []string{"http://[::g]"}}, "AllowOrigins[0]", "bad IPv6"},
		{"wildcard scheme", cors.Config{AllowOrigins: []string{"*://pet.com"}}, "AllowOrigins[0]", "scheme"},
		{"wildcard no scheme", cors.Config{AllowOrigins: []string{"*.pet.com"}}, "AllowOrigins[0]", `write "https://*.pet.com"`},
		{"wildcard inside label", cors.Config{AllowOrigins: []string{"https://shop*.pet.com"}}, "AllowOrigins[0]", "whole leading labels"},
		{"wildcard in the middle", cors.Config{AllowOrigins: []string{"https://a.*.pet.com"}}, "AllowOrigins[0]", "whole leading labels"},
		{"wildcard at the end", cors.Config{AllowOrigins: []string{"https://pet.*"}}, "AllowOrigins[0]", "whole leading labels"},
		{"two wildcards", cors.Config{AllowOrigins: []string{"https://*.*.pet.com"}}, "AllowOrigins[0]", "only one wildcard"},
		{"wildcard port", cors.Config{AllowOrigins: []string{"https://*.pet.com:*"}}, "AllowOrigins[0]", "the port"},
		{"wildcard top-level domain", cors.Config{AllowOrigins: []string{"https://*.com"}}, "AllowOrigins[0]", "too broad"},
		{"wildcard IP", cors.Config{AllowOrigins: []string{"http://*.0.0.1"}}, "AllowOrigins[0]", "IP address"},
		{"scheme wildcard with port", cors.Config{AllowOrigins: []string{"https://*:8443"}}, "AllowOrigins[0]", "port cannot follow"},
		{"method not a token", cors.Config{AllowMethods: []string{"GET POST"}}, "AllowMethods[0]", "not an HTTP method"},
		{"forbidden method", cors.Config{AllowMethods: []string{"GET", "trace"}}, "AllowMethods[1]", "forbidden"},
		{"header not a token", cors.Config{AllowHeaders: []string{"X-Api-Key", "X Breed"}}, "AllowHeaders[1]", "not a header name"},
		{"empty header", cors.Config{AllowHeaders: []string{""}}, "AllowHeaders[0]", "not a header name"},
		{"expose not a token", cors.Config{ExposeHeaders: []string{"X:Y"}}, "ExposeHeaders[0]", "not a header name"},
		{"expose set-cookie", cors.Config{ExposeHeaders: []string{"set-cookie"}}, "ExposeHeaders[0]", "never expose"},
		{"expose star with credentials", cors.Config{AllowOrigins: []string{"https://pet.com"}, ExposeHeaders: []string{"*"}, AllowCredentials: true}, "ExposeHeaders[0]", "header name"},
		{"max age too short", cors.Config{MaxAge: time.Millisecond}, "MaxAge", "one-second"},
		{"max age too long", cors.Config{MaxAge: 25 * time.Hour}, "MaxAge", "over 24h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := cors.New(tt.opts)
			if err == nil {
				t.Fatalf("New = %v, want an error", c)
			}
			if c != nil {
				t.Error("New returned a policy with its error")
			}
			if !errors.Is(err, cors.ErrInvalidConfig) {
				t.Errorf("errors.Is(%v, ErrInvalidConfig) = false", err)
			}
			if !strings.HasPrefix(err.Error(), "cors: "+tt.field) {
				t.Errorf("error %q does not start with %q", err, "cors: "+tt.field)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			var oe *cors.ConfigError
			if !errors.As(err, &oe) || oe.Field != tt.field {
				t.Errorf("ConfigError field = %v, want %q", oe, tt.field)
			}
		})
	}
}

func TestNewReportsEveryMistake(t *testing.T) {
	_, err := cors.New(cors.Config{
		AllowOrigins:  []string{"pet.com", "https://ok.com", "https://x*.com"},
		AllowMethods:  []string{"CONNECT"},
		AllowHeaders:  []string{"a b"},
		ExposeHeaders: []string{"Set-Cookie"},
		MaxAge:        48 * time.Hour,
	})
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		fields = append(fields, e.(*cors.ConfigError).Field)
	}
	want := "AllowOrigins[0] AllowOrigins[2] AllowMethods[0] AllowHeaders[0] ExposeHeaders[0] MaxAge"
	if got := strings.Join(fields, " "); got != want {
		t.Errorf("fields %q, want %q\n%v", got, want, err)
	}
}

func TestMustNewPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustNew did not panic")
		}
	}()
	cors.MustNew(cors.Config{AllowCredentials: true})
}

// TestNormalisedOrigins checks that configured origins are matched in the
// form browsers send.
func TestNormalisedOrigins(t *testing.T) {
	tests := []struct {
		configured, sent string
		allowed          bool
	}{
		{"HTTPS://Pet.COM", "https://pet.com", true},
		{"https://pet.com:443", "https://pet.com", true},
		{"http://pet.com:80", "http://pet.com", true},
		{"http://pet.com:443", "http://pet.com:443", true},
		{"https://pet.com:8443", "https://pet.com:8443", true},
		{"http://[0:0::1]:8080", "http://[::1]:8080", true},
		{"http://[::FFFF:127.0.0.1]", "http://[::ffff:7f00:1]", true},
		{"http://127.0.0.1:8081", "http://127.0.0.1:8081", true},
		{"https://pet.com.", "https://pet.com.", true},
		{"https://pet.com.", "https://pet.com", false},
		{"https://*.Pet.com", "https://shop.pet.com", true},
		{"https://*.pet.com:443", "https://shop.pet.com", true},
		{"http://*.localhost", "http://app.localhost", true},
		{"chrome-extension://abcdefghijklmnop", "chrome-extension://abcdefghijklmnop", true},
	}
	for _, tt := range tests {
		t.Run(tt.configured+" "+tt.sent, func(t *testing.T) {
			c := mustNew(t, cors.Config{AllowOrigins: []string{tt.configured}})
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Origin", tt.sent)
			w := httptest.NewRecorder()
			c.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
			if got := w.Header().Get(acao) != ""; got != tt.allowed {
				t.Errorf("allowed = %v, want %v", got, tt.allowed)
			}
		})
	}
}

func TestZeroOptionsAndNilPolicy(t *testing.T) {
	if _, err := cors.New(cors.Config{}); err != nil {
		t.Fatalf("New(Config{}) = %v", err)
	}
	var c *cors.CORS
	h := http.NotFoundHandler()
	if got := c.Handler(h); got == nil {
		t.Fatal("nil policy Handler returned nil")
	}
	r := httptest.NewRequest(http.MethodOptions, "/", nil)
	r.Header.Set("Origin", "https://pet.com")
	r.Header.Set(acrm, "GET")
	w := httptest.NewRecorder()
	c.Handler(h).ServeHTTP(w, r)
	if w.Code != http.StatusNotFound {
		t.Errorf("nil policy handled the preflight: %d", w.Code)
	}
	w = httptest.NewRecorder()
	w.Header().Set("Vary", "Origin")
	c.ServePreflight(w, r)
	if w.Code != http.StatusNoContent || w.Header().Get(acao) != "" {
		t.Errorf("nil ServePreflight: %d %v", w.Code, w.Header())
	}
	if got := strings.Join(w.Header().Values("Vary"), ", "); got != varyPreflight {
		t.Errorf("nil ServePreflight Vary = %q", got)
	}
}

func TestForRouteKeepsTheAPIPolicy(t *testing.T) {
	api := mustNew(t, exact)
	if got, err := api.ForRoute(nil); got != api || err != nil {
		t.Errorf("ForRoute(nil) = %p, %v; want the API policy %p", got, err, api)
	}
	var none *cors.CORS
	if got, err := none.ForRoute(nil); got != nil || err != nil {
		t.Errorf("nil.ForRoute(nil) = %v, %v", got, err)
	}
	if _, err := api.ForRoute(&cors.Config{AllowOrigins: []string{"pet.com"}}); err == nil {
		t.Error("ForRoute accepted bad route options")
	}
}
