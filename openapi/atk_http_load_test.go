package openapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/stage"
)

// Attacks on the loader's security (review atk-http): a document whose
// protection apigw cannot honour must fail to load with a problem, or be
// served protected. Uses trust_test.go's token authorizer "tok" (lets in
// Authorization: allow) and proxy function.

// atkLoadServe loads doc; a load error is the attack held (logged). Else
// it sends each request without credentials and reports those served.
func atkLoadServe(t *testing.T, doc string, reqs ...string) {
	t.Helper()
	gw, err := openapi.New([]byte(doc), trustBindings(), gateway.WithStage(stage.Stage{Name: "prod"}))
	if err != nil {
		t.Logf("refused (held): %v", err)
		return
	}
	defer gw.Close()
	for _, r := range reqs {
		method, path, _ := strings.Cut(r, " ")
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		if w.Code < 300 {
			t.Errorf("%s without credentials: %d %s (the document protects it)", r, w.Code, w.Body)
		}
	}
}

// TestAtkHTTPLoadTwoSpellingsOfOneResource: two path items that are one
// resource (a trailing slash; two names for one parameter), the guarded
// and an open one, never leave the method open.
func TestAtkHTTPLoadTwoSpellingsOfOneResource(t *testing.T) {
	guarded := `{"security": [{"tok": []}], ` + proxy + `}`
	open := `{` + proxy + `}`
	for name, paths := range map[string]string{
		"trailing slash, guarded first": `"/pets": {"get": ` + guarded + `}, "/pets/": {"get": ` + open + `}`,
		"trailing slash, open first":    `"/pets/": {"get": ` + guarded + `}, "/pets": {"get": ` + open + `}`,
		"two parameter names":           `"/pets/{id}": {"get": ` + guarded + `}, "/pets/{petId}": {"get": ` + open + `}`,
		"any method beside get":         `"/pets": {"x-amazon-apigateway-any-method": ` + guarded + `, "get": ` + guarded + `}`,
	} {
		t.Run(name, func(t *testing.T) {
			atkLoadServe(t, v2doc("", "", paths), "GET /pets", "GET /pets/", "GET /pets/1")
		})
	}
}

// TestAtkHTTPLoadSecurityConstructs: security written where or how API
// Gateway's loader does not read it is a problem, never dropped.
func TestAtkHTTPLoadSecurityConstructs(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"x-amazon-apigateway-auth on the path item", v2doc("", "",
			`"/pets": {"x-amazon-apigateway-auth": {"type": "AWS_IAM"}, "get": {`+proxy+`}}`)},
		{"x-amazon-apigateway-auth of an unknown type", v2doc("", "",
			`"/pets": {"get": {"x-amazon-apigateway-auth": {"type": "COGNITO"}, `+proxy+`}}`)},
		{"an http bearer scheme", v3doc("", `, "bearer": {"type": "http", "scheme": "bearer"}`,
			`"/pets": {"get": {"security": [{"bearer": []}], `+proxy+`}}`)},
		{"an oauth2 scheme", v3doc("", `, "oa": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://x.example/t", "scopes": {"a": "a"}}}}`,
			`"/pets": {"get": {"security": [{"oa": ["a"]}], `+proxy+`}}`)},
		{"authtype cognito without an authorizer", v2doc("", `, "c": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "cognito_user_pools"}`,
			`"/pets": {"get": {"security": [{"c": []}], `+proxy+`}}`)},
		{"an undefined scheme beside a good one", v2doc("", "",
			`"/pets": {"get": {"security": [{"tok": [], "nope": []}], `+proxy+`}}`)},
		{"an any-method key capitalised", v2doc("", "",
			`"/pets": {"X-Amazon-Apigateway-Any-Method": {"security": [{"tok": []}], `+proxy+`}, "get": {`+proxy+`}}`)},
		{"security null under root security", v3doc(`"security": [{"tok": []}], `, "",
			`"/pets": {"get": {"security": null, `+proxy+`}}`)},
		{"an authorizer in lower-case extension spelling on the scheme", strings.Replace(v2doc("", "",
			`"/pets": {"get": {"security": [{"tok": []}], `+proxy+`}}`), `"x-amazon-apigateway-authorizer"`, `"X-Amazon-Apigateway-Authorizer"`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			atkLoadServe(t, tc.doc, "GET /pets")
		})
	}
}

// TestAtkHTTPLoadHTTPAPICORSCredentials: an HTTP API's
// x-amazon-apigateway-cors with allowCredentials and origin "*" (AWS
// refuses it) is a problem.
func TestAtkHTTPLoadHTTPAPICORSCredentials(t *testing.T) {
	doc := v3doc(`"x-amazon-apigateway-importexport-version": "1.0", "x-amazon-apigateway-cors": {"allowOrigins": ["*"], "allowCredentials": true}, `,
		"", `"/pets": {"get": {`+proxy+`}}`)
	_, err := openapi.Load([]byte(doc), trustBindings())
	if err == nil || !strings.Contains(err.Error(), "x-amazon-apigateway-cors") {
		t.Errorf("CORS with credentials and origin * loaded: %v", err)
	}
}
