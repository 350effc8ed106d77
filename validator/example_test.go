package validator_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/apigw/apigw/validator"
)

func Example() {
	v, err := validator.New(validator.Config{
		Parameters: map[string]bool{"method.request.querystring.lang": true},
		Models: map[string]*validator.Model{
			"application/json": validator.MustCompileModel("Artist", `{"type":"object","required":["artist"]}`),
		},
	})
	if err != nil {
		panic(err)
	}
	h := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "stored") }))

	for _, target := range []string{"/artists", "/artists?lang=en"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", target, strings.NewReader(`{"artist":"Queen"}`)))
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 400 {"message":"Missing required request parameters: [lang]"}
	// 200 stored
}
