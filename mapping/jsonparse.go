package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonDoc is a JSON document parsed into a flat tape of nodes, one per
// value (and per object key), in document order. Nothing is decoded or
// allocated per value while parsing: the CEL views over the tape
// (jsonObject, jsonArray) read a value when a template asks for it, and a
// container taken whole is written out as the text it was sent as.
//
// It reads what encoding/json reads into an any with UseNumber, and
// rejects what it rejects (see [parseJSON], which is checked against
// encoding/json by FuzzParseJSON).
type jsonDoc struct {
	s     string
	nodes []jnode
	// dirty: the text holds invalid UTF-8, so a container cannot be
	// copied out as it is (it is re-encoded instead).
	dirty bool
	// indexes of objects with many members or duplicate keys, and of
	// arrays read by position, built on first use.
	objIndex map[int32]map[string]int32
	arrIndex map[int32][]int32
	// arrays is room for array views, reused with the tape so that
	// reading an array allocates nothing; used only up to its capacity,
	// so that a view never moves.
	arrays []jsonArray
}

type jsonKind uint8

const (
	jNull jsonKind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

type jnode struct {
	kind jsonKind
	esc  bool  // a string with escapes or invalid UTF-8: decode before use
	n    int32 // containers: elements, or members of an object
	// start and end delimit the value's text: for a string, its contents
	// without the quotes; for a container, from its bracket to after the
	// closing one.
	start, end int32
	next       int32 // the node after this value and everything inside it
}

var errJSONDepth = errors.New("exceeded max depth")

// parse parses s (at most 2 GB) into d, reusing d's tape. Blank
// input is a document whose root is null, as [apigw.Context.JSON] reads an
// empty body.
func (d *jsonDoc) parse(s string) error {
	*d = jsonDoc{s: s, nodes: d.nodes[:0], arrays: d.arrays[:0]}
	if len(s) > math.MaxInt32 {
		return errors.New("document over 2 GB")
	}
	if isBlank(s) {
		d.nodes = append(d.nodes, jnode{kind: jNull, next: 1})
		return nil
	}
	p := tapeParser{d: d, s: s}
	p.skipSpace()
	if err := p.value(0); err != nil {
		return err
	}
	p.skipSpace()
	if p.i != len(s) {
		return p.errorf("data after the top-level value")
	}
	return nil
}

// isBlank is len(bytes.TrimSpace(s)) == 0 without the copy.
func isBlank(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

type tapeParser struct {
	d *jsonDoc
	s string
	i int
}

func (p *tapeParser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *tapeParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// push appends a node and returns its index.
func (p *tapeParser) push(n jnode) int32 {
	p.d.nodes = append(p.d.nodes, n)
	return int32(len(p.d.nodes) - 1)
}

func (p *tapeParser) value(depth int) error {
	if p.i >= len(p.s) {
		return p.errorf("unexpected end of JSON input")
	}
	start := p.i
	var kind jsonKind
	switch c := p.s[p.i]; {
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return errJSONDepth
		}
		return p.container(depth, c)
	case c == '"':
		esc, err := p.str()
		if err != nil {
			return err
		}
		p.push(jnode{kind: jString, esc: esc, start: int32(start + 1), end: int32(p.i - 1), next: int32(len(p.d.nodes) + 1)})
		return nil
	case c == '-' || '0' <= c && c <= '9':
		if err := p.number(); err != nil {
			return err
		}
		kind = jNumber
	case c == 't':
		if err := p.literal("true"); err != nil {
			return err
		}
		kind = jTrue
	case c == 'f':
		if err := p.literal("false"); err != nil {
			return err
		}
		kind = jFalse
	case c == 'n':
		if err := p.literal("null"); err != nil {
			return err
		}
		kind = jNull
	default:
		return p.errorf("invalid character %q looking for beginning of value", c)
	}
	p.push(jnode{kind: kind, start: int32(start), end: int32(p.i), next: int32(len(p.d.nodes) + 1)})
	return nil
}

func (p *tapeParser) literal(word string) error {
	if len(p.s)-p.i >= len(word) && p.s[p.i:p.i+len(word)] == word {
		p.i += len(word)
		return nil
	}
	return p.errorf("invalid literal")
}

// container parses an object or array at p.i.
func (p *tapeParser) container(depth int, open byte) error {
	kind, closer := jArray, byte(']')
	if open == '{' {
		kind, closer = jObject, '}'
	}
	self := p.push(jnode{kind: kind, start: int32(p.i)})
	p.i++
	p.skipSpace()
	var n int32
	if p.i < len(p.s) && p.s[p.i] == closer {
		p.i++
	} else {
		for {
			p.skipSpace()
			if kind == jObject {
				if p.i >= len(p.s) || p.s[p.i] != '"' {
					return p.errorf("expected an object key")
				}
				if err := p.value(depth + 1); err != nil { // the key, a string
					return err
				}
				p.skipSpace()
				if p.i >= len(p.s) || p.s[p.i] != ':' {
					return p.errorf("expected ':' after object key")
				}
				p.i++
				p.skipSpace()
			}
			if err := p.value(depth + 1); err != nil {
				return err
			}
			n++
			p.skipSpace()
			if p.i >= len(p.s) {
				return p.errorf("unexpected end of JSON input")
			}
			if c := p.s[p.i]; c == ',' {
				p.i++
				continue
			} else if c == closer {
				p.i++
				break
			}
			return p.errorf("expected ',' or '%c' after a value", closer)
		}
	}
	node := &p.d.nodes[self]
	node.n, node.end, node.next = n, int32(p.i), int32(len(p.d.nodes))
	return nil
}

func (p *tapeParser) number() error {
	s := p.s
	if s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(s) && s[p.i] == '0':
		p.i++
	case p.i < len(s) && '1' <= s[p.i] && s[p.i] <= '9':
		for p.i < len(s) && '0' <= s[p.i] && s[p.i] <= '9' {
			p.i++
		}
	default:
		return p.errorf("invalid number")
	}
	if p.i < len(s) && s[p.i] == '.' {
		p.i++
		if p.i >= len(s) || s[p.i] < '0' || s[p.i] > '9' {
			return p.errorf("invalid number")
		}
		for p.i < len(s) && '0' <= s[p.i] && s[p.i] <= '9' {
			p.i++
		}
	}
	if p.i < len(s) && (s[p.i] == 'e' || s[p.i] == 'E') {
		p.i++
		if p.i < len(s) && (s[p.i] == '+' || s[p.i] == '-') {
			p.i++
		}
		if p.i >= len(s) || s[p.i] < '0' || s[p.i] > '9' {
			return p.errorf("invalid number")
		}
		for p.i < len(s) && '0' <= s[p.i] && s[p.i] <= '9' {
			p.i++
		}
	}
	return nil
}

// str checks the string at p.i (on its opening quote) and moves past it;
// esc reports escapes or invalid UTF-8 (marking the document dirty).
func (p *tapeParser) str() (esc bool, err error) {
	p.i++ // "
	s := p.s
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c == '"':
			p.i++
			return esc, nil
		case c == '\\':
			esc = true
			p.i++
			if p.i >= len(s) {
				return esc, p.errorf("unexpected end of JSON input")
			}
			switch s[p.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				p.i++
				if !isHex4(s[p.i:]) {
					return esc, p.errorf("invalid escape in string literal")
				}
				p.i += 4
			default:
				return esc, p.errorf("invalid escape %q in string literal", s[p.i])
			}
		case c < 0x20:
			return esc, p.errorf("invalid character %q in string literal", c)
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRuneInString(s[p.i:])
			if r == utf8.RuneError && size == 1 {
				esc = true
				p.d.dirty = true
			}
			p.i += size
		}
	}
	return esc, p.errorf("unexpected end of JSON input")
}

