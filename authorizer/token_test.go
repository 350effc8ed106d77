package authorizer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestTokenAWSSample(t *testing.T) {
	logs := &logBuffer{}
	a, err := NewToken(TokenConfig{Func: awsSampleToken, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		token  string
		status int
		body   string
		etype  string
	}{
		{"allow", 200, "", ""},
		{"deny", 403, `{"message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException"},
		{"unauthorized", 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{"other", 500, `{"message":null}`, "AuthorizerConfigurationException"},
		{"", 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			r := gwRequest("GET", "/admin")
			if tt.token != "" {
				r.Header.Set("Authorization", tt.token)
			}
			got := serve(a, nil, r)
			if got.status != tt.status {
				t.Fatalf("status %d, want %d (%s)", got.status, tt.status, got.body)
			}
			if tt.status == 200 {
				if got.authorizer.PrincipalID != "user" {
					t.Fatalf("principal %q", got.authorizer.PrincipalID)
				}
				return
			}
			if got.body != tt.body || got.header.Get("X-Amzn-Errortype") != tt.etype {
				t.Fatalf("body %s, type %q", got.body, got.header.Get("X-Amzn-Errortype"))
			}
		})
	}
	if !strings.Contains(logs.String(), "Error: Invalid token") {
		t.Fatalf("the function's error was not logged: %s", logs.String())
	}
}

func TestTokenEventAndValidation(t *testing.T) {
	var calls atomic.Int64
	var seen events.APIGatewayCustomAuthorizerRequest
	a, err := NewToken(TokenConfig{
		Header:               "method.request.header.X-Auth",
		ValidationExpression: `tok-[a-z]+`,
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			seen = req
			return allowPolicy("p", "Allow", "*"), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		values []string
		status int
		called bool
	}{
		{"matches", []string{"tok-abc"}, 200, true},
		{"does not match", []string{"tok-ABC"}, 401, false},
		{"matches only a part", []string{"xtok-abcx"}, 401, false},
		{"missing", nil, 401, false},
		{"empty", []string{""}, 401, false},
		{"sent twice", []string{"tok-abc", "tok-abc"}, 401, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			a.core.cache = nil // every call reaches the function
			r := gwRequest("POST", "/pets/7")
			for _, v := range tt.values {
				r.Header.Add("X-Auth", v)
			}
			got := serve(a, nil, r)
			if got.status != tt.status || (calls.Load() == 1) != tt.called {
				t.Fatalf("status %d (want %d), calls %d", got.status, tt.status, calls.Load())
			}
		})
	}
	want := events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "tok-abc", MethodArn: testARNPrefix + "POST/pets/7"}
	if seen != want {
		t.Fatalf("event %+v, want %+v", seen, want)
	}
}

// TestTokenCache: an answer is cached for the TTL by the token, evaluated
// afresh against each method ARN, and dropped after the TTL by the
// injected clock.
func TestTokenCache(t *testing.T) {
	clk := newClock()
	var calls atomic.Int64
	a, err := NewToken(TokenConfig{
		Now: clk.Now,
		TTL: time.Minute,
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			return allowPolicy("u-"+req.AuthorizationToken, "Allow", req.MethodArn), nil // AWS's classic pitfall
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var cached bool
	call := func(token, path string) int {
		r := gwRequest("GET", path)
		r.Header.Set("Authorization", token)
		got := serve(a, nil, r)
		cached = got.cached
		return got.status
	}
	if s := call("t1", "/pets"); s != 200 || cached {
		t.Fatalf("first: %d, Cached %v", s, cached)
	}
	if s := call("t1", "/pets"); s != 200 || calls.Load() != 1 || !cached {
		t.Fatalf("cached: %d, %d calls, Cached %v", s, calls.Load(), cached)
	}
	if s := call("t1", "/admin"); s != 403 || calls.Load() != 1 {
		t.Fatalf("cached policy for /pets on /admin: %d, %d calls", s, calls.Load())
	}
	if s := call("t2", "/admin"); s != 200 || calls.Load() != 2 {
		t.Fatalf("other token: %d, %d calls", s, calls.Load())
	}
	clk.Advance(59 * time.Second)
	call("t1", "/pets")
	if calls.Load() != 2 {
		t.Fatalf("called again within the TTL: %d calls", calls.Load())
	}
	clk.Advance(time.Second)
	if s := call("t1", "/admin"); s != 200 || calls.Load() != 3 {
		t.Fatalf("after the TTL: %d, %d calls", s, calls.Load())
	}

	// NoCache calls every time.
	b, err := NewToken(TokenConfig{Func: a.fn, TTL: NoCache})
	if err != nil {
		t.Fatal(err)
	}
	before := calls.Load()
	for range 3 {
		r := gwRequest("GET", "/pets")
		r.Header.Set("Authorization", "t1")
		serve(b, nil, r)
	}
	if calls.Load()-before != 3 {
		t.Fatalf("NoCache: %d calls for 3 requests", calls.Load()-before)
	}
}

// TestTokenSingleFlight: concurrent first requests with one token call the
// function once.
func TestTokenSingleFlight(t *testing.T) {
	const n = 50
	var calls, arrived atomic.Int64
	a, err := NewToken(TokenConfig{
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			calls.Add(1)
			for arrived.Load() < n { // hold the call until every request has come in
				runtime.Gosched()
			}
			for range 1000 {
				runtime.Gosched()
			}
			return allowPolicy("p", "Allow", "*"), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := gwRequest("GET", "/pets")
			r.Header.Set("Authorization", "same-token")
			arrived.Add(1)
			statuses[i] = serve(a, nil, r).status
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Fatalf("request %d: %d", i, s)
		}
	}
	if c := calls.Load(); c != 1 {
		t.Fatalf("%d calls for %d concurrent requests, want 1", c, n)
	}
}

func TestTokenFailures(t *testing.T) {
	tests := []struct {
		name   string
		fn     TokenFunc
		status int
		log    string
	}{
		{"ErrUnauthorized", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
		}, 401, ""},
		{"another error saying Unauthorized", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, fmt.Errorf("%w", errors.New("Unauthorized"))
		}, 401, ""},
		{"ErrUnauthorized wrapped in a longer message", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, fmt.Errorf("bad token: %w", ErrUnauthorized)
		}, 500, "bad token: Unauthorized"},
		{"Unauthorized with a trailing space", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized ")
		}, 500, "Unauthorized "},
		{"unauthorized in lower case", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("unauthorized")
		}, 500, "unauthorized"},
		{"Unauthorized joined with another error", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, errors.Join(ErrUnauthorized, errors.New("db down"))
		}, 500, "db down"},
		{"other error", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("db down")
		}, 500, "db down"},
		{"panic", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			panic("boom")
		}, 500, "boom"},
		{"timeout", func(ctx context.Context, _ events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			<-ctx.Done()
			return events.APIGatewayCustomAuthorizerResponse{}, ctx.Err()
		}, 500, "deadline exceeded"},
		{"no principal", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return allowPolicy("", "Allow", "*"), nil
		}, 500, "no principalId"},
		{"null policy", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "p"}, nil
		}, 500, "no Statement"},
		{"bad effect", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return allowPolicy("p", "Maybe", "*"), nil
		}, 500, "neither Allow nor Deny"},
		{"bad version", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			r := allowPolicy("p", "Allow", "*")
			r.PolicyDocument.Version = "2020-01-01"
			return r, nil
		}, 500, "Version"},
		{"no resource", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			r := allowPolicy("p", "Allow", "*")
			r.PolicyDocument.Statement[0].Resource = nil
			return r, nil
		}, 500, "no Resource"},
		{"resource too long", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return allowPolicy("p", "Allow", strings.Repeat("*", 513)), nil
		}, 500, "over 512"},
		{"no action", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			r := allowPolicy("p", "Allow", "*")
			r.PolicyDocument.Statement[0].Action = nil
			return r, nil
		}, 500, "no Action"},
		{"context with a map", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			r := allowPolicy("p", "Allow", "*")
			r.Context = map[string]any{"ok": "x", "nested": map[string]any{"a": 1}}
			return r, nil
		}, 500, "nested"},
		{"context with null", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			r := allowPolicy("p", "Allow", "*")
			r.Context = map[string]any{"n": nil}
			return r, nil
		}, 500, "is not a string"},
		{"action other than invoke only", func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			r := allowPolicy("p", "Allow", "*")
			r.PolicyDocument.Statement[0].Action = []string{"execute-api:InvalidateCache"}
			return r, nil
		}, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logBuffer{}
			a, err := NewToken(TokenConfig{Func: tt.fn, Logger: logs.logger(), Timeout: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			r := gwRequest("GET", "/pets")
			r.Header.Set("Authorization", "tok")
			got := serve(a, nil, r)
			if got.status != tt.status {
				t.Fatalf("status %d, want %d (%s)", got.status, tt.status, got.body)
			}
			if tt.status == 500 {
				if got.body != `{"message":null}` || got.header.Get("X-Amzn-Errortype") != "AuthorizerConfigurationException" {
					t.Fatalf("500 rendered as %s %q", got.body, got.header.Get("X-Amzn-Errortype"))
				}
				if !strings.Contains(logs.String(), tt.log) {
					t.Fatalf("log lacks %q: %s", tt.log, logs.String())
				}
				// Failures are not cached: the next request calls again.
				if n := a.core.cache.len(); n != 0 {
					t.Fatalf("failure cached (%d entries)", n)
				}
			}
		})
	}
}

func TestTokenAnswerContext(t *testing.T) {
	a, err := NewToken(TokenConfig{Func: func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		r := allowPolicy("p", "Allow", testARNPrefix+"*")
		r.Context = map[string]any{"s": "x", "n": 42, "f": 1.5, "b": true, "j": json.Number("7")}
		r.UsageIdentifierKey = "key-0123456789abcdefghij"
		return r, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := gwRequest("GET", "/pets")
	r.Header.Set("Authorization", "tok")
	got := serve(a, nil, r)
	if got.status != 200 {
		t.Fatalf("status %d (%s)", got.status, got.body)
	}
	az := got.authorizer
	if az.PrincipalID != "p" || az.UsageIdentifierKey != "key-0123456789abcdefghij" || len(az.Context) != 5 || az.Context["n"] != 42 {
		t.Fatalf("authorizer %+v", az)
	}
}

func TestTokenConfigErrors(t *testing.T) {
	fn := awsSampleToken
	for _, tt := range []struct {
		name string
		cfg  TokenConfig
		want string
	}{
		{"no func", TokenConfig{}, "TokenConfig.Func: required"},
		{"bad regex", TokenConfig{Func: fn, ValidationExpression: "("}, "ValidationExpression"},
		{"TTL over 3600 s", TokenConfig{Func: fn, TTL: 3601 * time.Second}, "TTL"},
		{"negative TTL", TokenConfig{Func: fn, TTL: -time.Second}, "NoCache"},
		{"negative timeout", TokenConfig{Func: fn, Timeout: -time.Second}, "Timeout"},
		{"negative cache size", TokenConfig{Func: fn, CacheSize: -1}, "CacheSize"},
		{"bad header", TokenConfig{Func: fn, Header: "a b"}, "Header"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewToken(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			wantPanic(t, err, func() { MustNewToken(tt.cfg) })
			if got := serve(a, nil, bearer("allow")); got.status != 500 {
				t.Fatalf("nil authorizer answered %d", got.status)
			}
		})
	}
	a := MustNewToken(TokenConfig{Func: fn, TTL: MaxTTL})
	if a.Close() != nil {
		t.Fatal("Close")
	}
}

// TestLambdaCallRechecksCache: a request that missed the cache just before
// another request's call stored its answer, and reaches the call after
// that call ended, is answered from the cache instead of calling the
// function again. This interleaving made 200 concurrent requests over 50
// tokens call the function 52 times (issue 14 item 6b).
func TestLambdaCallRechecksCache(t *testing.T) {
	var calls atomic.Int64
	a, err := NewToken(TokenConfig{Func: func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		calls.Add(1)
		return allowPolicy("p", "Allow", "*"), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := gwRequest("GET", "/pets")
	r.Header.Set("Authorization", "tok")
	if got := serve(a, nil, r); got.status != 200 || calls.Load() != 1 {
		t.Fatalf("first request: %d, %d calls", got.status, calls.Load())
	}
	// The late request: past its cache lookup, entering the call.
	res, err := a.core.call(context.Background(), "tok", "late", func(context.Context) (*result, error) {
		calls.Add(1)
		return nil, errors.New("called again")
	})
	if err != nil || res == nil || res.principalID != "p" || calls.Load() != 1 {
		t.Fatalf("late request: %v %v, %d calls", res, err, calls.Load())
	}
}

// TestLambdaConcurrentFirstRequests: 200 concurrent first requests over 50
// tokens (and 50 REQUEST identities) make exactly 50 calls, whatever the
// interleaving: nothing here waits for time.
func TestLambdaConcurrentFirstRequests(t *testing.T) {
	const tokens, perToken = 50, 4
	var calls atomic.Int64
	policy := func(principal string) (events.APIGatewayCustomAuthorizerResponse, error) {
		calls.Add(1)
		return allowPolicy(principal, "Allow", "*"), nil
	}
	ta, err := NewToken(TokenConfig{Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return policy(req.AuthorizationToken)
	}})
	if err != nil {
		t.Fatal(err)
	}
	ra, err := NewRequest(RequestConfig{
		IdentitySources: []string{"method.request.header.Authorization"},
		Func: func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return policy(req.Headers["Authorization"])
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]Authorizer{"TOKEN": ta, "REQUEST": ra} {
		t.Run(name, func(t *testing.T) {
			calls.Store(0)
			start := make(chan struct{})
			var wg sync.WaitGroup
			errs := make(chan string, tokens*perToken)
			for i := range tokens * perToken {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tok := fmt.Sprintf("tok-%d", i%tokens)
					r := gwRequest("GET", "/pets")
					r.Header.Set("Authorization", tok)
					<-start
					if got := serve(a, nil, r); got.status != 200 || got.authorizer.PrincipalID != tok {
						errs <- fmt.Sprintf("%s: %d %q", tok, got.status, got.authorizer.PrincipalID)
					}
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
			if n := calls.Load(); n != tokens {
				t.Fatalf("%d calls for %d requests over %d tokens, want %d", n, tokens*perToken, tokens, tokens)
			}
		})
	}
}

// TestLambdaCallerLeaves: the request whose call is running leaves (its
// client goes away); the call goes on uncancelled and the requests waiting
// for it get its answer.
func TestLambdaCallerLeaves(t *testing.T) {
	const waiters = 10
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int64
	var fnCtxErr atomic.Value
	a, err := NewToken(TokenConfig{Logger: quietLogger(), Func: func(ctx context.Context, _ events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		calls.Add(1)
		close(entered)
		<-release
		fnCtxErr.Store(fmt.Sprint(ctx.Err()))
		return allowPolicy("p", "Allow", "*"), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	request := func(ctx context.Context) *http.Request {
		r := gwRequest("GET", "/pets")
		r.Header.Set("Authorization", "tok")
		return r.WithContext(ctx)
	}
	ctx, cancel := context.WithCancel(apigwContextOf(t))
	leader := make(chan response)
	go func() { leader <- serve(a, nil, request(ctx)) }()
	<-entered

	var wg sync.WaitGroup
	statuses := make([]int, waiters)
	for i := range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = serve(a, nil, request(apigwContextOf(t))).status
		}()
	}
	cancel()
	if got := <-leader; got.status != 500 || got.reached {
		t.Fatalf("leaving caller: %d (reached %v)", got.status, got.reached)
	}
	close(release)
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Fatalf("waiter %d: %d", i, s)
		}
	}
	if calls.Load() != 1 || fnCtxErr.Load() != "<nil>" {
		t.Fatalf("%d calls; the function's context ended with %v", calls.Load(), fnCtxErr.Load())
	}
}

// apigwContextOf is a fresh request context carrying an apigw.Context, as
// gwRequest makes it.
func apigwContextOf(t *testing.T) context.Context {
	t.Helper()
	return gwRequest("GET", "/pets").Context()
}
