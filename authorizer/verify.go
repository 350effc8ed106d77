package authorizer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"hash/maphash"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/apigw/apigw"
)

// failure is why a JWT was refused; the description is a fixed string,
// never text from the token.
type failure struct {
	status int    // 401, or 500 when no key could ever be fetched
	desc   string // error_description of the challenge; "" for a missing token
}

var (
	failMissing      = &failure{401, ""}
	failMultiple     = &failure{401, "more than one token"}
	failTooLarge     = &failure{401, "the token is too large"}
	failMalformed    = &failure{401, "the token is malformed"}
	failAlg          = &failure{401, "the signing algorithm is not accepted"}
	failCrit         = &failure{401, "the token has unsupported critical headers"}
	failNoKID        = &failure{401, "the token names no signing key (kid)"}
	failUnknownKey   = &failure{401, "the signing key is unknown"}
	failKeyAlg       = &failure{401, "the signing algorithm does not match the key"}
	failSignature    = &failure{401, "the signature is invalid"}
	failExpired      = &failure{401, "the token has expired"}
	failNoExp        = &failure{401, "the token has no valid exp claim"}
	failNotYet       = &failure{401, "the token is not valid yet"}
	failIssuedFuture = &failure{401, "the token was issued in the future"}
	failIssuer       = &failure{401, "the token's issuer is not accepted"}
	failAudience     = &failure{401, "the token's audience is not accepted"}
	failTokenUse     = &failure{401, "the token's token_use is not accepted"}
	failClaimType    = &failure{401, "a claim has the wrong type"}
	failNoKeys       = &failure{500, ""}
)

// apigwError turns f into the refusal rendered to the client.
func (f *failure) apigwError(scopes []string) *apigw.Error {
	if f.status == http.StatusInternalServerError {
		return &apigw.Error{Type: apigw.AuthorizerFailure, NullMessage: true,
			Err: errNoKeys}
	}
	e := &apigw.Error{Type: apigw.Unauthorized, Header: http.Header{}}
	code := ""
	if f.desc != "" {
		code = "invalid_token"
		e.Err = jwtError(f.desc)
	} else {
		e.Err = jwtError("no token")
	}
	e.Header.Set("WWW-Authenticate", challenge(scopes, code, f.desc))
	return e
}

type jwtError string

func (e jwtError) Error() string { return "authorizer: JWT refused: " + string(e) }

var errNoKeys = jwtError("no JWKS could be fetched from the issuer")

// insufficientScope is the 403 {"message":"Forbidden"} AWS documents for a
// valid token that carries none of the method's scopes, an ACCESS_DENIED
// response with an RFC 6750 insufficient_scope challenge.
func insufficientScope(scopes []string) *apigw.Error {
	e := &apigw.Error{Type: apigw.AccessDenied, Message: "Forbidden", Header: http.Header{},
		Err: jwtError("the token has none of the required scopes")}
	e.Header.Set("WWW-Authenticate", challenge(scopes, "insufficient_scope",
		"the token has none of the required scopes"))
	return e
}

// challenge renders an RFC 6750 Bearer challenge as AWS's JWT authorizer
// sends it: Bearer scope="a b" error="invalid_token" error_description="...".
// Scope characters that cannot appear in a quoted string are dropped.
func challenge(scopes []string, code, desc string) string {
	var b strings.Builder
	b.WriteString(`Bearer scope="`)
	for i, s := range scopes {
		if i > 0 {
			b.WriteByte(' ')
		}
		for j := 0; j < len(s); j++ {
			if isScopeChar(s[j]) {
				b.WriteByte(s[j])
			}
		}
	}
	b.WriteByte('"')
	if code != "" {
		b.WriteString(` error="` + code + `" error_description="` + desc + `"`)
	}
	return b.String()
}

// verified is a token that passed every check, as kept in the token cache.
type verified struct {
	token   string
	ks      *keySet
	exp     int64 // unix ns; the entry dies then
	nbf     int64 // unix ns; math.MinInt64 without nbf
	subject string
	claims  map[string]any
	scopes  []string
}

// hasAnyScope reports whether have holds one of want.
func hasAnyScope(have, want []string) bool {
	for _, w := range want {
		for _, s := range have {
			if s == w {
				return true
			}
		}
	}
	return false
}

// verify returns the verified token tok: from the token cache when the
// same token was verified with the current key set and has not expired,
// else by full verification.
func (a *JWTAuthorizer) verify(ctx context.Context, tok string) (*verified, *failure) {
	now := a.now()
	nowNS := now.UnixNano()
	var h uint64
	if a.tokens != nil {
		h = maphash.String(a.seed, tok)
		if v, ok := a.tokens.get(h, nowNS); ok && v.token == tok && v.ks == a.keys.Load() &&
			nowNS+int64(a.leeway) >= v.nbf {
			return v, nil
		}
	}
	v, f := a.verifySlow(ctx, tok, now)
	if f != nil {
		return nil, f
	}
	if a.tokens != nil && nowNS < v.exp {
		a.tokens.put(h, v, v.exp)
	}
	return v, nil
}

