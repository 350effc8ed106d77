// Package authzvalue renders the values an authorizer hands on (a Lambda
// authorizer's context, a JWT's claims) as API Gateway exposes them to
// $context, events and templates: as strings.
package authzvalue

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// String renders v as AWS exposes it: strings as they are, numbers and
// bools in their JSON form, nil as "", anything else as JSON.
func String(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case json.Number:
		return v.String()
	case nil:
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
