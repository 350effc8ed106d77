package mapping

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/apigw/apigw"
)

// ContentHandling is AWS's contentHandling of an integration request
// ([RequestConfig]) or integration response ([IntegrationResponse]): how a
// payload is converted between text and binary. The zero value passes the
// payload through, except that, on the way back, an API with binary media
// types turns text into binary for a client that accepts a binary type and
// binary into text for one that does not (AWS's table; see
// [BinaryMediaTypes]).
type ContentHandling string

// AWS's content handlings.
const (
	// ConvertToBinary takes a text payload for base64 and decodes it; a
	// binary payload stays as it is. A payload that is not base64 is a 500
	// (API_CONFIGURATION_ERROR).
	ConvertToBinary ContentHandling = "CONVERT_TO_BINARY"
	// ConvertToText encodes a binary payload in base64; a text payload
	// stays as it is.
	ConvertToText ContentHandling = "CONVERT_TO_TEXT"
)

func (h ContentHandling) check() error {
	switch h {
	case "", ConvertToBinary, ConvertToText:
		return nil
	}
	return fmt.Errorf("ContentHandling %q: want CONVERT_TO_BINARY, CONVERT_TO_TEXT or none", string(h))
}

// BinaryMediaTypes is an API's binaryMediaTypes: the media types whose
// payloads are binary. A request is binary when its Content-Type matches;
// a client wants binary when the first media type of its Accept header
// matches (AWS honours the first only); an integration's answer is binary
// when its Content-Type matches. An entry is type/subtype, where either
// may be *: "image/png", "image/*", "*/*". Matching ignores case and
// parameters. Without binary media types every payload is text (AWS's
// "Undefined" rows), and passes through unless a ContentHandling says
// otherwise.
type BinaryMediaTypes []string

// Validate reports the entries that are not media types.
func (b BinaryMediaTypes) Validate() error {
	for _, t := range b {
		typ, sub, ok := strings.Cut(t, "/")
		if !ok || !mediaToken(typ) || !mediaToken(sub) || strings.ContainsAny(t, "; ") {
			return fmt.Errorf("mapping: BinaryMediaTypes %q: not type/subtype", t)
		}
	}
	return nil
}

func mediaToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// Match reports whether the media type of a Content-Type or Accept value
// (its first entry: parameters and later entries are ignored) is binary.
func (b BinaryMediaTypes) Match(value string) bool {
	if len(b) == 0 {
		return false
	}
	if i := strings.IndexAny(value, ",;"); i >= 0 {
		value = value[:i]
	}
	typ, sub, ok := strings.Cut(strings.TrimSpace(value), "/")
	if !ok {
		return false
	}
	for _, t := range b {
		bt, bs, _ := strings.Cut(t, "/")
		if (bt == "*" || strings.EqualFold(bt, typ)) && (bs == "*" || strings.EqualFold(bs, sub)) {
			return true
		}
	}
	return false
}

// convertRequest is the integration request's payload, by AWS's request
// table: binary tells whether the method request's Content-Type is a
// binary media type. ok is false when the payload was left as it is.
func convertRequest(body []byte, binary bool, h ContentHandling) (out []byte, ok bool, err error) {
	switch {
	case h == ConvertToBinary && !binary:
		out, err = decodeBase64(body)
		return out, true, err
	case h == ConvertToText && binary:
		return encodeBase64(body), true, nil
	}
	return body, false, nil
}

// convertResponse is the method response's payload, by AWS's response
// table: binary tells whether the integration's Content-Type is a binary
// media type, wantBinary whether the client's first Accept type is.
func convertResponse(body []byte, binary, wantBinary bool, h ContentHandling) ([]byte, error) {
	switch {
	case h == ConvertToBinary && !binary,
		h == "" && !binary && wantBinary:
		return decodeBase64(body)
	case h == ConvertToText && binary,
		h == "" && binary && !wantBinary:
		return encodeBase64(body), nil
	}
	return body, nil
}

func decodeBase64(b []byte) ([]byte, error) {
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	if err != nil {
		return nil, &apigw.Error{Type: apigw.APIConfigurationError, Err: fmt.Errorf("mapping: CONVERT_TO_BINARY: the payload is not base64: %w", err)}
	}
	return out[:n], nil
}

func encodeBase64(b []byte) []byte {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out
}
