package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/rs/cors"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// chiStack does the job of apigwFull with the libraries a Go developer
// would assemble instead: chi routes, rs/cors answers CORS, a map lookup
// checks the API key, httprate limits per key (at a rate that never
// rejects), jwx verifies the RS256 token on every request, jsonschema
// validates the body against the same model, and a few lines of Go reshape
// the backend's answer as the response template does.
func chiStack(env Env) (http.Handler, func(), error) {
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(UpdateSchema))
	if err != nil {
		return nil, nil, err
	}
	if err := c.AddResource("update.json", doc); err != nil {
		return nil, nil, err
	}
	schema, err := c.Compile("update.json")
	if err != nil {
		return nil, nil, err
	}
	keys := map[string]string{APIKey: "bench-client"} // value -> key id

	r := chi.NewRouter()
	r.Use(cors.New(cors.Options{
		AllowedOrigins: []string{Origin},
		AllowedMethods: []string{"GET", "POST"},
		AllowedHeaders: []string{"Authorization", "Content-Type", "X-Api-Key"},
	}).Handler)
	r.Use(jwtAuth(env.Keys))
	r.Use(apiKeyAuth(keys))
	r.Use(httprate.LimitBy(1_000_000_000, time.Second, func(r *http.Request) (string, error) {
		return r.Header.Get("X-Api-Key"), nil
	}))
	r.With(validateBody(schema)).Post("/artists/{id}", mapArtist(Backend))
	return r, noClose, nil
}

type ctxKey int

const (
	claimsKey ctxKey = iota
	apiKeyIDKey
)

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"message":"`+msg+`"}`)
}

// jwtAuth verifies the bearer token against keys and the issuer, and puts
// its claims in the request's context.
func jwtAuth(keys jwk.Set) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, err := jwt.ParseRequest(r, jwt.WithKeySet(keys), jwt.WithIssuer(Issuer), jwt.WithValidate(true))
			if err != nil {
				writeJSONError(w, http.StatusUnauthorized, "Unauthorized")
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey, tok)))
		})
	}
}

// apiKeyAuth refuses requests without a known x-api-key.
func apiKeyAuth(keys map[string]string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, ok := keys[r.Header.Get("X-Api-Key")]
			if !ok {
				writeJSONError(w, http.StatusForbidden, "Forbidden")
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), apiKeyIDKey, id)))
		})
	}
}

// validateBody refuses a body that is not JSON valid against schema, and
// hands the body on to next.
func validateBody(schema *jsonschema.Schema) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
			if err != nil {
				writeJSONError(w, http.StatusBadRequest, "Invalid request body")
				return
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
			if err != nil || schema.Validate(inst) != nil {
				writeJSONError(w, http.StatusBadRequest, "Invalid request body")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
		})
	}
}

// bufferWriter keeps a handler's answer for mapArtist.
type bufferWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) WriteHeader(code int)        { b.status = code }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }

// mapArtist calls backend and answers {"name", "popularity"} from its
// artist, as the response template of apigwFull does.
func mapArtist(backend http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		bw := &bufferWriter{header: http.Header{}, status: http.StatusOK}
		backend.ServeHTTP(bw, r)
		var in struct {
			Artist     string      `json:"artist"`
			Popularity json.Number `json:"popularity"`
		}
		if err := json.Unmarshal(bw.buf.Bytes(), &in); err != nil {
			writeJSONError(w, http.StatusBadGateway, "Internal server error")
			return
		}
		out, err := json.Marshal(struct {
			Name       string      `json:"name"`
			Popularity json.Number `json:"popularity"`
		}{in.Artist, in.Popularity})
		if err != nil {
			writeJSONError(w, http.StatusInternalServerError, "Internal server error")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(bw.status)
		_, _ = w.Write(out)
	}
}
