package validator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/jsontape"
)

// The compiled models are checked against jsonschema, their reference, on
// random schemas (draft 4 as AWS's models, and the later drafts) and
// random bodies: they must agree on every body, valid or not.

// entropy draws choices from a fuzzer's bytes, or from a PRNG.
type entropy struct {
	b   []byte
	rnd *rand.Rand
}

func (e *entropy) n(k int) int {
	if k <= 1 {
		return 0
	}
	if e.rnd != nil {
		return e.rnd.IntN(k)
	}
	if len(e.b) == 0 {
		return 0
	}
	v := int(e.b[0])
	e.b = e.b[1:]
	return v % k
}

func (e *entropy) pick(list ...string) string { return list[e.n(len(list))] }

var (
	drafts = []string{"", "http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-06/schema#",
		"http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2019-09/schema",
		"https://json-schema.org/draft/2020-12/schema"}
	schemaNumbers = []string{"0", "1", "-1", "2", "2.5", "100", "1e2", "0.1", "3", "1.5e1", "-0", "1e400", "0.01", "7", "12345678901234567890"}
	bodyNumbers   = []string{"0", "1", "-1", "2", "2.5", "95", "100", "100.0", "1e2", "0.1", "3", "15", "-0", "1.0",
		"100.00000000000000000001", "99.999999999999999999", "1e9999999", "1e-9999999", "0e9999999", "1e400",
		"12345678901234567890", "12345678901234567890123", "0.30000000000000004", "6", "-7.5", "1E+2", "0.010"}
	keys        = []string{"a", "b", "c", "popularity", "artist", "é", "1"}
	bodyKeys    = []string{`"a"`, `"b"`, `"c"`, `"popularity"`, `"artist"`, `"\u0061"`, `"é"`, `"1"`, `"zz"`}
	bodyStrings = []string{`""`, `"a"`, `"abc"`, `"Queen"`, `"é"`, `"\u00e9t\u00e9"`, `"12"`, `"a\nb"`, `"2024-01-02"`,
		`"x@example.com"`, `"192.0.2.1"`, `"^["`, `"\ud83d"`, `"` + "\xff" + `"`, `"aaaaaaaaaaaa"`, `"b"`, `"\/"`}
	patterns = []string{"^a", "b$", "^[0-9]+$", "é", "^.{2,4}$", "[", "^$"}
	formats  = []string{"email", "date", "ipv4", "uuid", "regex", "no-such-format", "date-time", "hostname"}
)

// genSchema writes a random schema of the draft (its $schema URL, "" for
// none) as JSON.
func genSchema(e *entropy) string {
	draft := e.pick(drafts...)
	root := genSubschema(e, draft, 3)
	m, ok := root.(map[string]any)
	if !ok {
		return mustJSON(root)
	}
	if draft != "" {
		m["$schema"] = draft
	}
	defs := "definitions"
	if strings.Contains(draft, "2019") || strings.Contains(draft, "2020") {
		defs = "$defs"
	}
	if e.n(3) == 0 {
		m[defs] = map[string]any{"x": genSubschema(e, draft, 2), "y": genSubschema(e, draft, 1)}
	}
	return mustJSON(m)
}

