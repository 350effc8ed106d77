package gateway

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw/authorizer"
)

// TestResourcePolicy: the API's resource policy judges every method, with
// or without an authorizer, by every integration kind's route, from the
// request's source address; a Deny wins over an authorizer's Allow.
func TestResourcePolicy(t *testing.T) {
	const doc = `{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
		{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
		 "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}`
	for _, k := range everyKind(t) {
		tok, err := authorizer.NewToken(authorizer.TokenConfig{Func: sampleTokenFunc, TTL: authorizer.NoCache})
		if err != nil {
			t.Fatal(err)
		}
		gw := mustNew(t, WithResourcePolicy(doc), WithAuthorizer("token", tok),
			Route("GET /open/{id}", Method{Integration: k.build("/open/{id}")}),
			Route("GET /token/{id}", Method{Authorizer: "token", Integration: k.build("/token/{id}")}))
		for _, tc := range []struct {
			path, ip, token string
			status          int
		}{
			{"/open/1", "198.51.100.7", "", 200},
			{"/open/1", "203.0.113.9", "", 403},
			{"/token/1", "198.51.100.7", "allow", 200},
			{"/token/1", "203.0.113.9", "allow", 403},
			{"/token/1", "198.51.100.7", "deny", 403},
		} {
			req := httptest.NewRequest("GET", tc.path, nil)
			req.RemoteAddr = tc.ip + ":1234"
			if tc.token != "" {
				req.Header.Set("Authorization", tc.token)
			}
			rec := httptest.NewRecorder()
			gw.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Errorf("%s %s from %s: %d %s, want %d", k.name, tc.path, tc.ip, rec.Code, rec.Body, tc.status)
			}
			if tc.status == 403 && tc.token != "deny" && !strings.Contains(rec.Body.String(), "User: anonymous is not authorized to perform: execute-api:Invoke") {
				t.Errorf("%s %s from %s: body %s", k.name, tc.path, tc.ip, rec.Body)
			}
		}
	}
	if _, err := New(WithResourcePolicy(`{"Statement": "nope"}`), Route("GET /a", Method{Integration: Mock(200, "")})); err == nil ||
		!strings.Contains(err.Error(), "WithResourcePolicy") {
		t.Errorf("a bad policy: %v", err)
	}
}
