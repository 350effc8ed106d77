package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/exampletest"
	"github.com/apigw/apigw/internal/redistest"
	"github.com/apigw/apigw/internal/testkit"
	"github.com/redis/go-redis/v9"
)

// newClock is the fake clock the tests move by hand; the servers read it
// from their handlers' goroutines.
func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) }

// start runs the example in-process on a free port until the test ends.
func start(t *testing.T, o options) string {
	t.Helper()
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return exampletest.Start(t, func(ctx context.Context, addr string, ready chan<- string) error {
		return run(ctx, nil, addr, o, ready)
	})
}

// answer is one response of the example.
type answer struct {
	status int
	header http.Header
	body   string
}

// send makes a GET request, with an x-api-key header when key is set.
func send(url, key string) (answer, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return answer{}, err
	}
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, strings.TrimSpace(string(b))}, err
}

func get(t *testing.T, url, key string) answer {
	t.Helper()
	a, err := send(url, key)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantRefusal checks an AWS-style refusal: status, {"message":...} and
// x-amzn-ErrorType; a 429 must say when to retry.
func wantRefusal(t *testing.T, a answer, status int, message, errorType string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d (%s)", a.status, status, a.body)
	}
	if want := fmt.Sprintf(`{"message":%q}`, message); a.body != want {
		t.Errorf("body %s, want %s", a.body, want)
	}
	if got := a.header.Get("x-amzn-ErrorType"); got != errorType {
		t.Errorf("x-amzn-ErrorType %q, want %q", got, errorType)
	}
	if status == http.StatusTooManyRequests {
		if s, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("Retry-After %q, want a number of seconds", a.header.Get("Retry-After"))
		}
	}
}

// wantBreeds checks a successful GET /breeds.
func wantBreeds(t *testing.T, a answer) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d, want 200 (%s)", a.status, a.body)
	}
	var got []Breed
	if err := json.Unmarshal([]byte(a.body), &got); err != nil || len(got) != len(breeds) || got[0] != breeds[0] {
		t.Fatalf("breeds %s (%v)", a.body, err)
	}
}

// usage is the GetUsage-shaped answer of /usage.
type usage struct {
	PlanID    string                `json:"usagePlanId"`
	StartDate string                `json:"startDate"`
	EndDate   string                `json:"endDate"`
	Values    map[string][][2]int64 `json:"values"`
}

func getUsage(t *testing.T, base, key string) usage {
	t.Helper()
	a := get(t, base+"/usage?key="+url.QueryEscape(key), "")
	if a.status != http.StatusOK {
		t.Fatalf("/usage: status %d (%s)", a.status, a.body)
	}
	var u usage
	if err := json.Unmarshal([]byte(a.body), &u); err != nil {
		t.Fatalf("/usage: %v: %s", err, a.body)
	}
	return u
}

// wantUsage checks that /usage reports used requests of key today, and
// remaining left (-1: no quota).
func wantUsage(t *testing.T, base, key string, day time.Time, plan string, used, remaining int64) {
	t.Helper()
	u := getUsage(t, base, key)
	date := day.Format("2006-01-02")
	want := usage{PlanID: plan, StartDate: date, EndDate: date, Values: map[string][][2]int64{
		plan + "-customer": {{used, remaining}},
	}}
	if fmt.Sprint(u) != fmt.Sprint(want) {
		t.Errorf("/usage?key=%s: %+v, want %+v", key, u, want)
	}
}

func TestKeyRequired(t *testing.T) {
	c := newClock()
	base := start(t, options{now: c.Now})
	for _, tc := range []struct{ name, key string }{
		{"no key", ""},
		{"unknown key", "demo-unknown-key-00000000001"},
		{"key of another case", strings.ToUpper(basicKey)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRefusal(t, get(t, base+"/breeds", tc.key), 403, "Forbidden", "ForbiddenException")
		})
	}
	wantBreeds(t, get(t, base+"/breeds", basicKey))
}

