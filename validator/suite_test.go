package validator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/jsontape"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestJSONSchemaTestSuite runs the JSON Schema Test Suite
// (github.com/json-schema-org/JSON-Schema-Test-Suite, its tests directory
// named by APIGW_JSON_SCHEMA_SUITE) through the compiled models and
// jsonschema: they must agree on every instance whose schema compiles
// (schemas with remote references do not: a model refuses them).
func TestJSONSchemaTestSuite(t *testing.T) {
	dir := os.Getenv("APIGW_JSON_SCHEMA_SUITE")
	if dir == "" {
		t.Skip("APIGW_JSON_SCHEMA_SUITE is not set")
	}
	drafts := map[string]*jsonschema.Draft{"draft4": jsonschema.Draft4, "draft6": jsonschema.Draft6,
		"draft7": jsonschema.Draft7, "draft2019-09": jsonschema.Draft2019, "draft2020-12": jsonschema.Draft2020}
	var cases, checked, models, compiled, suiteDisagrees int
	for name, draft := range drafts {
		files, _ := filepath.Glob(filepath.Join(dir, name, "*.json"))
		opt, _ := filepath.Glob(filepath.Join(dir, name, "optional", "*.json"))
		fmts, _ := filepath.Glob(filepath.Join(dir, name, "optional", "format", "*.json"))
		for _, file := range append(append(files, opt...), fmts...) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var groups []struct {
				Description string
				Schema      json.RawMessage
				Tests       []struct {
					Description string
					Data        json.RawMessage
					Valid       bool
				}
			}
			if err := json.Unmarshal(data, &groups); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			for _, g := range groups {
				m, err := compileModel("suite", string(g.Schema), draft)
				if err != nil {
					continue
				}
				models++
				if m.fast != nil {
					compiled++
				}
				for _, tc := range g.Tests {
					cases++
					var d jsontape.Doc
					if err := d.Parse(string(tc.Data)); err != nil {
						t.Fatalf("%s: %s: %v", file, tc.Description, err)
					}
					want, panicked := referenceValid(m, d.Native(0))
					if want != tc.Valid {
						suiteDisagrees++
					}
					got, ok := m.check(&d)
					if !ok {
						continue
					}
					checked++
					if panicked || got != want {
						t.Errorf("%s: %s / %s:\nschema %s\ndata %s\ncompiled %v, jsonschema %v (panicked %v)",
							strings.TrimPrefix(file, dir), g.Description, tc.Description, g.Schema, tc.Data, got, want, panicked)
					}
				}
			}
		}
	}
	t.Logf("%d cases; %d models, %d compiled; %d cases checked compiled; jsonschema differs from the suite on %d",
		cases, models, compiled, checked, suiteDisagrees)
}
