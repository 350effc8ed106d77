package mapping

import "testing"

// TestEscapeJavaScriptPlain checks the bytes escapeJavaScript passes over
// without escaping: printable ASCII but for quotes, backslash and slash.
func TestEscapeJavaScriptPlain(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := c >= 0x20 && c <= 0x7e && c != '\'' && c != '"' && c != '\\' && c != '/'
		if jsPlain[c] != want {
			t.Errorf("byte %#x: plain %v, want %v", c, jsPlain[c], want)
		}
		if s := "a" + string([]byte{byte(c)}) + "b"; want && escapeJavaScript(s) != s {
			t.Errorf("byte %#x: %q", c, escapeJavaScript(s))
		}
	}
}
