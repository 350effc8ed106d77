// Package decoded reads the values of a document decoded into any (JSON
// or YAML, as encoding/json and the YAML decoders leave them): the
// definitions that packages openapi and sam load.
package decoded

// StringMap reads an object of strings; ok is false when v is not one
// (nil is an empty map's absence: nil, true).
func StringMap(v any) (m map[string]string, ok bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, v == nil
	}
	m = make(map[string]string, len(obj))
	for k, x := range obj {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		m[k] = s
	}
	return m, true
}

// StringList reads a list of strings; ok is false when v is not one.
func StringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
