// Command music is the seed's music API behind apigw: an in-memory backend
// of artists, served through the gateway's pipeline.
//
//	go run ./examples/music
//	curl localhost:8080/artists/1234
//	curl localhost:8080/artists/1234/genres                       # {"genre":[...]}, by a response template
//	curl localhost:8080/artists/1234/genres-vtl                   # the same, by the template in VTL
//	curl -X PUT -d '{"popularity":95}' localhost:8080/artists/1234
//	curl localhost:8080/artists/1234                              # still 90: cached for 300 s
//	curl -H 'Cache-Control: max-age=0' localhost:8080/artists/1234 # 95, and cached from now on
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/serve"
	"github.com/apigw/apigw/mapping"
)

// Artist is one record of the backend.
type Artist struct {
	ID         int      `json:"id"`
	Artist     string   `json:"artist"`
	Popularity int      `json:"popularity"`
	Genres     []string `json:"genres"`
}

// store is the backend's in-memory database.
type store struct {
	mu      sync.Mutex
	artists map[int]Artist
}

func newStore() *store {
	return &store{artists: map[int]Artist{
		1234: {ID: 1234, Artist: "Queen", Popularity: 90, Genres: []string{"Progressive rock", "Pop rock", "Glam rock"}},
		5678: {ID: 5678, Artist: "Nina Simone", Popularity: 85, Genres: []string{"Jazz", "Soul", "Blues"}},
	}}
}

// backend is the user's existing service, unaware of the gateway.
func backend(s *store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /artists/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		s.mu.Lock()
		a, ok := s.artists[id]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "artist not found"})
			return
		}
		writeJSON(w, http.StatusOK, a)
	})
	mux.HandleFunc("PUT /artists/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		var patch struct {
			Artist     *string  `json:"artist"`
			Popularity *int     `json:"popularity"`
			Genres     []string `json:"genres"`
		}
		if err := json.NewDecoder(r.Body).Decode(&patch); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "invalid artist"})
			return
		}
		s.mu.Lock()
		a, ok := s.artists[id]
		if ok {
			if patch.Artist != nil {
				a.Artist = *patch.Artist
			}
			if patch.Popularity != nil {
				a.Popularity = *patch.Popularity
			}
			if patch.Genres != nil {
				a.Genres = patch.Genres
			}
			s.artists[id] = a
		}
		s.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "artist not found"})
			return
		}
		writeJSON(w, http.StatusOK, a)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// artistUpdate is the model a PUT body must satisfy.
const artistUpdate = `{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "ArtistUpdate",
  "type": "object",
  "properties": {
    "artist": {"type": "string", "minLength": 1},
    "popularity": {"type": "integer", "minimum": 0, "maximum": 100},
    "genres": {"type": "array", "items": {"type": "string"}}
  },
  "additionalProperties": false,
  "minProperties": 1
}`

// The response templates of GET /artists/{id}/genres, in CEL.
var (
	genres   = mapping.MustCompile(`{"genre": input.json.genres}`, mapping.WithName("genres"))
	notFound = mapping.MustCompile(`{"message": input.json.message}`, mapping.WithName("genres not found"))
)

// The same templates in VTL, as AWS users write them, for
// GET /artists/{id}/genres-vtl: a template pasted from an API on AWS runs
// unchanged. (The empty line after #if...#end keeps one genre per line:
// #end eats the newline that follows it.)
var (
	genresVTL = mapping.MustCompileVTL(`#set($inputRoot = $input.path('$'))
{
  "genre": [
#foreach($g in $inputRoot.genres)
    "$util.escapeJavaScript($g)"#if($foreach.hasNext),#end

#end
  ]
}
`, mapping.WithName("genres (VTL)"))
	notFoundVTL = mapping.MustCompileVTL(`{"message": "$util.escapeJavaScript($input.path('$.message'))"}`,
		mapping.WithName("genres not found (VTL)"))
)

// newGateway puts the backend behind the gateway. GET /artists/{id} is
// cached for 300 s, one entry per id; in this example anyone may send
// Cache-Control: max-age=0 to fetch afresh (AWS requires a permission by
// default: see cache.Config.CanInvalidate).
func newGateway(s *store, logger *slog.Logger, now func() time.Time, extra ...gateway.Option) (*gateway.Gateway, error) {
	be := backend(s)
	if now == nil {
		now = time.Now
	}
	return gateway.New(append([]gateway.Option{
		gateway.WithAccessLog(logger),
		gateway.WithClock(now),
		gateway.WithCache(cache.Config{TTL: 300 * time.Second, AnyoneMayInvalidate: true, XCache: true}),
		gateway.WithModel("ArtistUpdate", artistUpdate),
		gateway.Route("GET /artists/{id}", gateway.Method{
			Integration: gateway.Handler(be),
			Cache:       &gateway.CacheSettings{KeyParameters: []string{"method.request.path.id"}},
		}),
		// The seed's genres: the artist resource reshaped by a response
		// template, a non-proxy integration.
		gateway.Route("GET /artists/{id}/genres", gateway.Method{
			Integration: gateway.Handler(be, gateway.Path("/artists/{id}")),
			Cache:       &gateway.CacheSettings{KeyParameters: []string{"method.request.path.id"}},
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{
				{StatusCode: 200, Templates: map[string]*mapping.Template{"application/json": genres}},
				{SelectionPattern: "404", StatusCode: 404, Templates: map[string]*mapping.Template{"application/json": notFound}},
			}},
		}),
		// The same resource shaped by the VTL templates.
		gateway.Route("GET /artists/{id}/genres-vtl", gateway.Method{
			Integration: gateway.Handler(be, gateway.Path("/artists/{id}")),
			Cache:       &gateway.CacheSettings{KeyParameters: []string{"method.request.path.id"}},
			Response: mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{
				{StatusCode: 200, Templates: map[string]*mapping.Template{"application/json": genresVTL}},
				{SelectionPattern: "404", StatusCode: 404, Templates: map[string]*mapping.Template{"application/json": notFoundVTL}},
			}},
		}),
		gateway.Route("PUT /artists/{id}", gateway.Method{
			Integration:   gateway.Handler(be),
			RequestModels: map[string]string{"application/json": "ArtistUpdate"},
		}),
	}, extra...)...)
}

// run serves the example on addr until ctx ends, and adm's metrics and
// console beside it (adm may be nil); ready, if not nil, receives the
// address it listens on.
func run(ctx context.Context, adm *admin.Admin, addr string, logger *slog.Logger, now func() time.Time, ready chan<- string) error {
	gw, err := newGateway(newStore(), logger, now, adm.Gateway()...)
	if err != nil {
		return err
	}
	adm.Watch(gw)
	return adm.Run(ctx, func(ctx context.Context) error { return serve.ListenAndServe(ctx, addr, gw, ready) })
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	adminAddr := flag.String("admin-addr", "", admin.Usage)
	flag.Parse()
	ctx, stop := serve.SignalContext()
	defer stop()
	adm, err := admin.New(ctx, *adminAddr, nil)
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ready := make(chan string, 1)
	go func() {
		a := <-ready
		logger.Info("music API listening", "url", "http://"+a+"/artists/1234")
	}()
	if err := run(ctx, adm, *addr, logger, nil, ready); err != nil {
		log.Fatal(err)
	}
}
