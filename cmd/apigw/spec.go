package main

import (
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

// specKind tells a SAM template from an OpenAPI definition by their
// top-level keys.
func specKind(data []byte) (string, error) {
	// A node, not a map: a template's short-form functions (!Ref) are
	// tagged nodes, and a key written twice is CloudFormation's to judge
	// (the last wins), not a reason to refuse the file.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("not JSON or YAML: %v", err)
	}
	top := map[string]bool{}
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			top[m.Content[i].Value] = true
		}
	}
	openapi, swagger := top["openapi"], top["swagger"]
	resources, transform := top["Resources"], top["Transform"]
	switch {
	case openapi || swagger:
		return "openapi", nil
	case resources || transform:
		return "sam", nil
	}
	return "", fmt.Errorf("neither an OpenAPI definition (openapi, swagger) nor a SAM template (Resources)")
}

func readSpec(path string) ([]byte, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	kind, err := specKind(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %v", path, err)
	}
	return data, kind, nil
}
