package sam_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apigw/apigw/sam"
)

// FuzzLoad: no template, however malformed (YAML tags, intrinsics nested
// in anything, conditions depending on themselves), panics the loader.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"Conditions": {"A": {"Condition": "A"}}, "Resources": {"F": {"Type": "AWS::Serverless::Function", "Condition": "A"}}}`))
	f.Add([]byte("Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: !Sub [x, {y: !Ref A}]\n"))
	// A path item an Fn::If made null panicked the OpenAPI loader
	// (SAM's error_api_with_invalid_if_condition_swagger).
	f.Add([]byte("Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: s\n      DefinitionBody:\n        swagger: '2.0'\n        paths:\n          /p:\n            Fn::If: {This: x}\n"))
	f.Fuzz(func(t *testing.T, template []byte) {
		_ = sam.Check(template, nil)
		_, _ = sam.APIs(template)
	})
}
