package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// maxDocumentBytes bounds a definition: AWS's import limit is 6 MB for a
// REST API body; apigw takes up to 16 MB.
const maxDocumentBytes = 16 << 20

// document is a definition parsed by kin-openapi: a Swagger 2.0 one is
// converted to OpenAPI 3 (v2 keeps the original for the constructs whose
// pointers differ and for operations hidden in extensions).
type document struct {
	t  *openapi3.T
	v2 *openapi2.T
	// unknown2 holds the fields of a Swagger 2.0 document's objects that
	// are not Swagger's, by the object's pointer: the conversion to
	// OpenAPI 3 drops them.
	unknown2 map[pointer]map[string]any
}

// parseDocument parses an OpenAPI 3.0 or Swagger 2.0 document, JSON or
// YAML. External references are refused: a definition is one document.
func parseDocument(data []byte) (*document, error) {
	if len(data) > maxDocumentBytes {
		return nil, fmt.Errorf("the document has %d bytes; at most %d are read", len(data), maxDocumentBytes)
	}
	var probe struct {
		Swagger any `json:"swagger" yaml:"swagger"`
		OpenAPI any `json:"openapi" yaml:"openapi"`
	}
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(data, &probe) == nil {
		// JSON: read with the JSON decoder, much faster than YAML's.
	} else if err := yaml.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("not JSON or YAML: %v", err)
	}
	// A version YAML reads as a number (swagger: 2.0) is a string to
	// API Gateway, not to kin-openapi.
	if v, ok := probe.Swagger.(float64); ok && v == 2 {
		data, probe.Swagger = quoteVersion(data, "swagger", "2.0"), "2.0"
	}
	if v, ok := probe.OpenAPI.(float64); ok && v == 3 {
		data, probe.OpenAPI = quoteVersion(data, "openapi", "3.0.0"), "3.0.0"
	}
	swagger, openapi := fmt.Sprint(probe.Swagger), fmt.Sprint(probe.OpenAPI)
	switch {
	case probe.Swagger != nil:
		if swagger != "2.0" && swagger != "2" {
			return nil, fmt.Errorf("swagger %q: only Swagger 2.0 and OpenAPI 3.0 are read", swagger)
		}
		if bareRef.Match(data) {
			data = qualifyRefs(data)
		}
		var d2 openapi2.T
		if err := openapi2.UnmarshalFromData(data, &d2); err != nil {
			return nil, err
		}
		unknown := unknownFields2(&d2)
		for _, pi := range d2.Paths {
			if pi != nil {
				for _, op := range pi.Operations() {
					dedupeBodies(op)
				}
			}
		}
		t, err := openapi2conv.ToV3(&d2)
		if err != nil {
			return nil, err
		}
		return &document{t: t, v2: &d2, unknown2: unknown}, nil
	case probe.OpenAPI != nil:
		if !strings.HasPrefix(openapi, "3.0") {
			return nil, fmt.Errorf("openapi %q: only OpenAPI 3.0 (and Swagger 2.0) are read, as API Gateway imports", openapi)
		}
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = false
		t, err := loader.LoadFromData(data)
		if err != nil {
			return nil, err
		}
		return &document{t: t}, nil
	}
	return nil, errors.New("neither a swagger nor an openapi version: not an OpenAPI definition")
}

// bareRef finds a Swagger 2.0 reference written as a definition's name
// alone ($ref: Pet), which API Gateway's import reads as #/definitions/Pet
// (aws-samples/api-gateway-secure-pet-store writes them so).
var bareRef = regexp.MustCompile(`"?\$ref"?\s*:\s*["']?[A-Za-z0-9_-]+["']?\s*[,}\r\n]`)

// qualifyRefs returns the document, as YAML, with its bare references
// made references to its definitions.
func qualifyRefs(data []byte) []byte {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return data
	}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if depth > 256 {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == "$ref" && v.Kind == yaml.ScalarNode && v.Value != "" && !strings.ContainsAny(v.Value, "#/.:") {
					v.Value = "#/definitions/" + v.Value
				}
			}
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(&doc, 0)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return data
	}
	return out
}

// quoteVersion returns the document with its top-level key set to the
// string version, as YAML.
func quoteVersion(data []byte, key, version string) []byte {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: version, Style: yaml.DoubleQuotedStyle}
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return data
	}
	return out
}

