// Package issuer is a minimal OAuth token issuer for the examples, standing
// in for Cognito or any OpenID provider: an RSA key made at start, published
// as a JSON Web Key Set, and RS256 access tokens for the scopes asked.
package issuer

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// TokenTTL is how long an issued access token is valid.
const TokenTTL = 5 * time.Minute

// Issuer signs access tokens and publishes its key.
type Issuer struct {
	url  string  // iss of the tokens
	key  jwk.Key // private signing key, with kid and alg
	jwks jwk.Set // the public key, as published
}

// New makes an issuer whose tokens name url as their iss.
func New(url string) (*Issuer, error) {
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	key, err := jwk.FromRaw(raw)
	if err != nil {
		return nil, err
	}
	if err := jwk.AssignKeyID(key); err != nil { // kid: the key's thumbprint
		return nil, err
	}
	if err := key.Set(jwk.AlgorithmKey, jwa.RS256); err != nil {
		return nil, err
	}
	pub, err := key.PublicKey()
	if err != nil {
		return nil, err
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		return nil, err
	}
	return &Issuer{url: url, key: key, jwks: set}, nil
}

// Register adds GET /.well-known/jwks.json and POST /token to mux.
func (is *Issuer) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /.well-known/jwks.json", is.serveJWKS)
	mux.HandleFunc("POST /token", is.serveToken)
}

// serveJWKS answers GET /.well-known/jwks.json.
func (is *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, is.jwks)
}

// serveToken answers POST /token: an access token for the form's scope
// (space-separated scopes), username and, optionally, audience.
func (is *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	user := r.PostForm.Get("username")
	if user == "" {
		user = "alice"
	}
	now := time.Now()
	b := jwt.NewBuilder().Issuer(is.url).Subject(user).IssuedAt(now).Expiration(now.Add(TokenTTL))
	if scope := r.PostForm.Get("scope"); scope != "" {
		b = b.Claim("scope", scope)
	}
	if aud := r.PostForm.Get("audience"); aud != "" {
		b = b.Audience([]string{aud})
	}
	tok, err := b.Build()
	var signed []byte
	if err == nil {
		signed, err = jwt.Sign(tok, jwt.WithKey(jwa.RS256, is.key))
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": string(signed),
		"token_type":   "Bearer",
		"expires_in":   int(TokenTTL.Seconds()),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
