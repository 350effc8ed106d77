package openapi

import (
	"encoding/json"
	"reflect"
	"strings"
)

// unmarshalExact is json.Unmarshal into v, except that an object member
// whose name matches a field's JSON name only in another case is ignored:
// encoding/json would read {"IsAuthorized": true} into isAuthorized, and
// {"effect": "Allow"} into a statement's Effect, where AWS reads names as
// written and would see no answer.
func unmarshalExact(data []byte, v any) error {
	filtered, err := exactMembers(reflect.TypeOf(v).Elem(), data)
	if err != nil {
		return err
	}
	return json.Unmarshal(filtered, v)
}

// exactMembers drops, from raw read as a value of type t, the members that
// name a field of t only in another case, at every depth.
func exactMembers(t reflect.Type, raw json.RawMessage) (json.RawMessage, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil || m == nil {
			return raw, nil // not an object: json.Unmarshal reports it
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fields[name] = f.Type
		}
		for k, v := range m {
			if ft, ok := fields[k]; ok {
				sub, err := exactMembers(ft, v)
				if err != nil {
					return nil, err
				}
				m[k] = sub
				continue
			}
			for name := range fields {
				if strings.EqualFold(name, k) {
					delete(m, k) // a field's name in another case
					break
				}
			}
		}
		return json.Marshal(m)
	case reflect.Slice, reflect.Array:
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return raw, nil
		}
		for i, e := range elems {
			sub, err := exactMembers(t.Elem(), e)
			if err != nil {
				return nil, err
			}
			elems[i] = sub
		}
		return json.Marshal(elems)
	}
	return raw, nil
}