// awsVariables resolves the AWS variables API Gateway resolves when it
// imports a definition ("AWS variables for OpenAPI import"):
// ${AWS::Region}, ${AWS::AccountId}, ${AWS::Partition}.
func awsVariables(data []byte, region string) []byte {
	if !bytes.Contains(data, []byte("${AWS::")) {
		return data
	}
	return []byte(strings.NewReplacer(
		"${AWS::Region}", region,
		"${AWS::AccountId}", defaultAccountID,
		"${AWS::Partition}", "aws",
	).Replace(string(data)))
}

// defaultAccountID is ${AWS::AccountId} in a definition: bindings name
// functions, not accounts.
const defaultAccountID = "123456789012"

// dedupeBodies keeps one of a Swagger 2.0 operation's body parameters when
// they are all the same: API Gateway's exports write one per content type
// of the method's request models (AWS's Kinesis proxy sample has two of
// one model), which kin-openapi's conversion refuses.
func dedupeBodies(op *openapi2.Operation) {
	if op == nil {
		return
	}
	var first []byte
	bodies := 0
	for _, p := range op.Parameters {
		if p == nil || p.In != "body" {
			continue
		}
		data, err := json.Marshal(p)
		if err != nil || (first != nil && !bytes.Equal(data, first)) {
			return
		}
		first = data
		bodies++
	}
	if bodies < 2 {
		return
	}
	kept := op.Parameters[:0]
	seen := false
	for _, p := range op.Parameters {
		if p != nil && p.In == "body" {
			if seen {
				continue
			}
			seen = true
		}
		kept = append(kept, p)
	}
	op.Parameters = kept
}

// unknownFields2 collects the fields of a Swagger 2.0 document, its path
// items, operations and security definitions that are neither Swagger's
// nor extensions (kin-openapi keeps them among the extensions, until the
// conversion to OpenAPI 3 deletes them).
func unknownFields2(d *openapi2.T) map[pointer]map[string]any {
	out := map[pointer]map[string]any{}
	keep := func(ptr pointer, ext map[string]any) {
		for k, v := range ext {
			if strings.HasPrefix(k, "x-") {
				continue
			}
			if out[ptr] == nil {
				out[ptr] = map[string]any{}
			}
			out[ptr][k] = v
		}
	}
	keep("", d.Extensions)
	for path, pi := range d.Paths {
		if pi == nil {
			continue
		}
		pp := pointer("").at("paths", path)
		keep(pp, pi.Extensions)
		for method, op := range pi.Operations() {
			if op != nil {
				keep(pp.at(strings.ToLower(method)), op.Extensions)
			}
		}
	}
	for name, s := range d.SecurityDefinitions {
		if s != nil {
			keep(pointer("").at("securityDefinitions", name), s.Extensions)
		}
	}
	return out
}

// anyMethod decodes the x-amazon-apigateway-any-method of a path item into
// an operation.
func (d *document) anyMethod(path string, raw any) (*openapi3.Operation, error) {
	data, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	if d.v2 != nil {
		var op2 openapi2.Operation
		if err := json.Unmarshal(data, &op2); err != nil {
			return nil, err
		}
		dedupeBodies(&op2)
		pi2 := d.v2.Paths[path]
		if pi2 == nil {
			pi2 = &openapi2.PathItem{}
		}
		return openapi2conv.ToV3Operation(d.t.Components, pi2, &op2, d.v2.Consumes)
	}
	var op openapi3.Operation
	if err := json.Unmarshal(data, &op); err != nil {
		return nil, err
	}
	// Resolve the references the operation makes into the components, as
	// the loader did for the others.
	for _, p := range op.Parameters {
		if p.Ref != "" && p.Value == nil {
			name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
			if !ok || d.t.Components == nil || d.t.Components.Parameters[name] == nil {
				return nil, fmt.Errorf("parameter %q: not found", p.Ref)
			}
			p.Value = d.t.Components.Parameters[name].Value
		}
	}
	if rb := op.RequestBody; rb != nil && rb.Ref != "" && rb.Value == nil {
		name, ok := strings.CutPrefix(rb.Ref, "#/components/requestBodies/")
		if !ok || d.t.Components == nil || d.t.Components.RequestBodies[name] == nil {
			return nil, fmt.Errorf("requestBody %q: not found", rb.Ref)
		}
		rb.Value = d.t.Components.RequestBodies[name].Value
	}
	if op.Responses != nil {
		for code, r := range op.Responses.Map() {
			if r.Ref != "" && r.Value == nil {
				name, ok := strings.CutPrefix(r.Ref, "#/components/responses/")
				if !ok || d.t.Components == nil || d.t.Components.Responses[name] == nil {
					return nil, fmt.Errorf("responses[%s] %q: not found", code, r.Ref)
				}
				r.Value = d.t.Components.Responses[name].Value
			}
		}
	}
	return &op, nil
}
