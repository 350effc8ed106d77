package mapping

import "testing"

// $util.escapeJavaScript byte for byte against Apache Commons Lang 2's
// StringEscapeUtils.escapeJavaScript, which AWS's VTL uses.
func TestAtkBodyEscapeJavaScript(t *testing.T) {
	cases := map[string]string{
		`a"b`:       `a\"b`,
		`a\b`:       `a\\b`,
		`a'b`:       `a\'b`,
		`a/b`:       `a\/b`,
		"a\nb":      `a\nb`,
		"\x01":      `\u0001`,
		"\x1f":      `\u001F`,
		"\x7f":      "\x7f",
		"é":         `\u00E9`,
		"\u2028":    `\u2028`,
		"\u0100":    `\u0100`,
		"😀":         `\uD83D\uDE00`,
		"</script>": `<\/script>`,
		"\xff":      `\uFFFD`,
	}
	for in, want := range cases {
		if got := escapeJavaScript(in); got != want {
			t.Errorf("escapeJavaScript(%q) = %q, want %q", in, got, want)
		}
	}
}
