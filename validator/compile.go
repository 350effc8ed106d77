package validator

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math/big"
	"slices"
	"strings"

	"github.com/apigw/apigw/internal/jsontape"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schema is a jsonschema.Schema compiled to check a body's tape as it
// was parsed: the keywords are those jsonschema reads (the same struct, so
// the same drafts and the same regexps and formats), checked in the order
// and under the draft rules of jsonschema's validator, with numbers read
// exactly from their text instead of through big.Rat. It only answers
// valid or not: the message of an invalid body comes from jsonschema.
//
// compile refuses the keywords it does not check ($recursiveRef,
// $dynamicRef, unevaluated*, content*, vocabulary extensions) and
// references that loop without reading into the value; the model is then
// checked by jsonschema alone.
type schema struct {
	draft  int
	always int8 // a boolean schema: +1 true, -1 false; else 0

	types   typeSet
	konst   *constant
	enum    []constant
	hasEnum bool
	format  func(any) error
	ref     *schema

	minProps, maxProps int // -1: none
	required           []string
	props              map[string]*schema
	patterns           []patternSchema
	additional         *schema // additionalProperties: a schema, or always
	deps               []dependency
	propertyNames      *schema
	depRequired        []dependency
	depSchemas         []dependency

	minItems, maxItems int // -1: none
	unique             bool
	items              *schema   // draft < 2020: items as one schema
	tuple              []*schema // draft < 2020: items as an array
	additionalItems    *schema
	prefix             []*schema // draft 2020
	items2020          *schema
	contains           *schema
	minContains        int // -1: none
	maxContains        int // -1: none

	minLen, maxLen int // -1: none
	pattern        jsonschema.Regexp

	numeric                bool // any of the number keywords below
	min, max, exMin, exMax *decimal
	multipleOf             *big.Rat
	multipleOfInt          uint64 // multipleOf, when a small integer
	multipleOfIsInt        bool
	not, ifS, thenS, elseS *schema
	allOf, anyOf, oneOf    []*schema
	seed                   maphash.Seed // hashes values for uniqueItems
	hasTypes               bool
}

// typeSet is a set of JSON Schema types.
type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBoolean
	tNumber
	tInteger
	tString
	tArray
	tObject
)

type patternSchema struct {
	re     jsonschema.Regexp
	schema *schema
}

// dependency is one entry of dependencies, dependentRequired or
// dependentSchemas: when the property is present, the required ones must
// be too, or the object must pass the schema.
type dependency struct {
	prop     string
	required []string
	schema   *schema
}

// constant is a value of enum or const, compiled for comparison with the
// tape.
type constant struct {
	kind jsontape.Kind
	num  decimal
	str  string
	arr  []constant
	obj  map[string]constant
}

// compile compiles root, or says why it cannot.
func compile(root *jsonschema.Schema) (*schema, error) {
	c := compiler{done: map[*jsonschema.Schema]*schema{}, seed: maphash.MakeSeed()}
	s, err := c.schema(root)
	if err != nil {
		return nil, err
	}
	if err := c.checkLoops(); err != nil {
		return nil, err
	}
	return s, nil
}

type compiler struct {
	done map[*jsonschema.Schema]*schema
	seed maphash.Seed
}

