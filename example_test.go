package apigw_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/apigw/apigw"
)

// A phase refuses a request with an *apigw.Error; WriteError renders it as
// AWS would.
func ExampleWriteError() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, _ = apigw.EnsureContext(r)
		apigw.WriteError(w, r, apigw.NewError(apigw.QuotaExceeded))
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, rec.Header().Get("x-amzn-ErrorType"), rec.Body)
	// Output: 429 LimitExceededException {"message":"Limit Exceeded"}
}
