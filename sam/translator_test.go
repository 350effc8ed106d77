package sam

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestTranslatorOutputs compares the OpenAPI document apigw makes of each
// API with the one SAM's translator makes, for SAM's own test templates
// (testdata/translator: aws/serverless-application-model
// tests/translator/input, with expected.json reduced from
// tests/translator/output to each method's security requirements and the
// CORS preflights' headers): the same methods, each with the same
// security and the same preflight answer. Some of the templates hold
// values AWS would refuse or apigw does not honour; their problems are
// TestTranslatorProblems'; the documents are compared all the same.
func TestTranslatorOutputs(t *testing.T) {
	type method struct {
		Security any            `json:"security"`
		CORS     map[string]any `json:"cors"`
	}
	var want struct {
		Cases map[string]map[string]map[string]method `json:"cases"`
	}
	data, err := os.ReadFile("testdata/translator/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for _, name := range sortedKeys(want.Cases) {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("testdata/translator/" + name + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := parseTemplate(data)
			if err != nil {
				t.Fatal(err)
			}
			l := newLoader(tmpl, Bindings{}, true)
			l.docs = map[string]map[string]any{}
			for _, api := range sortedKeys(l.apis) {
				l.build(l.apis[api])
			}
			for _, api := range sortedKeys(want.Cases[name]) {
				doc := l.docs[api]
				if doc == nil {
					t.Errorf("%s: no document (problems %v)", api, l.probs.list)
					continue
				}
				got := map[string]method{}
				paths, _ := doc["paths"].(map[string]any)
				for path, item := range paths {
					item, _ := item.(map[string]any)
					for m, op := range item {
						op, ok := op.(map[string]any)
						if !ok || m == "parameters" || m == "summary" || m == "description" {
							continue
						}
						var gm method
						gm.Security = op["security"]
						integration, _ := op["x-amazon-apigateway-integration"].(map[string]any)
						if m == "options" && integration["type"] == "mock" {
							responses, _ := integration["responses"].(map[string]any)
							def, _ := responses["default"].(map[string]any)
							gm.CORS, _ = def["responseParameters"].(map[string]any)
						}
						got[path+" "+m] = gm
					}
				}
				for _, key := range sortedKeys(want.Cases[name][api]) {
					w := want.Cases[name][api][key]
					g, ok := got[key]
					if !ok {
						t.Errorf("%s %s: missing", api, key)
						continue
					}
					if !sameJSON(g.Security, w.Security) {
						t.Errorf("%s %s: security %s, SAM's %s", api, key, jsonString(g.Security), jsonString(w.Security))
					}
					for h, v := range w.CORS {
						switch v := v.(type) {
						case map[string]any:
							// An intrinsic function apigw has resolved.
							delete(w.CORS, h)
							delete(g.CORS, h)
						case float64:
							// MaxAge: 600, which apigw quotes.
							w.CORS[h] = fmt.Sprintf("'%v'", v)
						}
					}
					if !sameJSON(g.CORS, w.CORS) {
						t.Errorf("%s %s: preflight %s, SAM's %s", api, key, jsonString(g.CORS), jsonString(w.CORS))
					}
				}
				for _, key := range sortedKeys(got) {
					if _, ok := want.Cases[name][api][key]; !ok {
						t.Errorf("%s %s: a method SAM does not make", api, key)
					}
				}
			}
		})
	}
}

// sameJSON compares two values as JSON, an absent list as an empty one.
func sameJSON(a, b any) bool {
	norm := func(v any) string {
		s := jsonString(v)
		if s == "null" || s == "[]" || s == "{}" {
			return ""
		}
		return s
	}
	return norm(a) == norm(b) || reflect.DeepEqual(a, b)
}

func jsonString(v any) string {
	data, _ := json.Marshal(v)
	return strings.TrimSpace(string(data))
}