func genSubschema(e *entropy, draft string, depth int) any {
	later := draft != "" && !strings.Contains(draft, "draft-04")
	if later && e.n(10) == 0 {
		return e.n(2) == 0 // a boolean schema
	}
	m := map[string]any{}
	num := func() json.Number { return json.Number(e.pick(schemaNumbers...)) }
	count := 1 + e.n(4)
	for range count {
		switch e.n(30) {
		case 0:
			m["type"] = e.pick("object", "array", "string", "number", "integer", "boolean", "null")
		case 1:
			m["type"] = []string{e.pick("object", "integer", "null"), e.pick("string", "number", "array", "boolean")}
		case 2:
			m["minimum"] = num()
			if !later && e.n(2) == 0 {
				m["exclusiveMinimum"] = true
			}
		case 3:
			m["maximum"] = num()
			if !later && e.n(2) == 0 {
				m["exclusiveMaximum"] = true
			}
		case 4:
			if later {
				m["exclusiveMinimum"], m["exclusiveMaximum"] = num(), num()
			}
		case 5:
			m["multipleOf"] = json.Number(e.pick("1", "2", "0.5", "0.01", "3", "1e-2", "7", "1e400"))
		case 6:
			m["minLength"], m["maxLength"] = e.n(4), 1+e.n(6)
		case 7:
			m["pattern"] = e.pick(patterns...)
		case 8:
			m["format"] = e.pick(formats...)
		case 9:
			m["enum"] = []any{num(), e.pick("a", "Queen", "é"), nil, true, []any{num()}, map[string]any{"a": num()}}[:1+e.n(6)]
		case 10:
			if later {
				m["const"] = []any{num(), "a", nil, false, []any{}, map[string]any{"a": json.Number("1")}}[e.n(6)]
			}
		case 11:
			m["required"] = []string{e.pick(keys...), e.pick(keys...)}[:1+e.n(2)]
		case 12, 13:
			if depth > 0 {
				props := map[string]any{}
				for range 1 + e.n(3) {
					props[e.pick(keys...)] = genSubschema(e, draft, depth-1)
				}
				m["properties"] = props
			}
		case 14:
			if depth > 0 {
				m["patternProperties"] = map[string]any{e.pick(patterns...): genSubschema(e, draft, depth-1)}
			}
		case 15:
			if e.n(2) == 0 || depth == 0 {
				m["additionalProperties"] = e.n(2) == 0
			} else {
				m["additionalProperties"] = genSubschema(e, draft, depth-1)
			}
		case 16:
			m["minProperties"], m["maxProperties"] = e.n(3), 1+e.n(4)
		case 17:
			if depth > 0 {
				m["items"] = genSubschema(e, draft, depth-1)
			}
		case 18:
			if depth > 0 {
				if strings.Contains(draft, "2020") {
					m["prefixItems"] = []any{genSubschema(e, draft, depth-1), genSubschema(e, draft, depth-1)}
				} else {
					m["items"] = []any{genSubschema(e, draft, depth-1), genSubschema(e, draft, depth-1)}
					m["additionalItems"] = []any{false, true, genSubschema(e, draft, depth-1)}[e.n(3)]
				}
			}
		case 19:
			m["minItems"], m["maxItems"] = e.n(3), 1+e.n(4)
		case 20:
			m["uniqueItems"] = e.n(4) != 0
		case 21:
			if depth > 0 && later {
				m["contains"] = genSubschema(e, draft, depth-1)
				if e.n(2) == 0 {
					m["minContains"], m["maxContains"] = e.n(3), 1+e.n(3)
				}
			}
		case 22, 23:
			if depth > 0 {
				kw := e.pick("allOf", "anyOf", "oneOf")
				m[kw] = []any{genSubschema(e, draft, depth-1), genSubschema(e, draft, depth-1)}[:1+e.n(2)]
			}
		case 24:
			if depth > 0 {
				m["not"] = genSubschema(e, draft, depth-1)
			}
		case 25:
			if depth > 0 {
				m["if"], m["then"], m["else"] = genSubschema(e, draft, depth-1), genSubschema(e, draft, depth-1), genSubschema(e, draft, depth-1)
			}
		case 26:
			defs := "#/definitions/"
			if strings.Contains(draft, "2019") || strings.Contains(draft, "2020") {
				defs = "#/$defs/"
			}
			m["$ref"] = e.pick(defs+"x", defs+"y", "#", "#/properties/a")
		case 27:
			if depth > 0 {
				m["dependencies"] = map[string]any{e.pick(keys...): []string{e.pick(keys...)}, e.pick(keys...): genSubschema(e, draft, depth-1)}
			}
		case 28:
			if depth > 0 && later {
				m["propertyNames"] = genSubschema(e, draft, depth-1)
			}
		case 29:
			if depth > 0 {
				m["dependentRequired"] = map[string]any{e.pick(keys...): []string{e.pick(keys...)}}
				m["dependentSchemas"] = map[string]any{e.pick(keys...): genSubschema(e, draft, depth-1)}
			}
		}
	}
	return m
}

