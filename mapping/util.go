package mapping

import (
	"encoding/base64"
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/apigw/apigw/internal/jsontape"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
)

// utilFunctions declares $util in CEL form: util.escapeJavaScript and the
// rest, as namespaced functions.
func utilFunctions() []cel.EnvOption {
	str := func(name string, fn func(string) ref.Val) cel.EnvOption {
		return cel.Function("util."+name,
			cel.Overload("util_"+name+"_string", []*cel.Type{cel.StringType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.(types.String)
					if !ok {
						return types.MaybeNoSuchOverloadErr(v)
					}
					return fn(string(s))
				})))
	}
	return []cel.EnvOption{
		str("escapeJavaScript", func(s string) ref.Val { return types.String(escapeJavaScript(s)) }),
		str("escapeJson", func(s string) ref.Val { return types.String(appendEscaped(nil, s)) }),
		str("escapeXml", func(s string) ref.Val { return types.String(escapeXML(s)) }),
		str("urlEncode", func(s string) ref.Val { return types.String(urlEncode(s)) }),
		str("urlDecode", func(s string) ref.Val {
			d, err := url.QueryUnescape(s)
			if err != nil {
				return types.NewErr("util.urlDecode: %v", err)
			}
			return types.String(d)
		}),
		str("base64Decode", func(s string) ref.Val {
			d, err := base64Decode(s)
			if err != nil {
				return types.NewErr("util.base64Decode: %v", err)
			}
			return types.String(d)
		}),
		cel.Function("util.base64Encode",
			cel.Overload("util_base64Encode_string", []*cel.Type{cel.StringType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					switch v := v.(type) {
					case types.String:
						return types.String(base64.StdEncoding.EncodeToString([]byte(v)))
					}
					return types.MaybeNoSuchOverloadErr(v)
				})),
			cel.Overload("util_base64Encode_bytes", []*cel.Type{cel.BytesType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					switch v := v.(type) {
					case types.Bytes:
						return types.String(base64.StdEncoding.EncodeToString(v))
					}
					return types.MaybeNoSuchOverloadErr(v)
				}))),
		cel.Function("util.parseJson",
			cel.Overload("util_parseJson_string", []*cel.Type{cel.StringType}, cel.DynType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.(types.String)
					if !ok {
						return types.MaybeNoSuchOverloadErr(v)
					}
					d := &celDoc{Doc: new(jsontape.Doc)}
					if err := d.Parse(string(s)); err != nil {
						return types.NewErr("util.parseJson: %v", err)
					}
					return d.value(0)
				}))),
		cel.Function("util.parseXml",
			cel.Overload("util_parseXml_string", []*cel.Type{cel.StringType}, cel.DynType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.(types.String)
					if !ok {
						return types.MaybeNoSuchOverloadErr(v)
					}
					parsed, err := parseXML(string(s))
					if err != nil {
						return types.NewErr("util.parseXml: %v", err)
					}
					return adapter{}.NativeToValue(parsed)
				}))),
		cel.Function("util.toJson",
			cel.Overload("util_toJson_dyn", []*cel.Type{cel.DynType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					b, err := appendJSON(nil, v)
					if err != nil {
						return types.WrapErr(err)
					}
					return types.String(b)
				}))),
	}
}

// jsPlain marks the bytes escapeJavaScript writes as they are: printable
// ASCII but for quotes, backslash and slash.
var jsPlain = func() (plain [256]bool) {
	for c := ' '; c <= '~'; c++ {
		plain[c] = true
	}
	plain['\''], plain['"'], plain['\\'], plain['/'] = false, false, false, false
	return plain
}()

// escapeJavaScript escapes s with JavaScript string rules, as VTL's
// $util.escapeJavaScript (Apache Commons Lang's escapeJavaScript) does:
// quotes, backslash and slash get a backslash, control characters their
// short or \u00XX form, and every character outside ASCII its \uXXXX
// form (UTF-16, upper-case hex). As in AWS, a single quote becomes \',
// which is not valid inside a JSON string.
func escapeJavaScript(s string) string {
	const upperHex = "0123456789ABCDEF"
	i := 0
	for i < len(s) && jsPlain[s[i]] {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	u := func(r rune) {
		b.WriteString(`\u`)
		b.WriteByte(upperHex[r>>12&0xf])
		b.WriteByte(upperHex[r>>8&0xf])
		b.WriteByte(upperHex[r>>4&0xf])
		b.WriteByte(upperHex[r&0xf])
	}
	for _, r := range s {
		switch {
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			u(r1)
			u(r2)
		case r > 0x7f:
			u(r)
		case r < 0x20:
			switch r {
			case '\b':
				b.WriteString(`\b`)
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\f':
				b.WriteString(`\f`)
			case '\r':
				b.WriteString(`\r`)
			default:
				u(r)
			}
		case r == '\'' || r == '"' || r == '\\' || r == '/':
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		default:
			b.WriteByte(byte(r))
		}
	}
	return b.String()
}

// urlEncode is Java's URLEncoder.encode(s, "UTF-8"), which VTL's
// $util.urlEncode uses: letters, digits and .-*_ stay, a space becomes +,
// every other byte %XX (upper-case hex).
func urlEncode(s string) string {
	const upperHex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !urlUnreserved(s[i]) && s[i] != ' ' {
			n++
		}
	}
	if n == 0 && !strings.Contains(s, " ") {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case urlUnreserved(c):
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', upperHex[c>>4], upperHex[c&0xf])
		}
	}
	return string(b)
}

func urlUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '-' || c == '*' || c == '_'
}

// base64Decode accepts standard base64 with or without padding.
func base64Decode(s string) (string, error) {
	if strings.HasSuffix(s, "=") || len(s)%4 == 0 {
		d, err := base64.StdEncoding.DecodeString(s)
		return string(d), err
	}
	d, err := base64.RawStdEncoding.DecodeString(s)
	return string(d), err
}

// escapeXML escapes s for XML text or an attribute value: the five
// predefined entities, and U+FFFD for invalid UTF-8 and the control
// characters XML 1.0 does not allow.
func escapeXML(s string) string {
	var b []byte
	last := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		var esc string
		switch {
		case r == '&':
			esc = "&amp;"
		case r == '<':
			esc = "&lt;"
		case r == '>':
			esc = "&gt;"
		case r == '"':
			esc = "&quot;"
		case r == '\'':
			esc = "&apos;"
		case r == utf8.RuneError && size == 1, !xmlChar(r):
			esc = "\uFFFD"
		default:
			i += size
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(s)+16)
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		i += size
		last = i
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// xmlChar reports whether r is allowed in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
