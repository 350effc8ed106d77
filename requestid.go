package apigw

import (
	"encoding/base64"
	"math/rand/v2"
)

// newRequestIDs returns a request id in the UUID form AWS uses and an
// extended request id in AWS's 16-character base64 form, cut from one
// allocation. Request ids need to be unique, not secret: the runtime's
// per-thread ChaCha8 generator is enough and takes no lock.
func newRequestIDs() (requestID, extendedID string) {
	const hexDigits = "0123456789abcdef"
	var raw [24]byte
	for i := 0; i < 24; i += 8 {
		v := rand.Uint64()
		for j := range 8 {
			raw[i+j] = byte(v >> (8 * j))
		}
	}
	raw[6] = raw[6]&0x0f | 0x40 // version 4
	raw[8] = raw[8]&0x3f | 0x80 // RFC 4122 variant
	var buf [36 + 16]byte
	n := 0
	for i := range 16 {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf[n] = '-'
			n++
		}
		buf[n], buf[n+1] = hexDigits[raw[i]>>4], hexDigits[raw[i]&0x0f]
		n += 2
	}
	base64.StdEncoding.Encode(buf[36:], raw[12:24])
	s := string(buf[:])
	return s[:36], s[36:]
}
