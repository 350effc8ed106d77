package iampolicy

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGlob(t *testing.T) {
	for _, tt := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything/at/all", true},
		{"", "", true},
		{"", "a", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "aéc", true},
		{"a*c", "a/b/c", true},
		{"a*c", "a/b/cd", false},
		{"*/GET/*", "arn:x/prod/GET/pets", true},
		{"*/GET/*", "arn:x/prod/POST/pets", false},
		{"arn:aws:execute-api:*:*:abc/*/GET/pets/*", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets/7", true},
		{"arn:aws:execute-api:*:*:abc/*/GET/pets/*", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets", false},
		{"arn:aws:execute-api:*:*:abc/*/GET/", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/", true},
		{"**a**b", "xxaxxb", true},
		{"*?", "", false},
		{"Pets", "pets", false},
	} {
		if got := Glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
		if got := NewPattern(tt.pattern).Match(tt.s); got != tt.want {
			t.Errorf("Pattern(%q).Match(%q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
		if NewPattern(tt.pattern).String() != tt.pattern {
			t.Errorf("Pattern(%q).String() = %q", tt.pattern, NewPattern(tt.pattern).String())
		}
	}
	// Pathological patterns stay polynomial.
	if Glob(strings.Repeat("*a", 200)+"b", strings.Repeat("a", 1600)) {
		t.Fatal("pathological pattern matched")
	}
}

func TestMatchFold(t *testing.T) {
	for _, tt := range []struct {
		pattern, s string
		want       bool
	}{
		{"execute-api:invoke", "execute-api:Invoke", true},
		{"execute-api:invoke", "EXECUTE-API:INVOKE", true},
		{"execute-api:*", "Execute-API:InvalidateCache", true},
		{"execute-api:inv?ke", "execute-api:InVoKe", true},
		{"execute-api:*cache", "execute-api:InvalidateCache", true},
		{"execute-api:invoke", "execute-api:Invoke2", false},
		{"*", "anything", true},
		{"s3:*", "execute-api:Invoke", false},
	} {
		if got := NewPattern(tt.pattern).matchFold(tt.s); got != tt.want {
			t.Errorf("Pattern(%q).matchFold(%q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// FuzzGlob compares Glob, Pattern.Match and the case-folding matcher with
// the equivalent regular expression.
func FuzzGlob(f *testing.F) {
	f.Add("arn:*:abc/*/GET/?", "arn:aws:abc/prod/GET/x")
	f.Add("*a*b?", "xaxbc")
	f.Add("é?", "éé")
	f.Add("execute-api:inv*", "Execute-API:Invoke")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 256 {
			return
		}
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return // byte-wise and rune-wise views differ on invalid UTF-8
		}
		want := globRegexp(pattern).MatchString(s)
		if got := Glob(pattern, s); got != want {
			t.Fatalf("Glob(%q, %q) = %v, regexp says %v", pattern, s, got, want)
		}
		if got := NewPattern(pattern).Match(s); got != want {
			t.Fatalf("Pattern(%q).Match(%q) = %v, regexp says %v", pattern, s, got, want)
		}
		lp := asciiLower(pattern)
		wantFold := globRegexp(lp).MatchString(asciiLower(s))
		if got := NewPattern(lp).matchFold(s); got != wantFold {
			t.Fatalf("Pattern(%q).matchFold(%q) = %v, regexp says %v", lp, s, got, wantFold)
		}
	})
}

// globRegexp is the regular expression equivalent to an IAM pattern.
func globRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`)$`)
	return regexp.MustCompile(b.String())
}

func asciiLower(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = toLower(b[i])
	}
	return string(b)
}
