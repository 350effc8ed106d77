package gateway

import (
	"net/http"
	"sync/atomic"
	"testing"
)

// TestAttackNonStandardMethodOnANY: AWS's ANY method stands for DELETE,
// GET, HEAD, OPTIONS, PATCH, POST and PUT; a request with another method
// (PROPFIND, PURGE, TRACE, FOO) is not served by API Gateway. A resource
// policy that denies methods by name (here every method but GET on
// /admin) must not be passed by a method it does not name reaching a
// method-agnostic backend through an ANY route.
func TestAttackNonStandardMethodOnANY(t *testing.T) {
	const doc = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":[
			"execute-api:/*/POST/admin/*","execute-api:/*/PUT/admin/*","execute-api:/*/PATCH/admin/*",
			"execute-api:/*/DELETE/admin/*"]}]}`
	var n atomic.Int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1) // a method-agnostic admin backend
	})
	gw := mustNew(t, WithResourcePolicy(doc), Route("ANY /admin/{proxy+}", Method{Integration: Handler(backend)}))
	for _, m := range []string{"PROPFIND", "PURGE", "TRACE", "FOO", "purge", "CONNECT"} {
		before := n.Load()
		rec := do(t, gw, m, "/admin/users/1", "")
		if rec.Code/100 == 2 || n.Load() != before {
			t.Errorf("%s /admin/users/1: %d, reached the backend past the policy's method Denies (AWS serves only the seven methods)", m, rec.Code)
		}
	}
	// The same over the wire.
	before := n.Load()
	if code := serveRaw(t, gw, "PROPFIND /admin/users/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); code/100 == 2 || n.Load() != before {
		t.Errorf("wire PROPFIND: %d, backend reached", code)
	}
}
