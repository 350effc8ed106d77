package authorizer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigw/apigw"
	"github.com/aws/aws-lambda-go/events"
)

// rpFor returns a resource policy whose decision on GET /pets/7 of
// gwRequest is d (for any caller).
func rpFor(t testing.TB, d Decision) *ResourcePolicy {
	t.Helper()
	var doc string
	switch d {
	case Allow:
		doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
	case ImplicitDeny:
		doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/DELETE/*"}]}`
	case ExplicitDeny:
		doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
			{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/pets/*"}]}`
	}
	return MustResourcePolicy(ResourcePolicyConfig{Document: doc, Region: "us-east-1", AccountID: "123456789012", APIID: "abc123"})
}

// authorizerSays is an authorizer outcome of decision d, as the Lambda and
// AWS_IAM authorizers report it.
func authorizerSays(d Decision) error {
	switch d {
	case ImplicitDeny:
		return &apigw.Error{Type: apigw.AccessDenied, Message: msgNotAuthorized, Err: ErrImplicitDeny}
	case ExplicitDeny:
		return &apigw.Error{Type: apigw.AccessDenied, Message: msgExplicitDeny, Err: ErrExplicitDeny}
	}
	return nil
}

const (
	aliceARN = "arn:aws:iam::123456789012:user/alice"
	carolARN = "arn:aws:iam::210987654321:user/carol"
	arnPets7 = "arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/pets/7"
)

type outcome uint8

const (
	pass outcome = iota
	implicitRefusal
	explicitRefusal
)

func (o outcome) String() string { return [...]string{"allow", "implicit deny", "explicit deny"}[o] }

// outcomeOf classifies Check's answer.
func outcomeOf(t *testing.T, err error) outcome {
	t.Helper()
	if err == nil {
		return pass
	}
	var e *apigw.Error
	if !errors.As(err, &e) || e.StatusCode() != http.StatusForbidden {
		t.Fatalf("refusal %v is not a 403", err)
	}
	if strings.HasSuffix(e.MessageText(), "with an explicit deny") {
		return explicitRefusal
	}
	return implicitRefusal
}

// TestTableA is every row of AWS's Table A ("Account A calls API owned by
// account A", How API Gateway resource policies affect authorization
// workflow): the IAM user policy or Lambda authorizer and the resource
// policy, same account: either allows, an explicit deny anywhere wins.
func TestTableA(t *testing.T) {
	rows := []struct {
		identity, resource Decision
		want               outcome
	}{
		{Allow, Allow, pass},
		{Allow, ImplicitDeny, pass},
		{Allow, ExplicitDeny, explicitRefusal},
		{ImplicitDeny, Allow, pass},
		{ImplicitDeny, ImplicitDeny, implicitRefusal},
		{ImplicitDeny, ExplicitDeny, explicitRefusal},
		{ExplicitDeny, Allow, explicitRefusal},
		{ExplicitDeny, ImplicitDeny, explicitRefusal},
		{ExplicitDeny, ExplicitDeny, explicitRefusal},
	}
	for _, typ := range []AuthType{AuthLambda, AuthIAM} {
		for _, row := range rows {
			t.Run(fmt.Sprintf("%v/%v+%v", typ, row.identity, row.resource), func(t *testing.T) {
				r := gwRequest("GET", "/pets/7")
				c := apigw.FromContext(r.Context())
				calls := 0
				err := rpFor(t, row.resource).Check(r, c, typ, func() error {
					calls++
					if typ == AuthIAM {
						c.Identity.AccountID, c.Identity.UserARN = "123456789012", aliceARN
					}
					return authorizerSays(row.identity)
				})
				if got := outcomeOf(t, err); got != row.want {
					t.Fatalf("outcome %v, want %v (%v)", got, row.want, err)
				}
				// A Lambda authorizer is not called when the resource policy
				// denies before authorization.
				wantCalls := 1
				if typ == AuthLambda && row.resource == ExplicitDeny {
					wantCalls = 0
				}
				if calls != wantCalls {
					t.Fatalf("authorizer called %d times, want %d", calls, wantCalls)
				}
			})
		}
	}
}

// TestTableB is every row of AWS's Table B ("Account B calls API owned by
// account A"): an AWS_IAM caller of another account needs both to allow.
// Cognito user pool authorizers need the resource policy's explicit Allow
// too (AWS's Cognito flow: "an explicit allow is required").
func TestTableB(t *testing.T) {
	rows := []struct {
		identity, resource Decision
		want               outcome
	}{
		{Allow, Allow, pass},
		{Allow, ImplicitDeny, implicitRefusal},
		{Allow, ExplicitDeny, explicitRefusal},
		{ImplicitDeny, Allow, implicitRefusal},
		{ImplicitDeny, ImplicitDeny, implicitRefusal},
		{ImplicitDeny, ExplicitDeny, explicitRefusal},
		{ExplicitDeny, Allow, explicitRefusal},
		{ExplicitDeny, ImplicitDeny, explicitRefusal},
		{ExplicitDeny, ExplicitDeny, explicitRefusal},
	}
	for _, row := range rows {
		t.Run(fmt.Sprintf("IAM cross-account/%v+%v", row.identity, row.resource), func(t *testing.T) {
			r := gwRequest("GET", "/pets/7")
			c := apigw.FromContext(r.Context())
			err := rpFor(t, row.resource).Check(r, c, AuthIAM, func() error {
				c.Identity.AccountID, c.Identity.UserARN = "210987654321", carolARN
				return authorizerSays(row.identity)
			})
			if got := outcomeOf(t, err); got != row.want {
				t.Fatalf("outcome %v, want %v (%v)", got, row.want, err)
			}
			if err != nil && row.resource != ImplicitDeny && row.identity == Allow {
				if !strings.Contains(err.Error(), "User: "+carolARN+" is not authorized") {
					t.Fatalf("message does not name the caller: %v", err)
				}
			}
		})
	}
	// Cognito: a verified token counts as Allow; a refused token is the
	// authorizer's own refusal whatever the policy says.
	for _, row := range []struct {
		resource Decision
		want     outcome
	}{{Allow, pass}, {ImplicitDeny, implicitRefusal}, {ExplicitDeny, explicitRefusal}} {
		t.Run(fmt.Sprintf("Cognito/allow+%v", row.resource), func(t *testing.T) {
			r := gwRequest("GET", "/pets/7")
			err := rpFor(t, row.resource).Check(r, apigw.FromContext(r.Context()), AuthCognito, func() error { return nil })
			if got := outcomeOf(t, err); got != row.want {
				t.Fatalf("outcome %v, want %v (%v)", got, row.want, err)
			}
		})
	}
	r := gwRequest("GET", "/pets/7")
	unauthorized := &apigw.Error{Type: apigw.Unauthorized}
	if err := rpFor(t, Allow).Check(r, apigw.FromContext(r.Context()), AuthCognito, func() error { return unauthorized }); err != unauthorized {
		t.Fatalf("Cognito refusal: %v", err)
	}
}

// TestResourcePolicyOnly is AWS's "API Gateway resource policy only" flow:
// no authorization type, an explicit Allow is required.
func TestResourcePolicyOnly(t *testing.T) {
	for _, tt := range []struct {
		resource Decision
		want     string
	}{
		{Allow, ""},
		{ImplicitDeny, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + arnPets7},
		{ExplicitDeny, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + arnPets7 + " with an explicit deny"},
	} {
		r := gwRequest("GET", "/pets/7")
		w := httptest.NewRecorder()
		rp := rpFor(t, tt.resource)
		err := rp.Check(r, apigw.FromContext(r.Context()), AuthNone, nil)
		if tt.want == "" {
			if err != nil {
				t.Fatalf("%v: %v", tt.resource, err)
			}
			continue
		}
		apigw.WriteError(w, r, err)
		if got, want := w.Body.String(), `{"Message":"`+tt.want+`"}`; got != want {
			t.Errorf("%v: body %s, want %s", tt.resource, got, want)
		}
		if w.Code != 403 || w.Header().Get("X-Amzn-Errortype") != "AccessDeniedException" {
			t.Errorf("%v: %d %s", tt.resource, w.Code, w.Header().Get("X-Amzn-Errortype"))
		}
	}
}

func TestCheckPassesAuthenticationFailures(t *testing.T) {
	fail := &apigw.Error{Type: apigw.Unauthorized}
	for _, typ := range []AuthType{AuthLambda, AuthIAM, AuthCognito} {
		r := gwRequest("GET", "/pets/7")
		if err := rpFor(t, Allow).Check(r, apigw.FromContext(r.Context()), typ, func() error { return fail }); err != fail {
			t.Errorf("%v: %v, want the authorizer's 401", typ, err)
		}
	}
	var nilRP *ResourcePolicy
	r := gwRequest("GET", "/pets/7")
	if err := nilRP.Check(r, apigw.FromContext(r.Context()), AuthLambda, func() error { return fail }); err != fail {
		t.Errorf("nil policy: %v", err)
	}
	if err := nilRP.Check(r, apigw.FromContext(r.Context()), AuthNone, nil); err != nil {
		t.Errorf("nil policy, NONE: %v", err)
	}
}

// TestGuardWithTokenAuthorizer runs AWS's VPC endpoint example through a
// real TOKEN authorizer: the pre-auth explicit deny keeps the function
// from being called.
func TestGuardWithTokenAuthorizer(t *testing.T) {
	rp := MustResourcePolicy(ResourcePolicyConfig{
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke",
			"Resource":["execute-api:/*"],"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`,
		APIID: "abc123", VpceHeader: "x-amzn-vpce-id",
	})
	calls := 0
	tok, err := NewToken(TokenConfig{TTL: NoCache, Func: func(_ context.Context, ev events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		calls++
		return allowPolicy("user", "Allow", ev.MethodArn), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	g := rp.Guard(TypeOf(tok), tok)
	if TypeOf(g) != AuthLambda {
		t.Fatal("guarded type")
	}
	h := Middleware(g, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	for _, tt := range []struct {
		vpce  string
		code  int
		calls int
	}{{"vpce-1a2b3c4d", 204, 1}, {"vpce-other", 403, 1}, {"", 403, 1}} {
		r := gwRequest("GET", "/pets/7")
		r.Header.Set("Authorization", "token")
		if tt.vpce != "" {
			r.Header.Set("X-Amzn-Vpce-Id", tt.vpce)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.code || calls != tt.calls {
			t.Errorf("vpce %q: %d (%s), %d calls; want %d, %d", tt.vpce, w.Code, w.Body, calls, tt.code, tt.calls)
		}
	}
}

func TestResourcePolicyConfig(t *testing.T) {
	for _, tt := range []struct {
		cfg  ResourcePolicyConfig
		want string
	}{
		{ResourcePolicyConfig{}, "Document: empty"},
		{ResourcePolicyConfig{Document: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`}, "no Principal or NotPrincipal"},
		{ResourcePolicyConfig{Document: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"execute-api:prod/*"}}`}, "shorthand"},
		{ResourcePolicyConfig{Document: `not json`}, "resource policy"},
	} {
		if _, err := NewResourcePolicy(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.cfg, err, tt.want)
		}
	}
	// Without the API's names the shorthand matches any region, account and API.
	rp := MustResourcePolicy(ResourcePolicyConfig{Document: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/*"}}`})
	in := PolicyInput{Resource: "arn:aws:execute-api:eu-west-1:111111111111:zzz/prod/GET/x"}
	if rp.Decide(&in) != Allow {
		t.Fatal("shorthand without names")
	}
}

func TestMaskAccount(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/":      "arn:aws:execute-api:us-east-1:********9012:abc/prod/GET/",
		"arn:aws:execute-api:us-east-1:123:abc/prod/GET/":               "arn:aws:execute-api:us-east-1:123:abc/prod/GET/",
		"arn:aws:execute-api:us-east-1::abc/prod/GET/":                  "arn:aws:execute-api:us-east-1::abc/prod/GET/",
		"arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/a:b/c": "arn:aws:execute-api:us-east-1:********9012:abc/prod/GET/a:b/c",
		"nonsense": "nonsense",
	} {
		if got := maskAccount(in); got != want {
			t.Errorf("maskAccount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIdentityPolicy(t *testing.T) {
	p := MustPolicy(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:abc123/*/GET/*"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"execute-api:*","Resource":"*/GET/secret",
			"Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`)
	r := gwRequest("GET", "/pets/7")
	in := NewPolicyInput(r, apigw.FromContext(r.Context()))
	if p.Decide(&in) != Allow {
		t.Fatal("GET not allowed")
	}
	in.Resource = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/secret"
	if p.Decide(&in) != ExplicitDeny {
		t.Fatal("plain-text GET /secret not denied")
	}
	in.SecureTransport = true
	if p.Decide(&in) != Allow {
		t.Fatal("TLS GET /secret not allowed")
	}
	in.Action = ActionInvalidateCache
	if p.Decide(&in) != ImplicitDeny {
		t.Fatal("InvalidateCache allowed")
	}
	var none *Policy
	if none.Decide(&in) != ImplicitDeny {
		t.Fatal("nil policy")
	}
	if _, err := NewPolicy(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`); err == nil || !strings.Contains(err.Error(), "identity policy 0") {
		t.Fatalf("principal in identity policy: %v", err)
	}
	if _, err := NewPolicy(); err == nil {
		t.Fatal("no document")
	}
}

func TestNewPolicyInput(t *testing.T) {
	r := gwRequest("GET", "/pets/7")
	r.Header.Set("Referer", "https://pets.example/")
	r.Header.Set("User-Agent", "curl/8")
	c := apigw.FromContext(r.Context())
	c.Identity.UserAgent = "curl/8"
	c.Identity.AccountID, c.Identity.UserARN, c.Identity.User = "123456789012", "arn:aws:iam::123456789012:user/team/alice", "AIDAALICE"
	in := NewPolicyInput(r, c)
	if in.Resource != "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/7" || in.Caller.Username != "alice" ||
		in.Caller.UserID != "AIDAALICE" || in.Referer != "https://pets.example/" || in.UserAgent != "curl/8" ||
		in.SourceIP.String() != "192.0.2.1" || in.SecureTransport {
		t.Fatalf("%+v", in)
	}
}

func TestAuthTypeNames(t *testing.T) {
	if AuthNone.String() != "NONE" || AuthLambda.String() != "CUSTOM" || AuthCognito.String() != "COGNITO_USER_POOLS" || AuthIAM.String() != "AWS_IAM" {
		t.Fatal("AuthType.String")
	}
	if TypeOf(nil) != AuthNone || TypeOf(&JWTAuthorizer{}) != AuthCognito || TypeOf(&TokenAuthorizer{}) != AuthLambda {
		t.Fatal("TypeOf")
	}
}

// TestPolicyDecisionsAllocateNothing pins the allocation budget of policy
// evaluation on the request path.
func TestPolicyDecisionsAllocateNothing(t *testing.T) {
	rp := MustResourcePolicy(ResourcePolicyConfig{Document: `{"Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}},
		{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:role/R"},"Action":"execute-api:*","Resource":"*","Condition":{"StringLike":{"aws:UserAgent":"bot*"}}}]}`})
	p := MustPolicy(`{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"apigw:tier":"gold"}}}}`)
	r := gwRequest("GET", "/pets/7")
	c := apigw.FromContext(r.Context())
	c.Identity.AccountID, c.Identity.UserARN = "123456789012", "arn:aws:sts::123456789012:assumed-role/R/s"
	in := NewPolicyInput(r, c)
	in.Keys = map[string]string{"apigw:tier": "gold"}
	if n := testing.AllocsPerRun(100, func() { rp.Decide(&in); p.Decide(&in) }); n != 0 {
		t.Fatalf("%v allocations, budget 0", n)
	}
}