func isHex4(s string) bool {
	if len(s) < 4 {
		return false
	}
	for i := range 4 {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func hex4(s string) rune {
	n, _ := strconv.ParseUint(s[:4], 16, 32)
	return rune(n)
}

// str returns the string node i decodes to: a slice of the text unless it
// has escapes or invalid UTF-8, which are decoded as encoding/json
// decodes them (lone surrogates and invalid bytes become U+FFFD).
func (d *jsonDoc) str(i int32) string {
	n := &d.nodes[i]
	raw := d.s[n.start:n.end]
	if !n.esc {
		return raw
	}
	b := make([]byte, 0, len(raw))
	for j := 0; j < len(raw); {
		c := raw[j]
		switch {
		case c == '\\':
			e := raw[j+1]
			j += 2
			switch e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(raw[j:])
				j += 4
				if utf16.IsSurrogate(r) {
					dec := utf8.RuneError
					if j+6 <= len(raw) && raw[j] == '\\' && raw[j+1] == 'u' {
						if d2 := utf16.DecodeRune(r, hex4(raw[j+2:])); d2 != utf8.RuneError {
							dec = d2
							j += 6
						}
					}
					r = dec
				}
				b = utf8.AppendRune(b, r)
			default: // " \ /
				b = append(b, e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			j++
		default:
			r, size := utf8.DecodeRuneInString(raw[j:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, raw[j:j+size]...)
			}
			j += size
		}
	}
	return string(b)
}

// native returns node i as encoding/json would decode it into an any with
// UseNumber.
func (d *jsonDoc) native(i int32) any {
	n := &d.nodes[i]
	switch n.kind {
	case jNull:
		return nil
	case jFalse:
		return false
	case jTrue:
		return true
	case jNumber:
		return json.Number(d.s[n.start:n.end])
	case jString:
		return d.str(i)
	case jArray:
		a := make([]any, 0, n.n)
		for c := i + 1; c < n.next; c = d.nodes[c].next {
			a = append(a, d.native(c))
		}
		return a
	}
	m := make(map[string]any, n.n)
	for c := i + 1; c < n.next; {
		k := d.str(c)
		v := c + 1
		m[k] = d.native(v)
		c = d.nodes[v].next
	}
	return m
}

// parseJSON parses one JSON value as encoding/json decodes it into an any
// with UseNumber: objects are map[string]any, arrays []any, numbers
// json.Number; invalid UTF-8 and lone surrogates become U+FFFD. Only
// white space may follow the value. Blank input is nil without error, as
// [apigw.Context.JSON] reads an empty body.
func parseJSON(data []byte) (any, error) {
	var d jsonDoc
	if err := d.parse(string(data)); err != nil {
		return nil, err
	}
	return d.native(0), nil
}