// jwsHeader is the part of a JOSE header the authorizer reads.
type jwsHeader struct {
	alg, kid string
	crit     bool // crit or b64 present: extensions the authorizer does not implement
}

// parseHeader reads a JOSE header. Header parameter names are
// case-sensitive (RFC 7515 4): {"Alg":…,"Kid":…} has no alg and no kid,
// although encoding/json would match those names to struct fields. alg and
// kid, when present, must be strings.
func parseHeader(b []byte) (jwsHeader, bool) {
	m, ok := decodeObject[any](b)
	if !ok {
		return jwsHeader{}, false
	}
	var h jwsHeader
	if v, present := m["alg"]; present {
		if h.alg, ok = v.(string); !ok {
			return jwsHeader{}, false
		}
	}
	if v, present := m["kid"]; present {
		if h.kid, ok = v.(string); !ok {
			return jwsHeader{}, false
		}
	}
	_, crit := m["crit"]
	_, b64 := m["b64"]
	h.crit = crit || b64
	return h, true
}

var b64 = base64.RawURLEncoding.Strict()

// verifySlow parses a compact JWS, picks the key, checks the signature and
// then the claims.
func (a *JWTAuthorizer) verifySlow(ctx context.Context, tok string, now time.Time) (*verified, *failure) {
	dot1, dot2, ok := splitCompact(tok)
	if !ok {
		return nil, failMalformed
	}
	hdrBytes, err := b64.DecodeString(tok[:dot1])
	if err != nil {
		return nil, failMalformed
	}
	hdr, ok := parseHeader(hdrBytes)
	if !ok {
		return nil, failMalformed
	}
	al, ok := algByName(hdr.alg)
	if !ok || !a.allowed.has(al) {
		return nil, failAlg
	}
	if hdr.crit {
		return nil, failCrit
	}
	// AWS requires the kid to name a key of the JWKS; a token without
	// one is never tried against whatever key happens to be alone.
	if hdr.kid == "" {
		return nil, failNoKID
	}
	sig, err := b64.DecodeString(tok[dot2+1:])
	if err != nil || len(sig) == 0 {
		return nil, failMalformed
	}

	// The entry is cached against the key set the key came from: if a
	// newer set replaced it meanwhile, the entry is never used.
	keys, ks, f := a.keysFor(ctx, hdr.kid)
	if f != nil {
		return nil, f
	}
	// A signature whose length no key of the algorithm can produce (a
	// truncated or padded one) is malformed, whatever its bytes: the answer
	// must not depend on whether a cut happened to leave canonical base64.
	input := []byte(tok[:dot2]) // the signing input: header.payload
	matched, sized, verifiedSig := false, false, false
	for _, k := range keys {
		if !k.algs.has(al) {
			continue
		}
		matched = true
		if len(sig) != k.sigSize(al) {
			continue
		}
		sized = true
		if a.verifiers[al].Verify(input, sig, k.raw) == nil {
			verifiedSig = true
			break
		}
	}
	switch {
	case !matched:
		return nil, failKeyAlg
	case !sized:
		return nil, failMalformed
	case !verifiedSig:
		return nil, failSignature
	}

	payload, err := b64.DecodeString(tok[dot1+1 : dot2])
	if err != nil {
		return nil, failMalformed
	}
	claims, ok := decodeClaims(payload)
	if !ok {
		return nil, failMalformed
	}
	v, f := a.checkClaims(claims, now)
	if f != nil {
		return nil, f
	}
	v.token, v.ks = tok, ks
	return v, nil
}

// keysFor returns the held keys that may have signed a token with kid, and
// the key set they belong to, fetching the JWKS first when none was ever
// fetched, and refetching it (at most once per RefetchInterval) when kid is
// unknown.
func (a *JWTAuthorizer) keysFor(ctx context.Context, kid string) ([]*vkey, *keySet, *failure) {
	ks := a.keys.Load()
	if ks == nil {
		if a.remote == nil {
			return nil, nil, failNoKeys
		}
		_ = a.remote.fetch(ctx, fetchInitial, min(a.refetch, initialRetry))
		if ks = a.keys.Load(); ks == nil {
			return nil, nil, failNoKeys
		}
	}
	if keys := ks.candidates(kid); len(keys) > 0 {
		return keys, ks, nil
	}
	if a.remote == nil {
		return nil, nil, failUnknownKey
	}
	_ = a.remote.fetch(ctx, fetchUnknownKID, a.refetch)
	ks = a.keys.Load()
	if keys := ks.candidates(kid); len(keys) > 0 {
		return keys, ks, nil
	}
	return nil, nil, failUnknownKey
}

// splitCompact checks that tok is a compact JWS, three non-empty base64url
// segments joined by dots, and returns the positions of the two dots. It
// refuses whitespace, commas and a fourth segment, so a header holding two
// tokens never parses.
func splitCompact(tok string) (dot1, dot2 int, ok bool) {
	dot1, dot2 = -1, -1
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		case c == '.':
			switch {
			case dot1 < 0:
				dot1 = i
			case dot2 < 0:
				dot2 = i
			default:
				return 0, 0, false
			}
		default:
			return 0, 0, false
		}
	}
	if dot1 <= 0 || dot2 <= dot1+1 || dot2 == len(tok)-1 {
		return 0, 0, false
	}
	return dot1, dot2, true
}

