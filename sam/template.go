package sam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/awslabs/goformation/v7/intrinsics"
	"go.yaml.in/yaml/v3"
)

// maxTemplateBytes bounds a template: CloudFormation takes 1 MB from S3;
// apigw reads up to 16 MB.
const maxTemplateBytes = 16 << 20

// goformationMu serialises goformation's YAML processing, which registers
// its tag resolvers in a package-level map on every call: two concurrent
// loads would race on it.
var goformationMu sync.Mutex

// parseTemplate reads a template, JSON or YAML, into a generic value with
// CloudFormation's short-form functions (!Ref, !Sub, !GetAtt, ...) in their
// long form, by goformation's processor. Intrinsic functions are left for
// the resolver.
func parseTemplate(data []byte) (map[string]any, error) {
	if len(data) > maxTemplateBytes {
		return nil, fmt.Errorf("the template has %d bytes; at most %d are read", len(data), maxTemplateBytes)
	}
	var out []byte
	var err error
	opts := &intrinsics.ProcessorOptions{NoProcess: true}
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		out, err = intrinsics.ProcessJSON(data, opts)
	} else {
		// goformation fails on YAML mapping keys that are not strings
		// (responses: 200:), and knows no !Condition: fix both first.
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("not YAML or JSON: %v", err)
		}
		normalizeYAML(&doc, 0)
		fixed, err := yaml.Marshal(&doc)
		if err != nil {
			return nil, err
		}
		goformationMu.Lock()
		out, err = processYAML(fixed, opts)
		goformationMu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	var t map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("not a template: %v", err)
	}
	if t == nil {
		return nil, fmt.Errorf("not a template: empty")
	}
	return t, nil
}

// processYAML is goformation's, with a panic in it turned into an error.
func processYAML(data []byte, opts *intrinsics.ProcessorOptions) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the YAML could not be read: %v", p)
		}
	}()
	return intrinsics.ProcessYAML(data, opts)
}

// maxYAMLDepth bounds the nesting of a template.
const maxYAMLDepth = 256

// dedupe keeps the last of a mapping's keys written twice, as
// CloudFormation does (YAML decoders refuse them).
func dedupe(n *yaml.Node) {
	last := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode {
			last[k.Value] = i
		}
	}
	if len(last)*2 == len(n.Content)-len(n.Content)%2 {
		return
	}
	out := n.Content[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && last[k.Value] != i {
			continue
		}
		out = append(out, n.Content[i], n.Content[i+1])
	}
	n.Content = out
}

// normalizeYAML makes every mapping key a string, keeps the last of
// duplicate keys and turns !Condition NAME into {Condition: NAME}.
func normalizeYAML(n *yaml.Node, depth int) {
	if depth > maxYAMLDepth {
		n.Kind, n.Tag, n.Value, n.Content = yaml.ScalarNode, "!!null", "", nil
		return
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode {
				switch k.Tag {
				case "!!int", "!!bool", "!!float", "!!null", "!!timestamp":
					k.Tag = "!!str"
				}
			}
		}
		dedupe(n)
	}
	if n.Tag == "!Condition" && n.Kind == yaml.ScalarNode {
		name := *n
		name.Tag = "!!str"
		*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "Condition"}, &name}}
	}
	for _, c := range n.Content {
		normalizeYAML(c, depth+1)
	}
}
