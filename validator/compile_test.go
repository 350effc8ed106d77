package validator

import (
	"reflect"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSchemaFieldsKnown fails when jsonschema's Schema gains a field that
// compile neither reads nor refuses: a new keyword must not be ignored.
func TestSchemaFieldsKnown(t *testing.T) {
	known := []string{
		// read by compile
		"DraftVersion", "Bool", "Ref", "Types", "Enum", "Const", "Not", "AllOf", "AnyOf", "OneOf", "If", "Then",
		"Else", "Format", "MaxProperties", "MinProperties", "Required", "PropertyNames", "Properties",
		"PatternProperties", "AdditionalProperties", "Dependencies", "DependentRequired", "DependentSchemas",
		"MinItems", "MaxItems", "UniqueItems", "Contains", "MinContains", "MaxContains", "Items",
		"AdditionalItems", "PrefixItems", "Items2020", "MinLength", "MaxLength", "Pattern", "Maximum", "Minimum",
		"ExclusiveMaximum", "ExclusiveMinimum", "MultipleOf",
		// refused by compile: jsonschema checks those models
		"RecursiveRef", "DynamicRef", "UnevaluatedProperties", "UnevaluatedItems", "ContentEncoding",
		"ContentMediaType", "ContentSchema", "Extensions",
		// identifiers, anchors and annotations: no effect on validity here
		"Location", "ID", "Anchor", "RecursiveAnchor", "DynamicAnchor", "Title", "Description", "Default",
		"Comment", "ReadOnly", "WriteOnly", "Examples", "Deprecated",
	}
	st := reflect.TypeFor[jsonschema.Schema]()
	for i := range st.NumField() {
		if f := st.Field(i); f.IsExported() && !slices.Contains(known, f.Name) {
			t.Errorf("jsonschema.Schema.%s: a field the compiled models do not know", f.Name)
		}
	}
}

func TestCompileRefuses(t *testing.T) {
	for _, s := range []string{
		`{"$ref": "#"}`,
		`{"allOf": [{"$ref": "#"}]}`,
		`{"definitions": {"a": {"anyOf": [{"$ref": "#/definitions/b"}]}, "b": {"not": {"$ref": "#/definitions/a"}}}, "$ref": "#/definitions/a"}`,
		`{"$schema": "https://json-schema.org/draft/2020-12/schema", "unevaluatedProperties": false}`,
		`{"$schema": "https://json-schema.org/draft/2020-12/schema", "$dynamicRef": "#"}`,
	} {
		if m := MustCompileModel("M", s); m.fast != nil {
			t.Errorf("%s: compiled", s)
		}
	}
	for _, s := range []string{
		`{"properties": {"next": {"$ref": "#"}}}`, // recursion through the value
		`{"type": "object", "properties": {"popularity": {"type": "integer", "minimum": 0, "maximum": 100}}, "required": ["popularity"], "additionalProperties": false}`,
	} {
		if m := MustCompileModel("M", s); m.fast == nil {
			t.Errorf("%s: not compiled", s)
		}
	}
}
