package authorizer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// alg is one JWS signature algorithm the JWT authorizer can verify.
type alg uint8

const (
	algRS256 alg = iota
	algRS384
	algRS512
	algPS256
	algPS384
	algPS512
	algES256
	algES384
	algES512
	algEdDSA
	algHS256
	algHS384
	algHS512
	numAlgs
)

// algSet is a set of algs, one bit each.
type algSet uint16

func (s algSet) has(a alg) bool { return s&(1<<a) != 0 }

var algNames = [numAlgs]string{
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512",
}

const (
	rsaAlgs        = algSet(1<<algRS256 | 1<<algRS384 | 1<<algRS512 | 1<<algPS256 | 1<<algPS384 | 1<<algPS512)
	hmacAlgs       = algSet(1<<algHS256 | 1<<algHS384 | 1<<algHS512)
	asymmetricAlgs = rsaAlgs | 1<<algES256 | 1<<algES384 | 1<<algES512 | 1<<algEdDSA
)

// minRSABits is the smallest RSA modulus accepted for signatures.
const minRSABits = 2048

func algByName(name string) (alg, bool) {
	for i, n := range algNames {
		if n == name {
			return alg(i), true
		}
	}
	return 0, false
}

// newVerifiers returns jwx's verifier for each alg of s.
func newVerifiers(s algSet) ([numAlgs]jws.Verifier, error) {
	var vs [numAlgs]jws.Verifier
	for a := alg(0); a < numAlgs; a++ {
		if !s.has(a) {
			continue
		}
		v, err := jws.NewVerifier(jwa.SignatureAlgorithm(algNames[a]))
		if err != nil {
			return vs, err
		}
		vs[a] = v
	}
	return vs, nil
}

// vkey is one verification key: its raw public key (or HMAC secret) and
// the algorithms it may verify, already narrowed to the allowed ones and to
// the key's own "alg" when it declares one.
type vkey struct {
	kid     string
	raw     any // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey or []byte
	algs    algSet
	rsaSize int // an RSA key's modulus in bytes: the length of its signatures
}

// sigSize is the exact length of a signature by k with a: RFC 7518 fixes
// it for every algorithm (RSA: the modulus length; ECDSA: R and S of the
// curve's size side by side; EdDSA with Ed25519: 64; HMAC: the hash size).
func (k *vkey) sigSize(a alg) int {
	switch a {
	case algES256:
		return 64
	case algES384:
		return 96
	case algES512:
		return 132
	case algEdDSA:
		return ed25519.SignatureSize
	case algHS256:
		return 32
	case algHS384:
		return 48
	case algHS512:
		return 64
	}
	return k.rsaSize
}

// keySet is an immutable set of verification keys. The JWT authorizer swaps
// whole keySets atomically; a verified-token cache entry is only used while
// the keySet that verified it is still the current one.
type keySet struct {
	all   []*vkey
	byKID map[string][]*vkey
}

// candidates returns the keys that may have signed a token with kid: those
// whose kid is exactly kid. A token without kid has none.
func (ks *keySet) candidates(kid string) []*vkey {
	if kid == "" {
		return nil
	}
	return ks.byKID[kid]
}

// buildKeySet converts a JWK set into verification keys usable with the
// allowed algorithms. Keys for encryption, of unknown types, RSA keys under
// 2048 bits, HMAC secrets (unless allowHMAC) and keys that no allowed
// algorithm fits are skipped; skipped says why, one line per key.
func buildKeySet(set jwk.Set, allowed algSet, allowHMAC bool) (ks *keySet, skipped []string) {
	ks = &keySet{byKID: make(map[string][]*vkey)}
	if set == nil {
		return ks, nil
	}
	for i := 0; i < set.Len(); i++ {
		key, ok := set.Key(i)
		if !ok {
			continue
		}
		k, why := convertKey(key, allowed, allowHMAC)
		if k != nil && k.kid == "" {
			k, why = nil, "no kid: no token can name it"
		}
		if k == nil {
			skipped = append(skipped, fmt.Sprintf("key %d (kid %q): %s", i, key.KeyID(), why))
			continue
		}
		ks.all = append(ks.all, k)
		ks.byKID[k.kid] = append(ks.byKID[k.kid], k)
	}
	return ks, skipped
}

func convertKey(key jwk.Key, allowed algSet, allowHMAC bool) (*vkey, string) {
	if u := key.KeyUsage(); u != "" && u != string(jwk.ForSignature) {
		return nil, fmt.Sprintf("use %q is not sig", u)
	}
	var algs algSet
	var raw any
	rsaSize := 0
	switch key.KeyType() {
	case jwa.RSA, jwa.EC, jwa.OKP:
		pub, err := jwk.PublicRawKeyOf(key)
		if err != nil {
			return nil, err.Error()
		}
		switch pub := pub.(type) {
		case *rsa.PublicKey:
			if pub.N == nil || pub.N.BitLen() < minRSABits {
				return nil, fmt.Sprintf("RSA key under %d bits", minRSABits)
			}
			algs = rsaAlgs
			rsaSize = pub.Size()
		case *ecdsa.PublicKey:
			if pub.Curve == nil {
				return nil, "EC key without curve"
			}
			switch pub.Curve.Params().Name {
			case "P-256":
				algs = 1 << algES256
			case "P-384":
				algs = 1 << algES384
			case "P-521":
				algs = 1 << algES512
			default:
				return nil, "unsupported curve " + pub.Curve.Params().Name
			}
		case ed25519.PublicKey:
			algs = 1 << algEdDSA
		default:
			return nil, fmt.Sprintf("unsupported key %T", pub)
		}
		raw = pub
	case jwa.OctetSeq:
		if !allowHMAC {
			return nil, "symmetric keys are only accepted in a static key set"
		}
		var secret []byte
		if err := key.Raw(&secret); err != nil {
			return nil, err.Error()
		}
		// RFC 7518 3.2: a key at least as long as the hash output.
		if len(secret) >= 32 {
			algs |= 1 << algHS256
		}
		if len(secret) >= 48 {
			algs |= 1 << algHS384
		}
		if len(secret) >= 64 {
			algs |= 1 << algHS512
		}
		raw = bytes.Clone(secret)
	default:
		return nil, fmt.Sprintf("unsupported key type %q", key.KeyType())
	}
	if ka := key.Algorithm().String(); ka != "" {
		a, ok := algByName(ka)
		if !ok {
			return nil, fmt.Sprintf("unsupported alg %q", ka)
		}
		algs &= 1 << a
	}
	algs &= allowed
	if algs == 0 {
		return nil, "no allowed algorithm fits the key"
	}
	return &vkey{kid: key.KeyID(), raw: raw, algs: algs, rsaSize: rsaSize}, ""
}

// sameKeys reports whether a and b hold the same keys in the same order, so
// that a JWKS refresh that changed nothing keeps the current keySet (and the
// verified tokens cached against it).
func sameKeys(a, b *keySet) bool {
	if a == nil || b == nil || len(a.all) != len(b.all) {
		return false
	}
	for i, x := range a.all {
		y := b.all[i]
		if x.kid != y.kid || x.algs != y.algs || !rawEqual(x.raw, y.raw) {
			return false
		}
	}
	return true
}

func rawEqual(x, y any) bool {
	switch x := x.(type) {
	case *rsa.PublicKey:
		return x.Equal(y)
	case *ecdsa.PublicKey:
		return x.Equal(y)
	case ed25519.PublicKey:
		return x.Equal(y)
	case []byte:
		yb, ok := y.([]byte)
		return ok && bytes.Equal(x, yb)
	}
	return false
}