// At one instant each plan admits its burst and throttles the next request.
func TestBurst(t *testing.T) {
	for _, tc := range []struct {
		plan, key string
		send      int
		admitted  int
	}{
		{"basic", basicKey, 3, 2},
		{"standard", standardKey, 21, 20},
		{"premium", premiumKey, 150, 150},
	} {
		t.Run(tc.plan, func(t *testing.T) {
			c := newClock()
			base := start(t, options{now: c.Now})
			for i := range tc.send {
				a := get(t, base+"/breeds", tc.key)
				if i < tc.admitted {
					wantBreeds(t, a)
					continue
				}
				wantRefusal(t, a, 429, "Too Many Requests", "TooManyRequestsException")
			}
			// A second later the bucket holds tokens again.
			c.Advance(time.Second)
			wantBreeds(t, get(t, base+"/breeds", tc.key))
		})
	}
}

// The basic plan's 100 requests a day run out, whatever the throttle
// allows, and come back the next day.
func TestDailyQuota(t *testing.T) {
	c := newClock()
	day := c.Now()
	base := start(t, options{now: c.Now})
	for i := 1; i <= 100; i++ {
		c.Advance(time.Second) // within the throttle of 1 request a second
		a := get(t, base+"/breeds", basicKey)
		wantBreeds(t, a)
		if got, want := a.header.Get("RateLimit-Remaining"), strconv.Itoa(100-i); got != want {
			t.Fatalf("request %d: RateLimit-Remaining %q, want %q", i, got, want)
		}
		if got := a.header.Get("RateLimit-Limit"); got != "100" {
			t.Fatalf("request %d: RateLimit-Limit %q, want 100", i, got)
		}
	}
	for range 3 {
		c.Advance(time.Minute)
		wantRefusal(t, get(t, base+"/breeds", basicKey), 429, "Limit Exceeded", "LimitExceededException")
	}
	wantUsage(t, base, basicKey, day, "basic", 100, 0)
	// Other customers' quotas are their own.
	wantBreeds(t, get(t, base+"/breeds", standardKey))

	c.Advance(24 * time.Hour)
	wantBreeds(t, get(t, base+"/breeds", basicKey))
	wantUsage(t, base, basicKey, c.Now(), "basic", 1, 99)
}

func TestUsage(t *testing.T) {
	c := newClock()
	base := start(t, options{now: c.Now})
	for _, tc := range []struct {
		plan, key string
		limit     int64 // -1: no quota
		send      int64
	}{
		{"basic", basicKey, 100, 2},
		{"standard", standardKey, 10000, 7},
		{"premium", premiumKey, -1, 30},
	} {
		t.Run(tc.plan, func(t *testing.T) {
			wantUsage(t, base, tc.key, c.Now(), tc.plan, 0, tc.limit)
			for range tc.send {
				wantBreeds(t, get(t, base+"/breeds", tc.key))
			}
			remaining := tc.limit - tc.send
			if tc.limit < 0 {
				remaining = -1
			}
			wantUsage(t, base, tc.key, c.Now(), tc.plan, tc.send, remaining)
			// Asking for the usage is not usage.
			wantUsage(t, base, tc.key, c.Now(), tc.plan, tc.send, remaining)
		})
	}
	t.Run("refused requests are not counted", func(t *testing.T) {
		wantRefusal(t, get(t, base+"/breeds", basicKey), 429, "Too Many Requests", "TooManyRequestsException")
		wantUsage(t, base, basicKey, c.Now(), "basic", 2, 98)
	})
	t.Run("no key", func(t *testing.T) {
		wantRefusal(t, get(t, base+"/usage", ""), 400, "Missing required request parameters: [key]", "BadRequestException")
	})
	t.Run("unknown key", func(t *testing.T) {
		wantRefusal(t, get(t, base+"/usage?key=demo-unknown-key-00000000001", ""), 404, "Invalid API Key specified", "NotFoundException")
	})
}

// redisAddr is the Redis the tests use.
const redisAddr = "127.0.0.1:6379"

// needRedis skips the test when Redis does not answer, unless CI=true,
// and returns a key prefix of its own, whose keys are removed at the end.
func needRedis(t *testing.T) string {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at %s: %v", redisAddr, err)
		}
		t.Skipf("Redis at %s does not answer (%v); start one to run this test", redisAddr, err)
	}
	prefix := fmt.Sprintf("apigw:test:examples-usageplans:%s:%d:", t.Name(), time.Now().UnixNano())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("removing the test's Redis keys: %v", err)
		}
	})
	return prefix
}

