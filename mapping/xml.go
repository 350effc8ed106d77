package mapping

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxXMLDepth bounds the nesting util.parseXml accepts.
const maxXMLDepth = 512

// parseXML reads an XML document into the structure util.parseXml gives a
// template: {rootName: value}, where an element's value is its text when
// it has neither attributes nor child elements, else a map of its child
// elements by local name (a list when a name repeats), its attributes as
// "@name" and its non-blank text as "#text". Namespace prefixes are
// dropped (soap:Envelope is Envelope) and xmlns declarations left out.
// Values are strings: XML does not say which text is a number.
//
// The decoder is strict and expands only XML's predefined entities and
// character references; a DTD is not processed. UTF-8, US-ASCII and
// ISO-8859-1 documents are read.
func parseXML(s string) (any, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.CharsetReader = charsetReader
	var (
		stack []*xmlNode
		root  map[string]any
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil {
				return nil, errors.New("more than one root element")
			}
			if len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("elements nested deeper than %d", maxXMLDepth)
			}
			n := &xmlNode{name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				n.add("@"+a.Name.Local, a.Value)
			}
			stack = append(stack, n)
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, errors.New("text outside the root element")
				}
				continue
			}
			top := stack[len(stack)-1]
			top.text = append(top.text, t...)
		case xml.EndElement:
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			v := n.value()
			if len(stack) == 0 {
				root = map[string]any{n.name: v}
				continue
			}
			stack[len(stack)-1].add(n.name, v)
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

type xmlNode struct {
	name string
	m    map[string]any // attributes and children; nil while there are none
	text []byte
}

// add records a child (or attribute) value; a repeated name becomes a list.
func (n *xmlNode) add(name string, v any) {
	if n.m == nil {
		n.m = make(map[string]any, 4)
	}
	switch old := n.m[name].(type) {
	case nil:
		n.m[name] = v
	case []any:
		n.m[name] = append(old, v)
	default:
		n.m[name] = []any{old, v}
	}
}

func (n *xmlNode) value() any {
	if n.m == nil {
		return string(n.text)
	}
	if len(bytes.TrimSpace(n.text)) != 0 {
		n.m["#text"] = string(n.text)
	}
	return n.m
}

// charsetReader lets the decoder read the single-byte encodings legacy
// XML services still declare.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii":
		return &latin1Reader{r: input}, nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q", charset)
}

// latin1Reader converts ISO-8859-1 (and so US-ASCII) to UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte
	out []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.out) == 0 {
		if cap(l.buf) == 0 {
			l.buf = make([]byte, 4096)
		}
		n, err := l.r.Read(l.buf[:len(l.buf)])
		l.out = l.out[:0]
		for _, c := range l.buf[:n] {
			l.out = utf8.AppendRune(l.out, rune(c))
		}
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}