// decodeClaims parses a JWT payload: exactly one JSON object, numbers kept
// as json.Number.
func decodeClaims(payload []byte) (map[string]any, bool) {
	return decodeObject[any](payload)
}

// decodeObject parses b as exactly one JSON object (whitespace aside) and
// returns its members by their exact names, numbers as json.Number. An
// object that names a member twice is refused (RFC 7515 4 and RFC 7519 4
// allow refusing it): a parser that keeps the first of two "aud" or "alg"
// members, as some do, must never read a token differently from this one.
func decodeObject[V any](b []byte) (map[string]V, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]V
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	if len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) > 0 { // trailing data, JSON or not
		return nil, false
	}
	if topLevelMembers(b) != len(m) { // a name given twice
		return nil, false
	}
	return m, true
}

// topLevelMembers counts the members of the JSON object b, which must be
// valid JSON (decodeObject decoded it first): the commas outside strings
// at depth 1, plus one unless the object is empty.
func topLevelMembers(b []byte) int {
	commas, depth, inString, empty := 0, 0, false, true
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			if depth == 1 {
				empty = false // a member name
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 1 {
				commas++
			}
		}
	}
	if empty {
		return 0
	}
	return commas + 1
}

// checkClaims checks exp, nbf, iat, iss, aud/client_id and token_use at now
// and collects sub and the scopes.
func (a *JWTAuthorizer) checkClaims(claims map[string]any, now time.Time) (*verified, *failure) {
	nowSec := float64(now.Unix()) + float64(now.Nanosecond())/1e9
	leeway := a.leeway.Seconds()

	exp, ok, bad := numericDate(claims, "exp")
	if bad || !ok {
		return nil, failNoExp
	}
	if nowSec >= exp+leeway {
		return nil, failExpired
	}
	nbf, hasNBF, bad := numericDate(claims, "nbf")
	if bad {
		return nil, failClaimType
	}
	if hasNBF && nowSec+leeway < nbf {
		return nil, failNotYet
	}
	iat, hasIAT, bad := numericDate(claims, "iat")
	if bad {
		return nil, failClaimType
	}
	if hasIAT && iat > nowSec+leeway {
		return nil, failIssuedFuture
	}
	if iss, _ := claims["iss"].(string); iss != a.issuer {
		return nil, failIssuer
	}
	if len(a.audience) > 0 && !a.audienceOK(claims) {
		return nil, failAudience
	}
	if a.tokenUse != "" {
		if tu, _ := claims["token_use"].(string); tu != a.tokenUse {
			return nil, failTokenUse
		}
	}
	v := &verified{claims: claims, exp: secondsToNS(exp), nbf: math.MinInt64}
	if hasNBF {
		v.nbf = secondsToNS(nbf)
	}
	if sub, ok := claims["sub"]; ok {
		s, isString := sub.(string)
		if !isString {
			return nil, failClaimType
		}
		v.subject = s
	}
	v.scopes = appendScopes(appendScopes(nil, claims["scope"]), claims["scp"])
	return v, nil
}

// audienceOK applies AWS's rule: a token with an aud claim (a string or a
// list of strings) is accepted when aud names one of the configured
// audiences, whatever its client_id says; client_id is read only when aud
// is absent (Cognito access tokens). An aud of another type, null or an
// empty list is present and names nobody.
func (a *JWTAuthorizer) audienceOK(claims map[string]any) bool {
	if aud, present := claims["aud"]; present {
		switch aud := aud.(type) {
		case string:
			return a.isAudience(aud)
		case []any:
			for _, x := range aud {
				if s, ok := x.(string); ok && a.isAudience(s) {
					return true
				}
			}
		}
		return false
	}
	cid, ok := claims["client_id"].(string)
	return ok && a.isAudience(cid)
}

func (a *JWTAuthorizer) isAudience(s string) bool {
	for _, x := range a.audience {
		if x == s {
			return true
		}
	}
	return false
}

// appendScopes adds the scopes of a scope or scp claim: a space-separated
// string or a list of strings (other elements are ignored).
func appendScopes(dst []string, v any) []string {
	switch v := v.(type) {
	case string:
		dst = append(dst, strings.Fields(v)...)
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok && s != "" {
				dst = append(dst, s)
			}
		}
	}
	return dst
}

// numericDate reads a NumericDate claim in seconds; bad is set when it is
// present but not a finite number.
func numericDate(claims map[string]any, name string) (sec float64, ok, bad bool) {
	v, present := claims[name]
	if !present {
		return 0, false, false
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return 0, false, true
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false, true
	}
	return f, true, false
}

func secondsToNS(sec float64) int64 {
	ns := sec * 1e9
	switch {
	case ns >= math.MaxInt64:
		return math.MaxInt64
	case ns <= math.MinInt64:
		return math.MinInt64
	}
	return int64(ns)
}