func (c *compiler) schema(js *jsonschema.Schema) (*schema, error) {
	if js == nil {
		return nil, nil
	}
	if s, ok := c.done[js]; ok {
		return s, nil
	}
	s := &schema{draft: js.DraftVersion, minProps: -1, maxProps: -1, minItems: -1, maxItems: -1,
		minContains: -1, maxContains: -1, minLen: -1, maxLen: -1, seed: c.seed}
	c.done[js] = s
	if js.Bool != nil {
		s.always = -1
		if *js.Bool {
			s.always = 1
		}
		return s, nil
	}
	switch {
	case js.RecursiveRef != nil, js.DynamicRef != nil:
		return nil, fmt.Errorf("%s: dynamic references", js.Location)
	case js.UnevaluatedProperties != nil, js.UnevaluatedItems != nil:
		return nil, fmt.Errorf("%s: unevaluated keywords", js.Location)
	case js.ContentEncoding != nil, js.ContentMediaType != nil, js.ContentSchema != nil:
		return nil, fmt.Errorf("%s: content keywords", js.Location)
	case len(js.Extensions) > 0:
		return nil, fmt.Errorf("%s: vocabulary extensions", js.Location)
	}
	var err error
	sub := func(js *jsonschema.Schema) *schema {
		if err != nil {
			return nil
		}
		var s *schema
		s, err = c.schema(js)
		return s
	}
	subs := func(list []*jsonschema.Schema) []*schema {
		out := make([]*schema, len(list))
		for i, js := range list {
			out[i] = sub(js)
		}
		return out
	}
	// additional compiles additionalProperties or additionalItems: nil,
	// true, false or a schema.
	additional := func(v any) *schema {
		switch v := v.(type) {
		case nil:
			return nil
		case bool:
			if v {
				return &schema{always: 1}
			}
			return &schema{always: -1}
		case *jsonschema.Schema:
			return sub(v)
		}
		if err == nil {
			err = fmt.Errorf("%s: additional keyword of type %T", js.Location, v)
		}
		return nil
	}

	if js.Types != nil && !js.Types.IsEmpty() {
		s.hasTypes = true
		for _, t := range js.Types.ToStrings() {
			s.types |= map[string]typeSet{"null": tNull, "boolean": tBoolean, "number": tNumber, "integer": tInteger,
				"string": tString, "array": tArray, "object": tObject}[t]
		}
	}
	if js.Const != nil {
		k, err := compileConstant(*js.Const)
		if err != nil {
			return nil, fmt.Errorf("%s: const: %w", js.Location, err)
		}
		s.konst = &k
	}
	if js.Enum != nil {
		s.hasEnum = true
		for _, v := range js.Enum.Values {
			k, err := compileConstant(v)
			if err != nil {
				return nil, fmt.Errorf("%s: enum: %w", js.Location, err)
			}
			s.enum = append(s.enum, k)
		}
	}
	if js.Format != nil {
		s.format = js.Format.Validate
	}
	s.ref = sub(js.Ref)

	s.minProps, s.maxProps = intOr(js.MinProperties), intOr(js.MaxProperties)
	s.required = js.Required
	if len(js.Properties) > 0 {
		s.props = make(map[string]*schema, len(js.Properties))
		for name, p := range js.Properties {
			s.props[name] = sub(p)
		}
	}
	for re, p := range js.PatternProperties {
		s.patterns = append(s.patterns, patternSchema{re, sub(p)})
	}
	slices.SortFunc(s.patterns, func(a, b patternSchema) int { return strings.Compare(a.re.String(), b.re.String()) })
	s.additional = additional(js.AdditionalProperties)
	for prop, dep := range js.Dependencies {
		switch dep := dep.(type) {
		case []string:
			s.deps = append(s.deps, dependency{prop: prop, required: dep})
		case *jsonschema.Schema:
			s.deps = append(s.deps, dependency{prop: prop, schema: sub(dep)})
		default:
			return nil, fmt.Errorf("%s: dependency of type %T", js.Location, dep)
		}
	}
	s.propertyNames = sub(js.PropertyNames)
	for prop, req := range js.DependentRequired {
		s.depRequired = append(s.depRequired, dependency{prop: prop, required: req})
	}
	for prop, ds := range js.DependentSchemas {
		s.depSchemas = append(s.depSchemas, dependency{prop: prop, schema: sub(ds)})
	}
	for _, deps := range [][]dependency{s.deps, s.depRequired, s.depSchemas} {
		slices.SortFunc(deps, func(a, b dependency) int { return strings.Compare(a.prop, b.prop) })
	}

	s.minItems, s.maxItems = intOr(js.MinItems), intOr(js.MaxItems)
	s.unique = js.UniqueItems
	switch items := js.Items.(type) {
	case nil:
	case *jsonschema.Schema:
		s.items = sub(items)
	case []*jsonschema.Schema:
		s.tuple = subs(items)
	default:
		return nil, fmt.Errorf("%s: items of type %T", js.Location, items)
	}
	s.additionalItems = additional(js.AdditionalItems)
	s.prefix = subs(js.PrefixItems)
	s.items2020 = sub(js.Items2020)
	s.contains = sub(js.Contains)
	s.minContains, s.maxContains = intOr(js.MinContains), intOr(js.MaxContains)

	s.minLen, s.maxLen = intOr(js.MinLength), intOr(js.MaxLength)
	s.pattern = js.Pattern

	for _, b := range []struct {
		dst **decimal
		r   *big.Rat
	}{{&s.min, js.Minimum}, {&s.max, js.Maximum}, {&s.exMin, js.ExclusiveMinimum}, {&s.exMax, js.ExclusiveMaximum}} {
		if b.r == nil {
			continue
		}
		d, ok := ratDecimal(b.r)
		if !ok {
			return nil, fmt.Errorf("%s: bound %v has no decimal form", js.Location, b.r)
		}
		*b.dst, s.numeric = &d, true
	}
	if js.MultipleOf != nil {
		s.multipleOf, s.numeric = js.MultipleOf, true
		if d, ok := ratDecimal(js.MultipleOf); ok {
			s.multipleOfInt, s.multipleOfIsInt = d.absUint64()
		}
	}

	s.not = sub(js.Not)
	s.allOf, s.anyOf, s.oneOf = subs(js.AllOf), subs(js.AnyOf), subs(js.OneOf)
	s.ifS, s.thenS, s.elseS = sub(js.If), sub(js.Then), sub(js.Else)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func intOr(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// checkLoops refuses schemas that reach themselves without reading into
// the value ({"$ref": "#"}, {"allOf": [{"$ref": "#"}]}): jsonschema
// reports those as reference cycles while it validates, which the checker
// does not copy.
func (c *compiler) checkLoops() error {
	const (
		unseen = iota
		visiting
		finished
	)
	state := map[*schema]int{}
	var visit func(s *schema) error
	visit = func(s *schema) error {
		if s == nil {
			return nil
		}
		switch state[s] {
		case visiting:
			return fmt.Errorf("a reference cycle that does not read into the value")
		case finished:
			return nil
		}
		state[s] = visiting
		next := []*schema{s.ref, s.not, s.ifS, s.thenS, s.elseS}
		next = append(next, s.allOf...)
		next = append(next, s.anyOf...)
		next = append(next, s.oneOf...)
		for _, d := range s.deps {
			next = append(next, d.schema)
		}
		for _, d := range s.depSchemas {
			next = append(next, d.schema)
		}
		for _, n := range next {
			if err := visit(n); err != nil {
				return err
			}
		}
		state[s] = finished
		return nil
	}
	for _, s := range c.done {
		if err := visit(s); err != nil {
			return err
		}
	}
	return nil
}

// compileConstant compiles a value of enum or const as jsonschema read it
// from the schema.
func compileConstant(v any) (constant, error) {
	switch v := v.(type) {
	case nil:
		return constant{kind: jsontape.Null}, nil
	case bool:
		if v {
			return constant{kind: jsontape.True}, nil
		}
		return constant{kind: jsontape.False}, nil
	case json.Number:
		return constant{kind: jsontape.Number, num: parseDecimal(string(v))}, nil
	case string:
		return constant{kind: jsontape.String, str: v}, nil
	case []any:
		k := constant{kind: jsontape.Array, arr: make([]constant, len(v))}
		for i, e := range v {
			var err error
			if k.arr[i], err = compileConstant(e); err != nil {
				return k, err
			}
		}
		return k, nil
	case map[string]any:
		k := constant{kind: jsontape.Object, obj: make(map[string]constant, len(v))}
		for name, e := range v {
			ce, err := compileConstant(e)
			if err != nil {
				return k, err
			}
			k.obj[name] = ce
		}
		return k, nil
	}
	return constant{}, fmt.Errorf("a value of type %T", v)
}
