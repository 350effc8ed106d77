package main

import (
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

// specKind tells a SAM template from an OpenAPI definition by their
// top-level keys.
func specKind(data []byte) (string, error) {
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		// A template's short-form functions (!Ref) decode as tagged
		// scalars; an error here is a real one.
		return "", fmt.Errorf("not JSON or YAML: %v", err)
	}
	_, openapi := top["openapi"]
	_, swagger := top["swagger"]
	_, resources := top["Resources"]
	_, transform := top["Transform"]
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
