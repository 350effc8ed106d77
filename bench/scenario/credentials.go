package scenario

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Credentials are a fresh RSA-2048 key pair and a token signed with it. The
// load generator sends the token; the servers get the public set (through
// a JWKS file, WriteJWKS / ReadJWKS).
type Credentials struct {
	Public jwk.Set
	Token  string
}

// NewCredentials makes a key pair and signs an RS256 token for Issuer,
// valid for a day.
func NewCredentials() (*Credentials, error) {
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	priv, err := jwk.FromRaw(raw)
	if err != nil {
		return nil, err
	}
	if err := priv.Set(jwk.KeyIDKey, "bench"); err != nil {
		return nil, err
	}
	if err := priv.Set(jwk.AlgorithmKey, jwa.RS256); err != nil {
		return nil, err
	}
	pub, err := priv.PublicKey()
	if err != nil {
		return nil, err
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		return nil, err
	}
	now := time.Now()
	tok, err := jwt.NewBuilder().Issuer(Issuer).Subject("bench-user").IssuedAt(now).
		Expiration(now.Add(tokenLifetime)).Claim("scope", "artists/write").Build()
	if err != nil {
		return nil, err
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv))
	if err != nil {
		return nil, err
	}
	return &Credentials{Public: set, Token: string(signed)}, nil
}

// WriteJWKS writes c's public key set to path.
func (c *Credentials) WriteJWKS(path string) error {
	b, err := json.Marshal(c.Public)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// ReadJWKS reads a public key set written by WriteJWKS.
func ReadJWKS(path string) (jwk.Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	set, err := jwk.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return set, nil
}
