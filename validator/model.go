package validator

import (
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Model is a compiled JSON Schema, AWS's model. It is safe for simultaneous
// use by multiple goroutines.
type Model struct {
	name   string
	schema *jsonschema.Schema
}

// CompileModel compiles a JSON Schema. Without $schema it is read as draft 4,
// the draft AWS's models use. References outside the schema are refused.
func CompileModel(name, schema string) (*Model, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("validator: model %q: schema is not JSON: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.UseLoader(noLoader{})
	url := "apigw:///models/" + name
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("validator: model %q: %w", name, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("validator: model %q: %w", name, err)
	}
	return &Model{name: name, schema: sch}, nil
}

// MustCompileModel is [CompileModel] that panics on error, for package-level
// models.
func MustCompileModel(name, schema string) *Model {
	m, err := CompileModel(name, schema)
	if err != nil {
		panic(err)
	}
	return m
}

// Name is the model's name.
func (m *Model) Name() string { return m.name }

// Validate checks v, a value decoded with json.Number numbers (as
// apigw.Context.JSON returns), and describes every violation in one line.
func (m *Model) Validate(v any) error {
	if err := m.schema.Validate(v); err != nil {
		return fmt.Errorf("%s", describe(err))
	}
	return nil
}

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external reference %q is not allowed", url)
}
