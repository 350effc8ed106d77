package usageplan

import (
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"slices"
	"time"
)

// KeySource is where a method that requires an API key finds it, AWS's
// apiKeySource.
type KeySource string

// The API key sources.
const (
	// FromHeader reads the x-api-key request header (the default).
	FromHeader KeySource = "HEADER"
	// FromAuthorizer reads the usage identifier key the method's authorizer
	// returned ($context.authorizer's usageIdentifierKey, filled by package
	// authorizer into apigw.Context.Authorizer.UsageIdentifierKey).
	FromAuthorizer KeySource = "AUTHORIZER"
)

// HeaderName is the header a key is read from with [FromHeader], in
// canonical form.
const HeaderName = "X-Api-Key"

// Lengths of API key values.
const (
	// GeneratedKeyLen is the length of the values [Registry.AddKey]
	// generates: 40 characters of A-Z a-z 0-9, as AWS's, about 238 bits.
	GeneratedKeyLen = 40
	// MinKeyLen and MaxKeyLen bound imported values, as AWS does.
	MinKeyLen = 20
	MaxKeyLen = 128
)

// APIKey is an API key, AWS's ApiKey.
type APIKey struct {
	// ID identifies the key in plans and usage reports; it is not secret.
	// Empty in [Registry.AddKey]: a random 10-character ID.
	ID string
	// Name is a label for people.
	Name string
	// Description is free text.
	Description string
	// Value is the secret the client sends. Empty in [Registry.AddKey]: a
	// random value of [GeneratedKeyLen] characters from crypto/rand. An
	// imported value has [MinKeyLen] to [MaxKeyLen] characters of
	// A-Z a-z 0-9, and, unless Config.StrictKeyValues is set, '-' and '_'
	// too (AWS accepts only alphanumerics; apigw also takes the readable
	// demo-basic-key-000000000001 style).
	Value string
	// Disabled refuses the key with 403 Forbidden: AWS's enabled flag,
	// inverted so that the zero value is a working key.
	Disabled bool
	// CreatedAt is when the key was added; zero in [Registry.AddKey]: now.
	CreatedAt time.Time
}

// validateValue checks an imported key value.
func validateValue(v string, strict bool) error {
	if len(v) < MinKeyLen || len(v) > MaxKeyLen {
		return fmt.Errorf("Value: %d characters, want %d to %d", len(v), MinKeyLen, MaxKeyLen)
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		if isAlnum(b) || !strict && (b == '-' || b == '_') {
			continue
		}
		if strict {
			return fmt.Errorf("Value: character %d is not A-Z a-z 0-9 (StrictKeyValues)", i)
		}
		return fmt.Errorf("Value: character %d is not A-Z a-z 0-9 - _", i)
	}
	return nil
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns n characters drawn uniformly from alphabet (at most
// 256 characters) with crypto/rand.
func randomString(n int, alphabet string) string {
	out := make([]byte, 0, n)
	// Reject bytes at or above the largest multiple of len(alphabet), so
	// every character is equally likely.
	limit := 256 - 256%len(alphabet)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		_, _ = rand.Read(buf) // never fails since Go 1.24
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// GenerateKeyValue returns a new random key value: [GeneratedKeyLen]
// characters of A-Z a-z 0-9 from crypto/rand.
func GenerateKeyValue() string { return randomString(GeneratedKeyLen, alnum) }

// generateID returns a random ID like AWS's: 10 characters of a-z 0-9.
func generateID() string { return randomString(10, "abcdefghijklmnopqrstuvwxyz0123456789") }

// equalValue compares a presented key value with a stored one in time that
// depends only on their lengths.
func equalValue(stored, presented string) bool {
	return subtle.ConstantTimeCompare([]byte(stored), []byte(presented)) == 1
}

func sortedKeys[M ~map[K]V, K cmp.Ordered, V any](m M) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
