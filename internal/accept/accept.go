// Package accept chooses, by a request's Accept header, among the media
// types a template set has: the choice gateway responses and integration
// responses make alike.
package accept

import "strings"

// Pick returns the index of the first of the n media types (mediaType(i))
// that the Accept header lists, in the header's order; else the one that is
// application/json; else 0. It returns -1 when n is 0. Parameters (";q=")
// are ignored, as API Gateway ignores them.
func Pick(header string, n int, mediaType func(i int) string) int {
	if n == 0 {
		return -1
	}
	if n > 1 {
		for part := range strings.SplitSeq(header, ",") {
			mt, _, _ := strings.Cut(part, ";")
			mt = strings.TrimSpace(mt)
			for i := range n {
				if strings.EqualFold(mediaType(i), mt) {
					return i
				}
			}
		}
		for i := range n {
			if mediaType(i) == "application/json" {
				return i
			}
		}
	}
	return 0
}

// MediaType is the media type of a request's Content-Type value, as every
// phase that picks by content type matches it (the validator's model, the
// mapping's template): lower-cased, its parameters and the spaces around
// it dropped. A value whose parameters do not parse is matched by its
// media type all the same, so that no phase skips what another applies.
func MediaType(contentType string) string {
	if i := strings.IndexByte(contentType, ';'); i >= 0 {
		contentType = contentType[:i]
	}
	contentType = strings.TrimSpace(contentType)
	for i := 0; i < len(contentType); i++ {
		if 'A' <= contentType[i] && contentType[i] <= 'Z' {
			return strings.ToLower(contentType)
		}
	}
	return contentType
}
