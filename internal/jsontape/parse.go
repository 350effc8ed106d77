package jsontape

import (
	"errors"
	"fmt"
	"math"
	"unicode"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of a document, as encoding/json bounds it.
const MaxDepth = 10000

// Kind is the JSON type of a node.
type Kind uint8

// The kinds of a node.
const (
	Null Kind = iota
	False
	True
	Number
	String
	Array
	Object
)

// Doc is a JSON document parsed into a tape. Node 0 is the top-level
// value; an object's node is followed by its members, each a key node
// (a String) and then its value; an array's by its elements. The zero
// value is an empty document; [Doc.Parse] fills it. A Doc is not safe for
// simultaneous use: reading a large object or an array by position builds
// an index on first use.
type Doc struct {
	s     string
	nodes []node
	// dirty: the text holds invalid UTF-8, so a container cannot be
	// copied out as it is.
	dirty bool
	idx   *indexes // built on first use
}

// indexes are those of objects with many members, and of arrays read by
// position.
type indexes struct {
	objects map[int32]map[string]int32
	arrays  map[int32][]int32
}

type node struct {
	kind Kind
	esc  bool  // a string with escapes or invalid UTF-8: decode before use
	n    int32 // containers: elements, or members of an object
	// start and end delimit the value's text: for a string, its contents
	// without the quotes; for a container, from its bracket to after the
	// closing one.
	start, end int32
	next       int32 // the node after this value and everything inside it
}

var errDepth = errors.New("exceeded max depth")

// Parse parses s (at most 2 GB) into d, reusing d's node storage. Blank
// input is a document whose root is null, as apigw.Context.JSON reads an
// empty body. Only white space may follow the value.
func (d *Doc) Parse(s string) error {
	*d = Doc{s: s, nodes: d.nodes[:0]}
	if len(s) > math.MaxInt32 {
		return errors.New("document over 2 GB")
	}
	if isBlank(s) {
		d.nodes = append(d.nodes, node{kind: Null, next: 1})
		return nil
	}
	if d.nodes == nil {
		// One allocation sized for a typical document: about one node per
		// 8 bytes of text.
		d.nodes = make([]node, 0, min(len(s)/8+2, 1<<16))
	}
	p := parser{d: d, s: s}
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

// Forget drops d's text and indexes, and its node storage when that holds
// more than keep nodes, so that a pooled Doc neither keeps a body alive
// nor holds on to a large tape.
func (d *Doc) Forget(keep int) {
	nodes := d.nodes[:0]
	if cap(nodes) > keep {
		nodes = nil
	}
	*d = Doc{nodes: nodes}
}

// IsBlank reports whether s is only white space (len(bytes.TrimSpace(s))
// == 0 without the copy).
func IsBlank(s string) bool { return isBlank(s) }

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			continue
		}
		if s[i] < utf8.RuneSelf {
			return false
		}
		for _, r := range s[i:] {
			if !unicode.IsSpace(r) {
				return false
			}
		}
		return true
	}
	return true
}

type parser struct {
	d *Doc
	s string
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *parser) skipSpace() {
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
func (p *parser) push(n node) int32 {
	p.d.nodes = append(p.d.nodes, n)
	return int32(len(p.d.nodes) - 1)
}

func (p *parser) value(depth int) error {
	if p.i >= len(p.s) {
		return p.errorf("unexpected end of JSON input")
	}
	start := p.i
	var kind Kind
	switch c := p.s[p.i]; {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			return errDepth
		}
		return p.container(depth, c)
	case c == '"':
		esc, err := p.str()
		if err != nil {
			return err
		}
		p.push(node{kind: String, esc: esc, start: int32(start + 1), end: int32(p.i - 1), next: int32(len(p.d.nodes) + 1)})
		return nil
	case c == '-' || '0' <= c && c <= '9':
		if err := p.number(); err != nil {
			return err
		}
		kind = Number
	case c == 't':
		if err := p.literal("true"); err != nil {
			return err
		}
		kind = True
	case c == 'f':
		if err := p.literal("false"); err != nil {
			return err
		}
		kind = False
	case c == 'n':
		if err := p.literal("null"); err != nil {
			return err
		}
		kind = Null
	default:
		return p.errorf("invalid character %q looking for beginning of value", c)
	}
	p.push(node{kind: kind, start: int32(start), end: int32(p.i), next: int32(len(p.d.nodes) + 1)})
	return nil
}

func (p *parser) literal(word string) error {
	if len(p.s)-p.i >= len(word) && p.s[p.i:p.i+len(word)] == word {
		p.i += len(word)
		return nil
	}
	return p.errorf("invalid literal")
}

// container parses an object or array at p.i.
func (p *parser) container(depth int, open byte) error {
	kind, closer := Array, byte(']')
	if open == '{' {
		kind, closer = Object, '}'
	}
	self := p.push(node{kind: kind, start: int32(p.i)})
	p.i++
	p.skipSpace()
	var n int32
	if p.i < len(p.s) && p.s[p.i] == closer {
		p.i++
	} else {
		for {
			p.skipSpace()
			if kind == Object {
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
	nd := &p.d.nodes[self]
	nd.n, nd.end, nd.next = n, int32(p.i), int32(len(p.d.nodes))
	return nil
}

func (p *parser) number() error {
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
func (p *parser) str() (esc bool, err error) {
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
