package openapi

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// OpenAPI's fields of the objects whose unknown fields are reported.
// kin-openapi keeps a field it does not know among an object's extensions
// (or, converting Swagger 2.0, drops it): a misspelt "security", security
// written on a path item, a method in capitals would vanish on load — and
// API Gateway ignores them too — leaving open a method its author meant to
// protect. So each is a problem.
var (
	operationFields2 = fieldSet("tags", "summary", "description", "externalDocs", "operationId", "consumes", "produces",
		"parameters", "responses", "schemes", "deprecated", "security")
	operationFields3 = fieldSet("tags", "summary", "description", "externalDocs", "operationId", "parameters",
		"requestBody", "responses", "callbacks", "deprecated", "security", "servers")
)

// samMarkers are the fields SAM's translator writes on the operations it
// generates and deploys (isDefaultRoute on an HTTP API's $default route).
var samMarkers = fieldSet("isDefaultRoute")

func fieldSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// unknownFields reports the fields of an object (at ptr, a what) that
// are neither OpenAPI's nor extensions: ext holds the fields the parser
// did not know, or all of them when known is given.
func (l *loader) unknownFields(ptr pointer, what string, ext map[string]any, known map[string]bool) {
	for _, k := range sortedKeys(ext) {
		if strings.HasPrefix(k, "x-") || known[k] {
			continue
		}
		hint := ""
		switch lk := strings.ToLower(k); {
		case lk == "security" && strings.Contains(what, "path"):
			hint = " (security is written on each operation)"
		case lk != k && (known[lk] || methodField(lk)):
			hint = " (fields are lower case: " + lk + ")"
		}
		if what == "operation" && samMarkers[k] {
			continue
		}
		l.probs.add(ptr.at(k), "%q is not a field of %s %s%s: API Gateway would ignore it", k, l.version(), what, hint)
	}
}

func methodField(k string) bool {
	switch k {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}

// version names the document's OpenAPI version, for messages.
func (l *loader) version() string {
	if l.d.v2 != nil {
		return "a Swagger 2.0"
	}
	return "an OpenAPI 3.0"
}

// rootFields reports the document's unknown top-level fields and those
// of its components.
func (l *loader) rootFields() {
	if l.d.v2 != nil {
		l.unknownFields("", "document", l.d.unknown2[""], nil)
		return
	}
	l.unknownFields("", "document", l.d.t.Extensions, nil)
	if c := l.d.t.Components; c != nil {
		cp := pointer("").at("components")
		l.unknownFields(cp, "components object", c.Extensions, nil)
		for _, k := range sortedKeys(c.Extensions) {
			if strings.HasPrefix(k, extPrefix) && k != extIntegrations {
				l.probs.add(cp.at(k), "apigw does not know this API Gateway extension of the components")
			}
		}
	}
}

// pathFields reports the unknown fields of a path item.
func (l *loader) pathFields(pp pointer, pi *openapi3.PathItem) {
	if l.d.v2 != nil {
		l.unknownFields(pp, "path item", l.d.unknown2[pp], nil)
		return
	}
	l.unknownFields(pp, "path item", pi.Extensions, nil)
}

// operationFields reports the unknown fields of the operation of a path
// item's method (x-amazon-apigateway-any-method's: raw).
func (l *loader) operationFields(ptr pointer, op *openapi3.Operation, raw map[string]any) {
	switch {
	case raw != nil && l.d.v2 != nil:
		l.unknownFields(ptr, "operation", raw, operationFields2)
	case raw != nil:
		l.unknownFields(ptr, "operation", raw, operationFields3)
	case l.d.v2 != nil:
		l.unknownFields(ptr, "operation", l.d.unknown2[ptr], nil)
	default:
		l.unknownFields(ptr, "operation", op.Extensions, nil)
	}
}

// schemeFields reports the unknown fields of a security scheme.
func (l *loader) schemeFields(ptr pointer, s *openapi3.SecurityScheme) {
	if l.d.v2 != nil {
		l.unknownFields(ptr, "security scheme", l.d.unknown2[ptr], nil)
		return
	}
	l.unknownFields(ptr, "security scheme", s.Extensions, nil)
}
