package jsontape

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Text is the document's text.
func (d *Doc) Text() string { return d.s }

// Nodes is the number of nodes on the tape; 0 before a successful parse.
func (d *Doc) Nodes() int { return len(d.nodes) }

// Kind is node i's type.
func (d *Doc) Kind(i int32) Kind { return d.nodes[i].kind }

// Len is the number of elements of array i, or of members of object i
// (a repeated key counted each time; see [Doc.Distinct]).
func (d *Doc) Len(i int32) int { return int(d.nodes[i].n) }

// Next is the node after value i and everything inside it: an array's
// elements are i+1, Next(i+1), ... up to Next(i); an object's keys are
// i+1, Next(i+2), ... each followed by its value.
func (d *Doc) Next(i int32) int32 { return d.nodes[i].next }

// Raw is node i's text: a number as written, a string's contents without
// the quotes and undecoded, a container from its bracket to its closing
// one.
func (d *Doc) Raw(i int32) string {
	n := &d.nodes[i]
	return d.s[n.start:n.end]
}

// Clean reports whether the text is valid UTF-8, so that a container's
// [Doc.Raw] text is JSON that means what its decoded value means.
func (d *Doc) Clean() bool { return !d.dirty }

// Str returns the string node i decodes to: a slice of the text unless it
// has escapes or invalid UTF-8, which are decoded as encoding/json
// decodes them (lone surrogates and invalid bytes become U+FFFD).
func (d *Doc) Str(i int32) string {
	n := &d.nodes[i]
	raw := d.s[n.start:n.end]
	if !n.esc {
		return raw
	}
	return string(appendUnescaped(make([]byte, 0, len(raw)), raw))
}

// StrEquals reports whether string node i decodes to s, without decoding
// when it has no escapes.
func (d *Doc) StrEquals(i int32, s string) bool {
	n := &d.nodes[i]
	if !n.esc {
		return d.s[n.start:n.end] == s
	}
	return d.Str(i) == s
}

// RuneCount is the number of runes string node i decodes to.
func (d *Doc) RuneCount(i int32) int {
	n := &d.nodes[i]
	if !n.esc {
		return utf8.RuneCountInString(d.s[n.start:n.end])
	}
	return utf8.RuneCountInString(d.Str(i))
}

func appendUnescaped(b []byte, raw string) []byte {
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
	return b
}

func hex4(s string) rune {
	n, _ := strconv.ParseUint(s[:4], 16, 32)
	return rune(n)
}

// Native returns node i as encoding/json would decode it into an any with
// UseNumber: objects map[string]any, arrays []any, numbers json.Number.
func (d *Doc) Native(i int32) any {
	n := &d.nodes[i]
	switch n.kind {
	case Null:
		return nil
	case False:
		return false
	case True:
		return true
	case Number:
		return json.Number(d.s[n.start:n.end])
	case String:
		return d.Str(i)
	case Array:
		a := make([]any, 0, n.n)
		for c := i + 1; c < n.next; c = d.nodes[c].next {
			a = append(a, d.Native(c))
		}
		return a
	}
	m := make(map[string]any, n.n)
	for c := i + 1; c < n.next; {
		k := d.Str(c)
		v := c + 1
		m[k] = d.Native(v)
		c = d.nodes[v].next
	}
	return m
}

// smallObject is the most members an object is searched in without an
// index, and the first position of an array read through one.
const smallObject = 8

// Find returns the node of the value of key in object obj: the last one
// when the key is repeated, as encoding/json keeps it.
func (d *Doc) Find(obj int32, key string) (int32, bool) {
	n := &d.nodes[obj]
	if n.n > smallObject {
		v, ok := d.Index(obj)[key]
		return v, ok
	}
	found, at := false, int32(0)
	for c := obj + 1; c < n.next; c = d.nodes[c+1].next {
		if d.StrEquals(c, key) {
			found, at = true, c+1
		}
	}
	return at, found
}

// Index maps each key of object obj to its (last) value node. It is built
// on first use and kept: read it, never write it.
func (d *Doc) Index(obj int32) map[string]int32 {
	if d.idx == nil {
		d.idx = new(indexes)
	}
	if m, ok := d.idx.objects[obj]; ok {
		return m
	}
	n := &d.nodes[obj]
	m := make(map[string]int32, n.n)
	for c := obj + 1; c < n.next; c = d.nodes[c+1].next {
		m[d.Str(c)] = c + 1
	}
	if d.idx.objects == nil {
		d.idx.objects = map[int32]map[string]int32{}
	}
	d.idx.objects[obj] = m
	return m
}

// Distinct is the number of distinct keys of object obj.
func (d *Doc) Distinct(obj int32) int {
	n := d.nodes[obj].n
	if n <= 1 {
		return int(n)
	}
	if n <= smallObject {
		k := 0
		for c := obj + 1; c < d.nodes[obj].next; c = d.nodes[c+1].next {
			if d.Effective(obj, c) {
				k++
			}
		}
		return k
	}
	return len(d.Index(obj))
}

// Effective reports whether key node k of object obj is the one whose
// value the object keeps: no later member repeats it.
func (d *Doc) Effective(obj, k int32) bool {
	n := &d.nodes[obj]
	if n.n <= 1 {
		return true
	}
	if n.n > smallObject {
		return d.Index(obj)[d.Str(k)] == k+1
	}
	key := d.Str(k)
	for c := d.nodes[k+1].next; c < n.next; c = d.nodes[c+1].next {
		if d.StrEquals(c, key) {
			return false
		}
	}
	return true
}

// Elem returns the node of element k (0 <= k < Len(arr)) of array arr.
func (d *Doc) Elem(arr int32, k int) int32 {
	if k < smallObject {
		c := arr + 1
		for ; k > 0; k-- {
			c = d.nodes[c].next
		}
		return c
	}
	if d.idx == nil {
		d.idx = new(indexes)
	}
	idx, ok := d.idx.arrays[arr]
	if !ok {
		n := &d.nodes[arr]
		idx = make([]int32, 0, n.n)
		for c := arr + 1; c < n.next; c = d.nodes[c].next {
			idx = append(idx, c)
		}
		if d.idx.arrays == nil {
			d.idx.arrays = map[int32][]int32{}
		}
		d.idx.arrays[arr] = idx
	}
	return idx[k]
}
