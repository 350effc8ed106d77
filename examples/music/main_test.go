package main

import (
	"context"
	"encoding/json"
	"github.com/apigw/apigw/internal/exampletest"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// startExample runs the example in-process on a free port.
func startExample(t *testing.T) string {
	t.Helper()
	return startExampleAt(t, nil)
}

// startExampleAt runs the example with a clock of the test's.
func startExampleAt(t *testing.T, now func() time.Time) string {
	t.Helper()
	return exampletest.Start(t, func(ctx context.Context, addr string, ready chan<- string) error {
		return run(ctx, nil, addr, slog.New(slog.DiscardHandler), now, ready)
	})
}

func call(t *testing.T, method, url, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(b))
}

func TestMusic(t *testing.T) {
	base := startExample(t)
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantBody                 string
		wantErrorType            string
	}{
		{"get artist", "GET", "/artists/1234", "", 200,
			`{"id":1234,"artist":"Queen","popularity":90,"genres":["Progressive rock","Pop rock","Glam rock"]}`, ""},
		{"unknown artist", "GET", "/artists/9", "", 404, `{"message":"artist not found"}`, ""},
		{"genres", "GET", "/artists/1234/genres", "", 200, `{"genre":["Progressive rock","Pop rock","Glam rock"]}`, ""},
		{"genres of an unknown artist", "GET", "/artists/9/genres", "", 404, `{"message":"artist not found"}`, ""},
		{"genres in VTL", "GET", "/artists/1234/genres-vtl", "", 200,
			"{\n  \"genre\": [\n    \"Progressive rock\",\n    \"Pop rock\",\n    \"Glam rock\"\n  ]\n}", ""},
		{"genres in VTL of an unknown artist", "GET", "/artists/9/genres-vtl", "", 404, `{"message": "artist not found"}`, ""},
		{"unknown path", "GET", "/albums/1", "", 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException"},
		{"unknown method", "DELETE", "/artists/1234", "", 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException"},
		{"update popularity", "PUT", "/artists/1234", `{"popularity":95}`, 200,
			`{"id":1234,"artist":"Queen","popularity":95,"genres":["Progressive rock","Pop rock","Glam rock"]}`, ""},
		{"update unknown", "PUT", "/artists/9", `{"popularity":1}`, 404, `{"message":"artist not found"}`, ""},
		{"update against the model", "PUT", "/artists/1234", `{"popularity":"high"}`, 400, `{"message":"Invalid request body"}`, "BadRequestException"},
		{"update not JSON", "PUT", "/artists/1234", `{popularity`, 400, `{"message":"Invalid request body"}`, "BadRequestException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := call(t, tc.method, base+tc.path, tc.body)
			if status != tc.wantStatus || body != tc.wantBody {
				t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.path, status, body, tc.wantStatus, tc.wantBody)
			}
			if got := h.Get("x-amzn-ErrorType"); got != tc.wantErrorType {
				t.Errorf("x-amzn-ErrorType = %q, want %q", got, tc.wantErrorType)
			}
			if h.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId")
			}
		})
	}
}

// TestGenresVTLAsCEL checks that the VTL template and the CEL one give the
// same JSON for every artist.
func TestGenresVTLAsCEL(t *testing.T) {
	base := startExample(t)
	for _, id := range []string{"1234", "5678", "9"} {
		_, _, cel := call(t, "GET", base+"/artists/"+id+"/genres", "")
		_, _, vtl := call(t, "GET", base+"/artists/"+id+"/genres-vtl", "")
		var a, b any
		if err := json.Unmarshal([]byte(cel), &a); err != nil {
			t.Fatalf("CEL: %v: %s", err, cel)
		}
		if err := json.Unmarshal([]byte(vtl), &b); err != nil {
			t.Fatalf("VTL: %v: %s", err, vtl)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("artist %s: CEL %s, VTL %s", id, cel, vtl)
		}
	}
}

func TestMusicArtistJSON(t *testing.T) {
	base := startExample(t)
	_, _, body := call(t, "GET", base+"/artists/5678", "")
	var a Artist
	if err := json.Unmarshal([]byte(body), &a); err != nil || a.Artist != "Nina Simone" {
		t.Fatalf("GET /artists/5678 = %s (%v)", body, err)
	}
}

// TestCacheStory is the seed's cache story: the gateway keeps the answer
// until its TTL ends, so a change does not show until then, unless the
// client sends Cache-Control: max-age=0.
func TestCacheStory(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	base := startExampleAt(t, clock)
	const old = `{"id":1234,"artist":"Queen","popularity":90,"genres":["Progressive rock","Pop rock","Glam rock"]}`
	const updated = `{"id":1234,"artist":"Queen","popularity":96,"genres":["Progressive rock","Pop rock","Glam rock"]}`
	steps := []struct {
		name, method, body string
		header             []string
		advance            time.Duration
		want, wantXCache   string
	}{
		{"first GET fills the cache", "GET", "", nil, 0, old, "Miss"},
		{"PUT changes the backend", "PUT", `{"popularity":96}`, nil, 0, updated, ""},
		{"GET still answers the old value", "GET", "", nil, 0, old, "Hit"},
		{"still old just before the TTL ends", "GET", "", nil, 299 * time.Second, old, "Hit"},
		{"max-age=0 fetches afresh", "GET", "", []string{"Cache-Control", "max-age=0"}, 0, updated, "Miss"},
		{"the new value is cached from then on", "GET", "", nil, 0, updated, "Hit"},
		{"after the TTL the backend answers again", "GET", "", nil, 301 * time.Second, updated, "Miss"},
	}
	for _, s := range steps {
		mu.Lock()
		now = now.Add(s.advance)
		mu.Unlock()
		status, h, body := call(t, s.method, base+"/artists/1234", s.body, s.header...)
		if status != 200 || body != s.want || h.Get("X-Cache") != s.wantXCache {
			t.Errorf("%s: %d %s (X-Cache %q), want %s (X-Cache %q)", s.name, status, body, h.Get("X-Cache"), s.want, s.wantXCache)
		}
	}
}
