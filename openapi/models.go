package openapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/validator"
	"github.com/getkin/kin-openapi/openapi3"
)

// loadModels makes a model of every schema of the components (Swagger's
// definitions), as API Gateway's import does. A model is self-contained:
// the schemas it references travel with it under "definitions".
func (l *loader) loadModels() {
	l.models = map[string]bool{}
	if l.d.t.Components == nil || l.http {
		return // HTTP APIs validate nothing: AWS's import ignores schemas
	}
	schemas := l.d.t.Components.Schemas
	for _, name := range sortedKeys(schemas) {
		l.addModel(l.schemaPtr(name), name, schemas[name])
	}
}

// addModel registers a schema as the model name.
func (l *loader) addModel(ptr pointer, name string, s *openapi3.SchemaRef) bool {
	doc, err := l.modelSchema(s)
	if err == nil {
		_, err = validator.CompileModel(name, doc)
	}
	if err != nil {
		l.probs.add(ptr, "model %q: %v", name, err)
		return false
	}
	l.models[name] = true
	l.def = append(l.def, gateway.WithModel(name, doc))
	return true
}

// modelSchema returns s as one JSON Schema document: references to other
// schemas of the components become references into its own
// "definitions", which holds them.
func (l *loader) modelSchema(s *openapi3.SchemaRef) (string, error) {
	root, err := toJSONValue(s)
	if err != nil {
		return "", err
	}
	defs := map[string]any{}
	var pending []string
	var rewrite func(v any) (any, error)
	rewrite = func(v any) (any, error) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "$ref" {
					ref, ok := e.(string)
					if !ok {
						return nil, fmt.Errorf("$ref %v is not a string", e)
					}
					name, ok := modelRef(ref)
					if !ok {
						return nil, fmt.Errorf("$ref %q: only references to the definition's own schemas are followed", ref)
					}
					if _, seen := defs[name]; !seen {
						defs[name] = nil
						pending = append(pending, name)
					}
					x[k] = "#/definitions/" + name
					continue
				}
				r, err := rewrite(e)
				if err != nil {
					return nil, err
				}
				x[k] = r
			}
		case []any:
			for i, e := range x {
				r, err := rewrite(e)
				if err != nil {
					return nil, err
				}
				x[i] = r
			}
		}
		return v, nil
	}
	if root, err = rewrite(root); err != nil {
		return "", err
	}
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		var ref *openapi3.SchemaRef
		if l.d.t.Components != nil {
			ref = l.d.t.Components.Schemas[name]
		}
		if ref == nil {
			return "", fmt.Errorf("$ref to schema %q: no such schema", name)
		}
		v, err := toJSONValue(ref)
		if err != nil {
			return "", err
		}
		if v, err = rewrite(v); err != nil {
			return "", err
		}
		defs[name] = v
	}
	if len(defs) > 0 {
		m, ok := root.(map[string]any)
		if !ok {
			return "", fmt.Errorf("schema is not an object")
		}
		if own, ok := m["definitions"].(map[string]any); ok {
			for k, v := range own {
				if _, clash := defs[k]; !clash {
					defs[k] = v
				}
			}
		}
		m["definitions"] = defs
	}
	out, err := json.Marshal(root)
	return string(out), err
}

// modelRef returns the schema a reference names: #/components/schemas/X,
// #/definitions/X, or API Gateway's model URL
// https://apigateway.amazonaws.com/restapis/ID/models/X.
func modelRef(ref string) (string, bool) {
	for _, prefix := range []string{"#/components/schemas/", "#/definitions/"} {
		if name, ok := strings.CutPrefix(ref, prefix); ok && name != "" && !strings.Contains(name, "/") {
			return unescapeToken(name), true
		}
	}
	if rest, ok := strings.CutPrefix(ref, "https://apigateway.amazonaws.com/restapis/"); ok {
		if _, name, ok := strings.Cut(rest, "/models/"); ok && name != "" && !strings.Contains(name, "/") {
			return name, true
		}
	}
	return "", false
}

func unescapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

// toJSONValue marshals v and decodes it as a generic JSON value.
func toJSONValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// bodyModel returns the model of a request body's schema: the named schema
// it references, or a model made of an inline schema.
func (l *loader) bodyModel(ptr pointer, s *openapi3.SchemaRef, hint string) (string, bool) {
	if s == nil {
		return "", false
	}
	if s.Ref != "" {
		name, ok := modelRef(s.Ref)
		if !ok {
			l.probs.add(ptr, "$ref %q: a request model must be a schema of the definition", s.Ref)
			return "", false
		}
		if !l.models[name] {
			l.probs.add(ptr, "$ref %q: no such schema", s.Ref)
			return "", false
		}
		return name, true
	}
	l.inline++
	name := fmt.Sprintf("%sModel%d", hint, l.inline)
	for l.models[name] {
		l.inline++
		name = fmt.Sprintf("%sModel%d", hint, l.inline)
	}
	return name, l.addModel(ptr, name, s)
}