// Two replicas sharing one Redis enforce one throttle and one quota per
// key: the basic customer gets 100 requests a day from both together.
func TestRedisSharedQuota(t *testing.T) {
	sharedQuota(t, redisAddr, needRedis(t))
}

// The same on a Redis Cluster, named by its nodes' addresses (-redis
// 127.0.0.1:7000,127.0.0.1:7001,...).
func TestRedisClusterSharedQuota(t *testing.T) {
	addrs := redistest.SharedCluster(t)
	sharedQuota(t, strings.Join(addrs, ","), fmt.Sprintf("apigw:test:examples-usageplans:cluster:%d:", time.Now().UnixNano()))
}

func sharedQuota(t *testing.T, redisAddr, prefix string) {
	c := newClock()
	day := c.Now()
	// A generous timeout so that a slow machine never makes the store fail
	// open, which would admit requests uncounted.
	o := options{redisAddr: redisAddr, redisPrefix: prefix, redisTimeout: 10 * time.Second, now: c.Now}
	replicas := []string{start(t, o), start(t, o)}

	// One bucket: the burst of 2 spent on the first replica leaves none on
	// the second.
	wantBreeds(t, get(t, replicas[0]+"/breeds", basicKey))
	wantBreeds(t, get(t, replicas[0]+"/breeds", basicKey))
	wantRefusal(t, get(t, replicas[1]+"/breeds", basicKey), 429, "Too Many Requests", "TooManyRequestsException")

	// One quota: every 2 s the bucket is full again and both replicas get a
	// request at once, until the 100 requests of the day are spent.
	admitted := []int{2, 0}
	exceeded := 0
	for tick := range 60 {
		c.Advance(2 * time.Second)
		answers := make([]answer, len(replicas))
		errs := make([]error, len(replicas))
		var wg sync.WaitGroup
		for i, base := range replicas {
			wg.Go(func() { answers[i], errs[i] = send(base+"/breeds", basicKey) })
		}
		wg.Wait()
		for i, a := range answers {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			switch {
			case a.status == http.StatusOK:
				admitted[i]++
			case a.status == http.StatusTooManyRequests && a.body == `{"message":"Limit Exceeded"}`:
				exceeded++
			default:
				t.Fatalf("tick %d, replica %d: %d %s", tick, i, a.status, a.body)
			}
		}
	}
	if total := admitted[0] + admitted[1]; total != 100 || exceeded != 120-98 {
		t.Errorf("admitted %d (%v), %d over the quota; want exactly 100 and %d", total, admitted, exceeded, 120-98)
	}
	if admitted[0] != 51 || admitted[1] != 49 {
		t.Errorf("admitted %v per replica, want [51 49]", admitted)
	}
	for _, base := range replicas {
		wantUsage(t, base, basicKey, day, "basic", 100, 0)
	}
}

// syncBuffer collects log output written from the servers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With Redis gone the example fails open, as AWS does when its usage plan
// check fails: keys are still checked, requests admitted and a warning
// logged; only the usage report, which must read Redis, fails.
func TestRedisDownFailsOpen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there any more: connections are refused
	var logs syncBuffer
	c := newClock()
	base := start(t, options{redisAddr: dead, redisPrefix: "apigw:test:examples-usageplans:dead:", now: c.Now,
		logger: slog.New(slog.NewTextHandler(&logs, nil))})

	wantRefusal(t, get(t, base+"/breeds", ""), 403, "Forbidden", "ForbiddenException")
	for range 3 { // beyond the basic burst: nothing to count tokens with
		wantBreeds(t, get(t, base+"/breeds", basicKey))
	}
	wantRefusal(t, get(t, base+"/usage?key="+basicKey, ""), 500, "Internal server error", "InternalServerErrorException")
	if !strings.Contains(logs.String(), "Usage Plan check failed") {
		t.Errorf("no fail-open warning logged:\n%s", logs.String())
	}
}
