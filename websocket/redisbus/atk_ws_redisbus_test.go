package redisbus

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Holds: ids carrying the bus's own framing (a newline), path tricks or
// another key's suffix reach no connection across replicas; the real id
// is delivered once, with the data intact even when it holds newlines.
func TestAtkWSRedisbusIDInjection(t *testing.T) {
	needRedis(t)
	pfx := prefix(t)
	a := startReplica(t, "a", redisAddr, pfx, nil)
	b := startReplica(t, "b", redisAddr, pfx, nil)
	victim, id := a.dial(t)
	// A foreign hash under the bus's prefix that is not a connection of
	// this API: a Lookup/Send through it must not reach anyone either.
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	ctx := context.Background()
	rdb.Set(ctx, pfx+"conn:notahash", "x", time.Minute)
	for _, p := range []string{
		id + "%0A", id + "%0Ainjected", "%0A" + id, "P" + id, id + "%00",
		"..%2F" + id, "notahash", strings.ToLower(id),
	} {
		resp, err := http.Post(b.srv.URL+"/@connections/"+p, "text/plain", strings.NewReader("pwn"))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("POST via replica b to %q: 200", p)
		}
	}
	resp, err := http.Post(b.srv.URL+"/@connections/"+id, "text/plain", strings.NewReader("line1\nD"+id+"\nline3"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("real post: %d", resp.StatusCode)
	}
	if got := read(t, victim); got != "line1\nD"+id+"\nline3" {
		t.Errorf("victim got %q first", got)
	}
	if a.api.Len() != 1 {
		t.Errorf("victim's connection gone: a framing line in the data was read as a DELETE")
	}
}
