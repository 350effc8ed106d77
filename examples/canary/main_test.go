package main

import (
	"context"
	"fmt"
	"github.com/apigw/apigw/internal/exampletest"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
)

func start(t *testing.T, o options) string {
	t.Helper()
	return exampletest.Start(t, func(ctx context.Context, addr string, ready chan<- string) error {
		return run(ctx, nil, addr, o, ready)
	})
}

func get(t *testing.T, url string, header ...string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if len(header) == 2 {
		req.Header.Set(header[0], header[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	return string(b)
}

func seeded(seed uint64) func() float64 {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, seed))
	return func() float64 { mu.Lock(); defer mu.Unlock(); return r.Float64() }
}

func TestCanarySplit(t *testing.T) {
	for _, percent := range []float64{0, 10, 30, 50, 100} {
		t.Run(fmt.Sprint(percent), func(t *testing.T) {
			base := start(t, options{canaryPercent: percent, random: seeded(3)})
			const n = 1000
			beta := 0
			for range n {
				switch body := get(t, base+"/hello"); body {
				case `{"version":"beta"}`:
					beta++
				case `{"version":"prod"}`:
				default:
					t.Fatalf("unexpected answer %s", body)
				}
			}
			p := percent / 100
			if bound := 3.29 * math.Sqrt(n*p*(1-p)); math.Abs(float64(beta)-n*p) > bound {
				t.Errorf("%d of %d on beta, want %.0f ± %.0f", beta, n, n*p, bound)
			}
		})
	}
}

func TestStickyHeader(t *testing.T) {
	base := start(t, options{canaryPercent: 50, stickyHeader: "X-User"})
	for i := range 20 {
		user := fmt.Sprintf("user-%d", i)
		first := get(t, base+"/hello", "X-User", user)
		for range 10 {
			if got := get(t, base+"/hello", "X-User", user); got != first {
				t.Fatalf("%s moved from %s to %s", user, first, got)
			}
		}
	}
}
