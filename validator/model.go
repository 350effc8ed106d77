package validator

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apigw/apigw/internal/jsontape"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Model is a compiled JSON Schema, AWS's model. It is safe for simultaneous
// use by multiple goroutines.
//
// A body is checked as it was parsed, on the request's JSON tape, by the
// model compiled for it (see schema); jsonschema, the reference, decides
// the models that use what the compiled form does not check, and writes
// the message of every invalid body.
type Model struct {
	name   string
	schema *jsonschema.Schema
	fast   *schema // nil: jsonschema checks every body
}

// CompileModel compiles a JSON Schema. Without $schema it is read as draft 4,
// the draft AWS's models use. References outside the schema are refused.
func CompileModel(name, schema string) (*Model, error) {
	return compileModel(name, schema, jsonschema.Draft4)
}

func compileModel(name, schema string, draft *jsonschema.Draft) (*Model, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("validator: model %q: schema is not JSON: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(draft)
	c.UseLoader(noLoader{})
	url := "apigw:///models/" + name
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("validator: model %q: %w", name, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("validator: model %q: %w", name, err)
	}
	fast, _ := compile(sch) // an error only says what jsonschema alone checks
	return &Model{name: name, schema: sch, fast: fast}, nil
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
func (m *Model) Validate(v any) (err error) {
	defer func() {
		// jsonschema panics on a number big.Rat cannot read (an exponent
		// beyond ±10⁶) under minimum, maximum or multipleOf.
		if p := recover(); p != nil {
			err = errors.New("[number out of range]")
		}
	}()
	if err := m.schema.Validate(v); err != nil {
		return fmt.Errorf("%s", describe(err))
	}
	return nil
}

// validateDoc checks the body parsed as d: on its tape when the model is
// compiled for it, and through jsonschema for the rest and for the
// message of an invalid body (jsonschema's answer stands).
func (m *Model) validateDoc(d *jsontape.Doc) error {
	if valid, checked := m.check(d); checked && valid {
		return nil
	}
	return m.Validate(d.Native(0))
}

// check checks d with the compiled model, when the model is compiled and
// every number of d is one jsonschema can read.
func (m *Model) check(d *jsontape.Doc) (valid, checked bool) {
	if m.fast == nil || !readable(d) {
		return false, false
	}
	return m.fast.valid(d, 0), true
}

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external reference %q is not allowed", url)
}
