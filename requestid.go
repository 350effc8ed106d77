package apigw

import (
	"encoding/base64"
	"math/rand/v2"
)

// requestIDsLen is the length of a request id (36 bytes) and an extended
// request id (16 bytes) written one after the other.
const requestIDsLen = 36 + 16

// newRequestIDs returns a request id in the UUID form REST APIs use and an
// extended request id in AWS's 16-character base64 form (an HTTP API's
// request id), cut from one allocation.
func newRequestIDs() (requestID, extendedID string) {
	var buf [requestIDsLen]byte
	writeRequestIDs(&buf)
	s := string(buf[:])
	return s[:36], s[36:]
}

// writeRequestIDs writes a fresh request id in the UUID form AWS uses
// (buf[:36]) and an extended request id in AWS's base64 form (buf[36:]).
// Request ids need to be unique, not secret: the runtime's
// per-thread ChaCha8 generator is enough and takes no lock.
func writeRequestIDs(buf *[requestIDsLen]byte) {
	var raw [16]byte
	for i := 0; i < 16; i += 8 {
		v := rand.Uint64()
		for j := range 8 {
			raw[i+j] = byte(v >> (8 * j))
		}
	}
	raw[6] = raw[6]&0x0f | 0x40 // version 4
	raw[8] = raw[8]&0x3f | 0x80 // RFC 4122 variant
	n := 0
	for i := range 16 {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf[n] = '-'
			n++
		}
		h := hexPairs[raw[i]]
		buf[n], buf[n+1] = byte(h>>8), byte(h)
		n += 2
	}
	// The extended id is another view of the same random bytes: it names
	// the same request, as AWS's does. It has AWS's form, 11 bytes of
	// URL-safe base64 ("LV7fzho-PHcEJPw="), which is also an HTTP API's
	// request id.
	base64.URLEncoding.Encode(buf[36:], raw[5:16])
}

// hexPairs holds the two lower-case hex digits of every byte.
var hexPairs = func() (t [256]uint16) {
	const digits = "0123456789abcdef"
	for i := range t {
		t[i] = uint16(digits[i>>4])<<8 | uint16(digits[i&0x0f])
	}
	return t
}()