// genBody writes a random JSON text: repeated and escaped keys, numbers
// written every which way, strings that patterns and formats look at.
func genBody(e *entropy, depth int) string {
	switch k := e.n(10); {
	case k < 3 && depth > 0:
		var b strings.Builder
		b.WriteByte('{')
		for i := range e.n(5) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(e.pick(bodyKeys...))
			b.WriteByte(':')
			b.WriteString(genBody(e, depth-1))
		}
		b.WriteByte('}')
		return b.String()
	case k < 5 && depth > 0:
		var b strings.Builder
		b.WriteByte('[')
		n := e.n(5)
		if e.n(8) == 0 {
			n = 21 + e.n(5) // past jsonschema's pairwise uniqueItems
		}
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(genBody(e, depth-1))
		}
		b.WriteByte(']')
		return b.String()
	case k < 7:
		return e.pick(bodyNumbers...)
	case k < 9:
		return e.pick(bodyStrings...)
	}
	return e.pick("null", "true", "false")
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// agree checks the compiled model of schema against jsonschema on body.
// It reports whether the model compiled and whether the body is valid.
func agree(t *testing.T, schemaText, body string) (compiled, valid bool) {
	t.Helper()
	m, err := CompileModel("M", schemaText)
	if err != nil {
		return false, false // an invalid schema (a bad regexp, ...)
	}
	var d jsontape.Doc
	if err := d.Parse(body); err != nil {
		t.Fatalf("generated body %s: %v", body, err)
	}
	want, panicked := referenceValid(m, d.Native(0))
	got, checked := m.check(&d)
	if !checked {
		if m.validateDoc(&d) == nil != want {
			t.Fatalf("schema %s\nbody %s\njsonschema valid=%v (panicked %v), validateDoc disagrees", schemaText, body, want, panicked)
		}
		return false, want
	}
	if panicked {
		t.Fatalf("schema %s\nbody %s\njsonschema panics on a body the compiled model checks", schemaText, body)
	}
	if got != want {
		t.Fatalf("schema %s\nbody %s\ncompiled valid=%v, jsonschema valid=%v (%v)", schemaText, body, got, want, m.schema.Validate(d.Native(0)))
	}
	return true, want
}

func referenceValid(m *Model, v any) (valid, panicked bool) {
	defer func() {
		if recover() != nil {
			valid, panicked = false, true
		}
	}()
	return m.schema.Validate(v) == nil, false
}

func TestCompiledAgreesWithJSONSchema(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 300
	}
	e := &entropy{rnd: rand.New(rand.NewPCG(1, 2))}
	var models, compiled, bodies, valid int
	for range n {
		schemaText := genSchema(e)
		if _, err := CompileModel("M", schemaText); err != nil {
			continue
		}
		models++
		for range 10 {
			c, v := agree(t, schemaText, genBody(e, 3))
			bodies++
			if c {
				compiled++
			}
			if v {
				valid++
			}
		}
	}
	t.Logf("%d models, %d bodies, %d checked compiled, %d valid", models, bodies, compiled, valid)
	if compiled < bodies/2 || valid < bodies/20 {
		t.Errorf("the generator compiled %d and validated %d of %d bodies: too few to compare", compiled, valid, bodies)
	}
}

// FuzzCompiledAgreesWithJSONSchema draws a schema and bodies from the
// fuzzer's bytes.
func FuzzCompiledAgreesWithJSONSchema(f *testing.F) {
	for i := range 20 {
		f.Add([]byte(fmt.Sprint(i, "seed", i*7)), []byte{byte(i), 3, 1, 4, 1, 5, 9, 2, 6})
	}
	f.Fuzz(func(t *testing.T, schemaBytes, bodyBytes []byte) {
		schemaText := genSchema(&entropy{b: schemaBytes})
		e := &entropy{b: bodyBytes}
		for range 4 {
			agree(t, schemaText, genBody(e, 3))
		}
	})
}
