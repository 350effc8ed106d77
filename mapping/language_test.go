package mapping_test

import (
	"testing"

	"github.com/apigw/apigw/mapping"
)

func TestLanguage(t *testing.T) {
	for _, tc := range []struct {
		t    *mapping.Template
		want string
	}{
		{mapping.MustCompile(`{"a": 1}`), mapping.LanguageCEL},
		{mapping.MustCompileText(`<a>{{ 1 }}</a>`), mapping.LanguageCELText},
		{mapping.MustCompileVTL(`{"a": $input.json('$.a')}`), mapping.LanguageVTL},
	} {
		if got := tc.t.Language(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.t, got, tc.want)
		}
	}
}
