package gateway_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// coldStartRoutes is the size of the cold-start API.
const coldStartRoutes = 50

// coldStartIssuer is the issuer of the cold-start API's tokens.
const coldStartIssuer = "https://issuer.example"

// coldStartKeys are an RS256 key set and a token it verifies.
type coldStartKeys struct {
	public jwk.Set
	token  string
}

func newColdStartKeys(tb testing.TB) coldStartKeys {
	tb.Helper()
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	priv, err := jwk.FromRaw(raw)
	if err != nil {
		tb.Fatal(err)
	}
	_ = priv.Set(jwk.KeyIDKey, "k1")
	_ = priv.Set(jwk.AlgorithmKey, jwa.RS256)
	pub, err := priv.PublicKey()
	if err != nil {
		tb.Fatal(err)
	}
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	tok, err := jwt.NewBuilder().Issuer(coldStartIssuer).Subject("user").Expiration(time.Now().Add(time.Hour)).Build()
	if err != nil {
		tb.Fatal(err)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv))
	if err != nil {
		tb.Fatal(err)
	}
	return coldStartKeys{public: set, token: string(signed)}
}

// coldStartBackend answers the artist to every request.
var coldStartBackend = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"id":1234,"artist":"Queen","popularity":90}`))
})

// allowAll is a Lambda REQUEST authorizer's function that allows the caller.
func allowAll(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: req.Headers["X-User"],
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version:   "2012-10-17",
			Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"*"}}},
		},
	}, nil
}

// coldStartTemplates are the compiled templates of route i: CEL for even
// routes, VTL for odd ones.
type coldStartTemplates struct{ request, response *mapping.Template }

func compileColdStart(i int) (coldStartTemplates, error) {
	var t coldStartTemplates
	var err error
	if i%2 == 0 {
		if t.request, err = mapping.Compile(fmt.Sprintf(`{"route": %d, "id": input.param("id"), "popularity": input.json.popularity, "user": context.authorizer.claims.sub}`, i)); err != nil {
			return t, err
		}
		t.response, err = mapping.Compile(fmt.Sprintf(`{"name": input.json.artist, "popularity": input.json.popularity, "route": %d}`, i))
		return t, err
	}
	if t.request, err = mapping.CompileVTL(fmt.Sprintf(`#set($body = $input.path('$'))
{"route": %d, "id": "$input.params('id')", "popularity": $body.popularity, "user": "$util.escapeJavaScript($context.authorizer.principalId)"}`, i)); err != nil {
		return t, err
	}
	t.response, err = mapping.CompileVTL(fmt.Sprintf(`{"name": "$input.path('$.artist')", "popularity": $input.json('$.popularity'), "route": %d}`, i))
	return t, err
}

// coldStartModel is the JSON Schema of model m (ten models, each the model
// of five routes): an object with a bounded integer, a pattern-checked
// string and an array of enumerated strings, no other property.
func coldStartModel(m int) string {
	return fmt.Sprintf(`{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "Update%d",
  "type": "object",
  "properties": {
    "popularity": {"type": "integer", "minimum": 0, "maximum": %d},
    "note": {"type": "string", "maxLength": 200, "pattern": "^[^<>]*$"},
    "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}, "maxItems": 10}
  },
  "required": ["popularity"],
  "additionalProperties": false
}`, m, 100+m)
}

// coldStartOptions are the options of the cold-start API: 50 POST routes
// (/things{i}/{id}), each with its request model (10 models), a request
// and a response template (CEL or VTL) and an authorizer (a JWT authorizer
// on a static RS256 key set, or a Lambda REQUEST authorizer). tmpl holds
// the compiled templates, from compileColdStart.
func coldStartOptions(keys coldStartKeys, tmpl []coldStartTemplates) ([]gateway.Option, error) {
	jwtAuth, err := authorizer.NewJWT(authorizer.JWTConfig{Issuer: coldStartIssuer, Keys: keys.public, Algorithms: []string{"RS256"}})
	if err != nil {
		return nil, err
	}
	lambdaAuth, err := authorizer.NewRequest(authorizer.RequestConfig{
		IdentitySources: []string{"method.request.header.X-User"},
		Func:            allowAll,
	})
	if err != nil {
		return nil, err
	}
	opts := []gateway.Option{
		gateway.WithAuthorizer("users", jwtAuth),
		gateway.WithAuthorizer("lambda", lambdaAuth),
	}
	for m := range coldStartRoutes / 5 {
		opts = append(opts, gateway.WithModel(fmt.Sprintf("Update%d", m), coldStartModel(m)))
	}
	for i, t := range tmpl {
		auth := "users"
		if i%2 == 1 {
			auth = "lambda"
		}
		opts = append(opts, gateway.Route(fmt.Sprintf("POST /things%d/{id}", i), gateway.Method{
			Authorizer:    auth,
			RequestModels: map[string]string{"application/json": fmt.Sprintf("Update%d", i%(coldStartRoutes/5))},
			Integration:   gateway.Handler(coldStartBackend),
			Request:       t.request,
			Response:      t.response,
		}))
	}
	return opts, nil
}

// coldStart builds the cold-start API, from compiling its templates
// (compile) or from gateway.New with them compiled (tmpl), and serves its
// first request: route 0, its token verified, its body validated, both
// templates evaluated.
func coldStart(keys coldStartKeys, tmpl []coldStartTemplates) (*gateway.Gateway, error) {
	if tmpl == nil {
		tmpl = make([]coldStartTemplates, coldStartRoutes)
		for i := range tmpl {
			var err error
			if tmpl[i], err = compileColdStart(i); err != nil {
				return nil, err
			}
		}
	}
	opts, err := coldStartOptions(keys, tmpl)
	if err != nil {
		return nil, err
	}
	gw, err := gateway.New(opts...)
	if err != nil {
		return nil, err
	}
	r := httptest.NewRequest(http.MethodPost, "/things0/1234", strings.NewReader(`{"popularity":95}`))
	r.Header.Set("Authorization", "Bearer "+keys.token)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, r)
	if want := `{"name":"Queen","popularity":90,"route":0}`; w.Code != http.StatusOK || w.Body.String() != want {
		gw.Close()
		return nil, fmt.Errorf("first answer %d %s, want 200 %s", w.Code, w.Body, want)
	}
	return gw, nil
}

// TestColdStart checks the cold-start API's answers on a CEL route and a
// VTL route, and its refusals, so that the benchmark measures a gateway
// that does all it is configured to.
func TestColdStart(t *testing.T) {
	keys := newColdStartKeys(t)
	gw, err := coldStart(keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	for _, tc := range []struct {
		name, path, body string
		header           map[string]string
		want             int
		wantBody         string
	}{
		{"VTL route, Lambda authorizer", "/things1/7", `{"popularity":5,"tags":["a"]}`, map[string]string{"X-User": "bob"}, 200, `{"name": "Queen", "popularity": 90, "route": 1}`},
		{"no token", "/things0/7", `{"popularity":5}`, nil, 401, ""},
		{"no identity", "/things1/7", `{"popularity":5}`, nil, 401, ""},
		{"body out of range", "/things0/7", `{"popularity":101}`, map[string]string{"Authorization": "Bearer " + keys.token}, 400, ""},
		{"other property", "/things9/7", `{"popularity":1,"x":1}`, map[string]string{"X-User": "bob"}, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/json")
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, r)
			if w.Code != tc.want || tc.wantBody != "" && w.Body.String() != tc.wantBody {
				t.Errorf("%d %s, want %d %s", w.Code, w.Body, tc.want, tc.wantBody)
			}
		})
	}
}

// BenchmarkColdStart is the time from start to the first answer of a
// 50-route API with templates (CEL and VTL), models and authorizers:
//
//   - compile: compiling its 100 templates, building its authorizers,
//     gateway.New (which compiles its 10 models) and the first answer;
//   - new: the same with the templates compiled beforehand: gateway.New
//     to the first answer.
//
// The first answer verifies an RS256 token (no cache is warm), validates
// the body and evaluates both of the route's templates.
func BenchmarkColdStart(b *testing.B) {
	keys := newColdStartKeys(b)
	b.Run("compile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			gw, err := coldStart(keys, nil)
			if err != nil {
				b.Fatal(err)
			}
			gw.Close()
		}
	})
	b.Run("new", func(b *testing.B) {
		tmpl := make([]coldStartTemplates, coldStartRoutes)
		for i := range tmpl {
			var err error
			if tmpl[i], err = compileColdStart(i); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			gw, err := coldStart(keys, tmpl)
			if err != nil {
				b.Fatal(err)
			}
			gw.Close()
		}
	})
}
