package sam

import (
	"sort"
	"strconv"
	"strings"
)

// restCORS adds an Api's Cors to its document as SAM's translator does:
// every path without an OPTIONS method gets one, a mock integration
// answering 200 with the Access-Control-* headers the template gives, as
// header mapping values ("'https://example.com'"). Nothing else: the
// other methods' responses carry only what their integrations (or
// GatewayResponses) send, and the API's DefaultAuthorizer and
// ApiKeyRequired protect the preflights too unless
// AddDefaultAuthorizerToCorsPreflight or AddApiKeyRequiredToCorsPreflight
// is false.
func (l *loader) restCORS(ptr string, v any, g *docGen) {
	var allowOrigin, headers, methods, maxAge any
	credentials := false
	switch x := v.(type) {
	case string:
		allowOrigin = x
	case map[string]any:
		for _, k := range sortedKeys(x) {
			kp := at(ptr, k)
			switch k {
			case "AllowOrigin", "AllowHeaders", "AllowMethods", "MaxAge":
				s, ok := x[k].(string)
				if n, isNumber := x[k].(float64); isNumber && k == "MaxAge" {
					// SAM passes a number as it is; the header is its
					// value.
					s, ok = "'"+strconv.FormatFloat(n, 'f', -1, 64)+"'", true
				}
				if !ok {
					l.probs.add(kp, "must be a quoted header value, as SAM passes it to API Gateway: \"'%v'\"", x[k])
					continue
				}
				switch k {
				case "AllowOrigin":
					allowOrigin = s
				case "AllowHeaders":
					headers = s
				case "AllowMethods":
					methods = s
				default:
					maxAge = s
				}
			case "AllowCredentials":
				b, ok := x[k].(bool)
				if !ok {
					l.probs.add(kp, "must be true or false")
				}
				credentials = b
			default:
				l.probs.add(kp, "not a property of Cors")
			}
		}
	default:
		l.probs.add(ptr, "must be a quoted origin or an object")
		return
	}
	if allowOrigin == nil {
		allowOrigin = "'*'" // SAM's default
	}
	if s, _ := allowOrigin.(string); s == "" {
		l.probs.add(ptr, "AllowOrigin must not be empty")
		return
	}
	for _, v := range []any{allowOrigin, headers, methods, maxAge} {
		if s, _ := v.(string); s != "" && !(len(s) > 1 && s[0] == '\'' && s[len(s)-1] == '\'') {
			// Still written into the preflights, as SAM writes it.
			l.probs.add(ptr, "%q: SAM passes Cors values to API Gateway as header mappings, which take a quoted value: \"'%s'\"", s, s)
		}
	}
	if credentials && allowOrigin == "'*'" {
		l.probs.add(ptr, "AllowCredentials cannot be true when AllowOrigin is \"'*'\"")
		return
	}
	paths, _ := g.doc["paths"].(map[string]any)
	done := map[string]bool{}
	for _, path := range sortedKeys(paths) {
		// API Gateway's resource for /path/ is /path's.
		norm := path
		if path != "/" {
			norm = strings.TrimSuffix(path, "/")
		}
		item, _ := paths[path].(map[string]any)
		if done[norm] || item == nil {
			continue
		}
		done[norm] = true
		if _, ok := item["options"]; ok {
			continue
		}
		allow := methods
		if allow == nil {
			allow = "'" + corsMethods(item) + "'"
		}
		item["options"] = g.preflight(allowOrigin, headers, allow, maxAge, credentials)
		g.origins = append(g.origins, origin{docPrefix: at("/paths", path, "options"), target: ptr})
	}
}

// corsMethods lists a path item's methods for Access-Control-Allow-Methods
// as SAM does: its keys in capitals, OPTIONS added, every method for
// x-amazon-apigateway-any-method.
func corsMethods(item map[string]any) string {
	set := map[string]bool{"OPTIONS": true}
	for k := range item {
		if k == "x-amazon-apigateway-any-method" {
			for _, m := range []string{"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"} {
				set[m] = true
			}
			continue
		}
		set[strings.ToUpper(k)] = true
	}
	list := make([]string, 0, len(set))
	for m := range set {
		list = append(list, m)
	}
	sort.Strings(list)
	return strings.Join(list, ",")
}

// preflight is the OPTIONS method SAM writes for CORS.
func (g *docGen) preflight(origin, headers, methods, maxAge any, credentials bool) map[string]any {
	params := map[string]any{"method.response.header.Access-Control-Allow-Origin": origin}
	declared := map[string]any{"Access-Control-Allow-Origin": "string"}
	for _, h := range []struct {
		name string
		v    any
		typ  string
	}{
		{"Access-Control-Allow-Headers", headers, "string"},
		{"Access-Control-Allow-Methods", methods, "string"},
		{"Access-Control-Max-Age", maxAge, "integer"},
	} {
		if h.v != nil && h.v != "" {
			params["method.response.header."+h.name] = h.v
			declared[h.name] = h.typ
		}
	}
	if credentials {
		params["method.response.header.Access-Control-Allow-Credentials"] = "'true'"
		declared["Access-Control-Allow-Credentials"] = "string"
	}
	responseHeaders := map[string]any{}
	for name, typ := range declared {
		if g.v3 {
			responseHeaders[name] = map[string]any{"schema": map[string]any{"type": typ}}
		} else {
			responseHeaders[name] = map[string]any{"type": typ}
		}
	}
	op := map[string]any{
		"summary": "CORS support",
		"x-amazon-apigateway-integration": map[string]any{
			"type":             "mock",
			"requestTemplates": map[string]any{"application/json": "{\n  \"statusCode\" : 200\n}\n"},
			"responses": map[string]any{"default": map[string]any{
				"statusCode":         "200",
				"responseParameters": params,
				"responseTemplates":  map[string]any{"application/json": "{}\n"},
			}},
		},
		"responses": map[string]any{"200": map[string]any{"description": "Default response for CORS method", "headers": responseHeaders}},
	}
	if !g.v3 {
		op["consumes"] = []any{"application/json"}
		op["produces"] = []any{"application/json"}
	}
	return op
}
