package vtl

import (
	"fmt"
	"strconv"
	"strings"
)

// directives are the directive names Velocity 1.7 knows besides #set,
// #if, #elseif, #else and #end: an escaped one (\#foreach) loses its
// backslash.
var directives = map[string]bool{
	"foreach": true, "include": true, "parse": true, "macro": true, "literal": true,
	"evaluate": true, "break": true, "define": true, "stop": true,
}

// unsupported are the directives API Gateway's templates cannot use: a
// template that uses one does not compile.
var unsupported = map[string]string{
	"include":  "#include reads files, which a mapping template has none of",
	"parse":    "#parse reads files, which a mapping template has none of",
	"evaluate": "#evaluate is not supported",
	"literal":  "#literal is not supported: use #[[ ]]#",
}

type parser struct {
	src    string
	i      int
	depth  int
	macros map[string]*macroDef
	names  map[string]bool // macro names seen so far, for escapes
	info   *parseInfo      // shared with the parsers of interpolated strings
}

// parseInfo is what a template's parse learns about the whole template.
type parseInfo struct {
	// slots numbers the template's variables (see variable).
	slots map[string]int
	// scopeEscapes: a reference can give $foreach itself (see
	// Template.scopeEscapes).
	scopeEscapes bool
}

type terminator uint8

const (
	termEOF terminator = iota
	termEnd
	termElse
	termElseIf
)

// maxNesting bounds how deeply blocks, expressions and interpolated
// strings nest, so that parsing hostile input cannot exhaust the stack.
const maxNesting = 200

func (p *parser) errorf(at int, format string, args ...any) error {
	pos := lineCol(p.src, at)
	return &Error{Line: pos.Line, Column: pos.Column, Msg: fmt.Sprintf(format, args...)}
}

// parseBlock parses nodes until #end, #else, #elseif or the end of input.
// For #elseif, the condition is parsed and returned.
func (p *parser) parseBlock() (nodes []node, term terminator, termAt int, cond expr, err error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, 0, 0, nil, p.errorf(p.i, "blocks nested more than %d deep", maxNesting)
	}
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			nodes = append(nodes, &textNode{text.String()})
			text.Reset()
		}
	}
	for p.i < len(p.src) {
		if p.atSet() {
			// A #set right after a reference returns Velocity's lexer to
			// the reference's state: a [ after it opens an index, which
			// does not parse.
			afterRef := text.Len() == 0 && len(nodes) > 0 && isRef(nodes[len(nodes)-1])
			flush()
			n, err := p.parseSet()
			if err != nil {
				return nil, 0, 0, nil, err
			}
			if afterRef && p.i < len(p.src) && p.src[p.i] == '[' {
				return nil, 0, 0, nil, p.errorf(p.i, "[ right after a #set that follows a reference does not parse in Velocity")
			}
			nodes = append(nodes, n)
			continue
		}
		switch c := p.src[p.i]; c {
		case '$':
			r, ok, err := p.parseRef(p.i, 0)
			if err != nil {
				return nil, 0, 0, nil, err
			}
			if !ok {
				if err := p.atEOF(p.i); err != nil {
					return nil, 0, 0, nil, err
				}
				if n := p.beforeSet(p.i); n > 0 {
					p.i += n // Velocity's lexer joins "$ #set(" into the #set
					continue
				}
				if p.dollarHash() {
					p.i++ // $#if, $#end, $## ...: the $ joins the # token and is lost
					continue
				}
				if word, _ := wordAt(p.src, p.i+2); p.i+1 < len(p.src) && p.src[p.i+1] == '#' && word != "" {
					// $#foreach(...): Velocity reads a directive named
					// "#foreach", which nothing defines: text.
					text.WriteByte('$')
					p.i++
					call, err := p.parseCall(p.i, "#"+word, true)
					if err != nil {
						return nil, 0, 0, nil, err
					}
					flush()
					nodes = append(nodes, call)
					continue
				}
				text.WriteByte('$')
				p.i += p.notRef(p.i)
				continue
			}
			flush()
			nodes = append(nodes, r)
			if p.i+1 < len(p.src) && p.src[p.i] == '{' && (isLetter(p.src[p.i+1]) || p.src[p.i+1] == '_' || p.src[p.i+1] == '$') {
				return nil, 0, 0, nil, p.errorf(p.i, "a name right after %s{ does not parse in Velocity: write ${%s}", r.lit, r.lit[1:])
			}
			if p.i < len(p.src) && (p.src[p.i] == '{' || p.src[p.i] == '}') {
				// Velocity's lexer takes a { or } after a reference as a
				// token of its own: spaces after it start a token, and a
				// #set there eats them.
				text.WriteByte(p.src[p.i])
				p.i++
				continue
			}
			if n := len(r.chain); n > 0 && r.chain[n-1].kind == stepProp && strings.HasPrefix(p.src[p.i:], "##") {
				// After $a.b, Velocity's lexer does not see ## as a
				// comment: the line is text.
				end := strings.IndexByte(p.src[p.i:], '\n')
				if end < 0 {
					end = len(p.src) - p.i
				} else {
					end++
				}
				text.WriteString(p.src[p.i : p.i+end])
				p.i += end
			}
		case '\\':
			s, n, err := p.parseBackslashes()
			if err != nil {
				return nil, 0, 0, nil, err
			}
			text.WriteString(s)
			if n != nil {
				flush()
				nodes = append(nodes, n)
			}
		case '#':
			start := p.i
			s, n, t, c, err := p.parseHash()
			if err != nil {
				return nil, 0, 0, nil, err
			}
			if t != termEOF {
				flush()
				return nodes, t, start, c, nil
			}
			text.WriteString(s)
			if n != nil {
				flush()
				if d, ok := n.(*macroDef); ok {
					p.macros[d.name] = d // defined at parse time, as in Velocity
					continue
				}
				nodes = append(nodes, n)
			}
		default:
			// Text up to the next $, # or \. Spaces before a #set are
			// the #set's only where they start a token, which atSet saw.
			j := p.i
			for j < len(p.src) && p.src[j] != '$' && p.src[j] != '#' && p.src[j] != '\\' {
				j++
			}
			text.WriteString(p.src[p.i:j])
			p.i = j
		}
	}
	flush()
	return nodes, termEOF, p.i, nil, nil
}

func isRef(n node) bool {
	_, ok := n.(*refNode)
	return ok
}

// atSet reports whether a #set directive starts at p.i: spaces and tabs,
// #set or #{set}, spaces, (.
func (p *parser) atSet() bool {
	j := p.i
	for j < len(p.src) && (p.src[j] == ' ' || p.src[j] == '\t') {
		j++
	}
	rest := p.src[j:]
	switch {
	case strings.HasPrefix(rest, "#set"):
		j += 4
	case strings.HasPrefix(rest, "#{set}"):
		j += 6
	default:
		return false
	}
	for j < len(p.src) && p.src[j] == ' ' {
		j++
	}
	return j < len(p.src) && p.src[j] == '('
}

// parseSet parses #set( $ref = expr ) at p.i (after atSet).
func (p *parser) parseSet() (node, error) {
	for p.src[p.i] == ' ' || p.src[p.i] == '\t' {
		p.i++
	}
	at := p.i
	p.i = strings.IndexByte(p.src[p.i:], '(') + p.i + 1
	p.skipSpace()
	if p.i >= len(p.src) || p.src[p.i] != '$' {
		return nil, p.errorf(p.i, "#set: want a reference before =")
	}
	lhs, ok, err := p.parseRef(p.i, 0)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, p.errorf(p.i, "#set: want a reference before =")
	}
	p.skipSpace()
	if p.i >= len(p.src) || p.src[p.i] != '=' || strings.HasPrefix(p.src[p.i:], "==") {
		return nil, p.errorf(p.i, "#set: want = after %s", lhs.lit)
	}
	p.i++
	rhs, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if err := p.closeDirective("#set"); err != nil {
		return nil, err
	}
	return &setNode{at: at, lhs: lhs, rhs: rhs}, nil
}

// closeDirective consumes the ) that closes a directive's arguments and,
// as Velocity does, the spaces and one newline right after it.
func (p *parser) closeDirective(name string) error {
	p.skipSpace()
	if p.i >= len(p.src) || p.src[p.i] != ')' {
		return p.errorf(p.i, "%s: want ) %s", name, p.found())
	}
	p.i++
	p.eatLineEnd()
	return nil
}

// eatLineEnd consumes spaces and tabs followed by a newline, if that is
// what follows.
func (p *parser) eatLineEnd() {
	j := p.i
	for j < len(p.src) && (p.src[j] == ' ' || p.src[j] == '\t') {
		j++
	}
	switch {
	case strings.HasPrefix(p.src[j:], "\r\n"):
		p.i = j + 2
	case j < len(p.src) && (p.src[j] == '\n' || p.src[j] == '\r'):
		p.i = j + 1
	}
}

func (p *parser) found() string {
	if p.i >= len(p.src) {
		return "before the end of the template"
	}
	r := p.src[p.i:]
	if len(r) > 10 {
		r = r[:10]
	}
	return fmt.Sprintf("at %q", r)
}

func (p *parser) skipSpace() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// parseBackslashes handles a run of backslashes in text: before a
// reference they escape it, before a directive they escape or double it,
// elsewhere they are text.
func (p *parser) parseBackslashes() (string, node, error) {
	start := p.i
	j := p.i
	for j < len(p.src) && p.src[j] == '\\' {
		j++
	}
	n := j - start
	if j < len(p.src) && p.src[j] == '$' {
		r, ok, err := p.parseRef(j, n)
		if err != nil {
			return "", nil, err
		}
		if ok {
			return "", r, nil
		}
		p.i = j + p.notRef(j)
		return p.src[start : j+1], nil, nil
	}
	if j < len(p.src) && p.src[j] == '#' {
		word, end := wordAt(p.src, j+1)
		if word != "" {
			known := p.isDirective(word)
			if n%2 == 1 { // \#word: an escaped directive
				p.i = end
				if known {
					return strings.Repeat(`\`, (n-1)/2) + p.src[j:end], nil, nil
				}
				return p.src[start:end], nil, nil
			}
			// \\#word: each pair is one backslash before a directive
			p.i = j
			if known {
				return strings.Repeat(`\`, n/2), nil, nil
			}
			return p.src[start:j], nil, nil
		}
	}
	p.i = j
	return p.src[start:j], nil, nil
}

// notRef returns how much of a $ that starts no reference (at dollar) is
// skipped after the $ is written: Velocity drops the ! of a $! that is
// followed by neither { nor $.
func (p *parser) notRef(dollar int) int {
	s := p.src
	if dollar+1 < len(s) && s[dollar+1] == '!' && (dollar+2 >= len(s) || s[dollar+2] != '{' && s[dollar+2] != '$') {
		return 2
	}
	return 1
}

// hashEscape handles a # followed by an escaped directive (#\#if):
// Velocity's lexer makes one token of them and keeps the first half of
// what precedes the directive, which drops the #.
func (p *parser) hashEscape() (string, bool) {
	j := p.i + 1
	for j < len(p.src) && p.src[j] == '\\' {
		j++
	}
	n := j - p.i - 1
	if n%2 == 0 || j >= len(p.src) || p.src[j] != '#' {
		return "", false
	}
	word, end := wordAt(p.src, j+1)
	if word == "" || !p.isDirective(word) {
		return "", false
	}
	img := p.src[p.i:j]
	p.i = end
	return img[:n/2] + p.src[j:end], true
}

// dollarHash reports whether the $ at p.i, which starts no reference, is
// followed by a # that starts a comment, #if, #elseif, #else or #end: the
// $ is then lost in that token.
func (p *parser) dollarHash() bool {
	rest := p.src[p.i+1:]
	if !strings.HasPrefix(rest, "#") {
		return false
	}
	if strings.HasPrefix(rest, "##") || strings.HasPrefix(rest, "#*") {
		return true
	}
	switch word, _ := wordAt(rest, 1); word {
	case "if", "elseif", "else", "end":
		return true
	}
	return false
}

// atEOF is Velocity's lexical error for a template that ends in $, $!,
// ${, $!{, # or #{: nothing of it is written.
func (p *parser) atEOF(at int) error {
	switch p.src[at:] {
	case "$", "$!", "${", "$!{", "#", "#{":
		return p.errorf(at, "the template ends in %s", p.src[at:])
	}
	return nil
}

// beforeSet returns the length of the $, $! or # at at when only spaces
// and tabs separate it from a #set: Velocity drops it with them.
func (p *parser) beforeSet(at int) int {
	n := 1
	switch {
	case strings.HasPrefix(p.src[at:], "$!"), strings.HasPrefix(p.src[at:], "#$"):
		n = 2
	}
	save := p.i
	p.i = at + n
	ok := p.atSet()
	p.i = save
	if !ok {
		return 0
	}
	return n
}

func (p *parser) isDirective(word string) bool {
	switch word {
	case "if", "else", "elseif", "end", "set":
		return true
	}
	return directives[word] || p.names[word]
}

// wordAt returns the directive word at s[i:] (word or {word}) and the
// offset after it; "" if there is none.
func wordAt(s string, i int) (string, int) {
	br := i < len(s) && s[i] == '{'
	j := i
	if br {
		j++
	}
	k := j
	if k < len(s) && (isLetter(s[k]) || s[k] == '_' || !br && s[k] == '@') {
		k++
		for k < len(s) && (isLetter(s[k]) || isDigit(s[k]) || s[k] == '_' || s[k] == '@') {
			k++
		}
	}
	if k == j {
		return "", i
	}
	if br {
		if k >= len(s) || s[k] != '}' {
			return "", i
		}
		return s[j:k], k + 1
	}
	return s[j:k], k
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// parseHash handles a # in text: a comment, a text block, a directive or
// text. It returns text to write, a node, or a terminator of the current
// block (#end, #else, #elseif with its condition).
func (p *parser) parseHash() (string, node, terminator, expr, error) {
	start := p.i
	rest := p.src[p.i:]
	switch {
	case strings.HasPrefix(rest, "##"):
		end := strings.IndexAny(rest, "\r\n")
		if end < 0 {
			p.i = len(p.src)
		} else if strings.HasPrefix(rest[end:], "\r\n") {
			p.i += end + 2
		} else {
			p.i += end + 1
		}
		return "", nil, termEOF, nil, nil
	case strings.HasPrefix(rest, "#*"):
		end := strings.Index(rest[2:], "*#")
		if end < 0 {
			return "", nil, 0, nil, p.errorf(start, "#* comment without *#")
		}
		p.i += 2 + end + 2
		return "", nil, termEOF, nil, nil
	case strings.HasPrefix(rest, "#[["):
		end := strings.Index(rest[3:], "]]#")
		if end < 0 {
			return "", nil, 0, nil, p.errorf(start, "#[[ text block without ]]#")
		}
		p.i += 3 + end + 3
		return rest[3 : 3+end], nil, termEOF, nil, nil
	}
	word, end := wordAt(p.src, p.i+1)
	if word == "" {
		if err := p.atEOF(p.i); err != nil {
			return "", nil, 0, nil, err
		}
		if n := p.beforeSet(p.i); n > 0 {
			p.i += n // Velocity's lexer joins "# #set(" into the #set
			return "", nil, termEOF, nil, nil
		}
		if s, ok := p.hashEscape(); ok {
			return s, nil, termEOF, nil, nil
		}
		p.i++
		return "#", nil, termEOF, nil, nil
	}
	bracketed := p.src[p.i+1] == '{'
	switch word {
	case "end":
		p.i = end
		p.eatLineEnd()
		return "", nil, termEnd, nil, nil
	case "else":
		p.i = end
		p.eatLineEnd()
		return "", nil, termElse, nil, nil
	case "elseif":
		p.i = end
		c, err := p.parseCondition("#elseif")
		return "", nil, termElseIf, c, err
	case "if":
		p.i = end
		n, err := p.parseIf(start)
		return "", n, termEOF, nil, err
	case "set":
		// #set without ( (atSet failed): text, as in Velocity
	}
	if msg, ok := unsupported[word]; ok {
		return "", nil, 0, nil, p.errorf(start, "%s", msg)
	}
	if strings.HasPrefix(word, "@") {
		if p.names[word[1:]] {
			return "", nil, 0, nil, p.errorf(start, "#%s: block macro calls are not supported", word)
		}
		p.i += 2 // Velocity writes #@ and what follows as text
		return "#@", nil, termEOF, nil, nil
	}
	p.i = end
	paren := p.atParen()
	switch word {
	case "foreach":
		if !paren {
			return "", nil, 0, nil, p.errorf(start, "#foreach: want (")
		}
		n, err := p.parseForeach(start)
		return "", n, termEOF, nil, err
	case "break", "stop":
		if paren {
			return "", nil, 0, nil, p.errorf(start, "#%s with arguments is not supported", word)
		}
		if word == "break" {
			return "", &breakNode{start}, termEOF, nil, nil
		}
		return "", &stopNode{start}, termEOF, nil, nil
	case "define":
		if !paren {
			return "", nil, 0, nil, p.errorf(start, "#define: want ($name)")
		}
		n, err := p.parseDefine(start)
		return "", n, termEOF, nil, err
	case "macro":
		if !paren {
			return "", nil, 0, nil, p.errorf(start, "#macro: a macro declaration requires at least a name argument")
		}
		n, err := p.parseMacro(start)
		return "", n, termEOF, nil, err
	}
	// Any other word: a macro call (or, with no such macro, text).
	_ = bracketed
	call, err := p.parseCall(start, word, false)
	return "", call, termEOF, nil, err
}

// parseCall parses #name or #name(args) at start: a macro call. words
// allows bare words as arguments, as Velocity does for a directive that
// is not a macro.
func (p *parser) parseCall(start int, name string, words bool) (*macroCall, error) {
	_, end := wordAt(p.src, start+1)
	p.i = end
	call := &macroCall{at: start, name: name}
	if p.atParen() {
		p.skipSpace()
		p.i++ // (
		args, err := p.parseArgs("#"+name, words)
		if err != nil {
			return nil, err
		}
		call.args = args
	}
	call.lit = p.src[start:p.i]
	return call, nil
}

// atParen reports whether the next non-blank character is (.
func (p *parser) atParen() bool {
	j := p.i
	for j < len(p.src) && (p.src[j] == ' ' || p.src[j] == '\t' || p.src[j] == '\n' || p.src[j] == '\r') {
		j++
	}
	return j < len(p.src) && p.src[j] == '('
}

// parseCondition parses ( expr ) after #if or #elseif.
func (p *parser) parseCondition(name string) (expr, error) {
	p.skipSpace()
	if p.i >= len(p.src) || p.src[p.i] != '(' {
		return nil, p.errorf(p.i, "%s: want ( %s", name, p.found())
	}
	p.i++
	c, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if err := p.closeDirective(name); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *parser) parseIf(at int) (node, error) {
	c, err := p.parseCondition("#if")
	if err != nil {
		return nil, err
	}
	n := &ifNode{at: at}
	for {
		body, term, termAt, next, err := p.parseBlock()
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, c)
		n.blocks = append(n.blocks, body)
		switch term {
		case termEOF:
			return nil, p.errorf(at, "#if without #end")
		case termEnd:
			return n, nil
		case termElseIf:
			c = next
			continue
		}
		// #else
		els, term, _, _, err := p.parseBlock()
		if err != nil {
			return nil, err
		}
		switch term {
		case termEnd:
			if els == nil {
				els = []node{}
			}
			n.els = els
			return n, nil
		case termEOF:
			return nil, p.errorf(at, "#if without #end")
		default:
			return nil, p.errorf(termAt, "#elseif or #else after #else")
		}
	}
}

// parseBody parses the body of a block directive up to its #end.
func (p *parser) parseBody(name string, at int) ([]node, error) {
	body, term, termAt, _, err := p.parseBlock()
	if err != nil {
		return nil, err
	}
	switch term {
	case termEnd:
		return body, nil
	case termEOF:
		return nil, p.errorf(at, "%s without #end", name)
	}
	return nil, p.errorf(termAt, "#else or #elseif without #if")
}

func (p *parser) parseForeach(at int) (node, error) {
	p.skipSpace()
	p.i++ // (
	p.skipSpace()
	if p.i >= len(p.src) || p.src[p.i] != '$' {
		return nil, p.errorf(p.i, "#foreach: want a $variable %s", p.found())
	}
	v, ok, err := p.parseRef(p.i, 0)
	if err != nil {
		return nil, err
	}
	if !ok || len(v.chain) > 0 {
		return nil, p.errorf(p.i, "#foreach: want a simple $variable")
	}
	p.skipSpace()
	if !strings.HasPrefix(p.src[p.i:], "in") || p.i+2 < len(p.src) && isIdentChar(p.src[p.i+2]) {
		return nil, p.errorf(p.i, "#foreach: want in %s", p.found())
	}
	p.i += 2
	p.skipSpace()
	in, err := p.parseArg("#foreach")
	if err != nil {
		return nil, err
	}
	if err := p.closeDirective("#foreach"); err != nil {
		return nil, err
	}
	body, err := p.parseBody("#foreach", at)
	if err != nil {
		return nil, err
	}
	return &foreachNode{at: at, v: v.variable, in: in, body: body}, nil
}

func (p *parser) parseDefine(at int) (node, error) {
	p.skipSpace()
	p.i++ // (
	p.skipSpace()
	if p.i >= len(p.src) || p.src[p.i] != '$' {
		return nil, p.errorf(p.i, "#define: want a $name %s", p.found())
	}
	r, ok, err := p.parseRef(p.i, 0)
	if err != nil {
		return nil, err
	}
	if !ok || len(r.chain) > 0 {
		return nil, p.errorf(at, "#define: want a simple $name")
	}
	if err := p.closeDirective("#define"); err != nil {
		return nil, err
	}
	body, err := p.parseBody("#define", at)
	if err != nil {
		return nil, err
	}
	return &defineNode{at: at, v: r.variable, body: body}, nil
}

func (p *parser) parseMacro(at int) (node, error) {
	p.skipSpace()
	p.i++ // (
	p.skipSpace()
	name, end := wordAt(p.src, p.i)
	if name == "" || p.src[p.i] == '{' {
		return nil, p.errorf(p.i, "#macro: want the macro's name %s", p.found())
	}
	p.i = end
	d := &macroDef{at: at, name: name}
	for {
		p.skipSpace()
		if p.i < len(p.src) && p.src[p.i] == ',' {
			p.i++
			p.skipSpace()
		}
		if p.i >= len(p.src) || p.src[p.i] != '$' {
			break
		}
		r, ok, err := p.parseRef(p.i, 0)
		if err != nil {
			return nil, err
		}
		if !ok || len(r.chain) > 0 || r.quiet {
			return nil, p.errorf(p.i, "#macro %s: arguments must be simple $names", name)
		}
		d.params = append(d.params, r.variable)
	}
	if err := p.closeDirective("#macro"); err != nil {
		return nil, err
	}
	p.names[name] = true
	body, err := p.parseBody("#macro", at)
	if err != nil {
		return nil, err
	}
	d.body = body
	return d, nil
}

// parseArgs parses the arguments of a macro call up to its ), separated
// by blanks or commas.
func (p *parser) parseArgs(name string, words bool) ([]expr, error) {
	var args []expr
	for {
		p.skipSpace()
		if p.i < len(p.src) && p.src[p.i] == ')' {
			p.i++
			p.eatLineEnd()
			return args, nil
		}
		if len(args) > 0 && p.i < len(p.src) && p.src[p.i] == ',' {
			p.i++
			p.skipSpace()
		}
		if word, end := wordAt(p.src, p.i); words && word != "" && p.src[p.i] != '{' {
			p.i = end
			args = append(args, newStrLit(word))
			continue
		}
		a, err := p.parseArg(name)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
}

// parseArg parses one directive argument: a reference, a literal, a
// range, a list or a map (not an operation).
func (p *parser) parseArg(name string) (expr, error) {
	p.skipSpace()
	if p.i >= len(p.src) {
		return nil, p.errorf(p.i, "%s: unexpected end of the template", name)
	}
	if word, _ := wordAt(p.src, p.i); word != "" && word != "true" && word != "false" && p.src[p.i] != '{' {
		return nil, p.errorf(p.i, "%s: invalid argument %q", name, word)
	}
	return p.parsePrimary(false)
}

// parseRef parses a reference whose $ is at dollar, preceded by
// backslashes backslashes (p.i at the first of them). ok is false, and p.i
// unchanged, when no reference starts there.
func (p *parser) parseRef(dollar, backslashes int) (*refNode, bool, error) {
	s := p.src
	start := dollar - backslashes
	j := dollar + 1
	quiet := false
	if j < len(s) && s[j] == '!' {
		quiet = true
		j++
	}
	formal := false
	if j < len(s) && s[j] == '{' {
		formal = true
		j++
	}
	k := j
	if k >= len(s) || !(isLetter(s[k]) || s[k] == '_') {
		return nil, false, nil
	}
	for k < len(s) && isIdentChar(s[k]) {
		k++
	}
	r := &refNode{at: dollar, quiet: quiet, variable: p.info.variable(s[j:k])}
	if backslashes > 0 {
		r.escaped = backslashes%2 == 1
		r.prefix = strings.Repeat(`\`, backslashes/2)
	}
	save := p.i
	p.i = k
	if err := p.parseChain(r); err != nil {
		return nil, false, err
	}
	if formal {
		if p.i >= len(s) || s[p.i] != '}' {
			// ${a without }: Velocity's parser fails here.
			text := s[dollar:p.i]
			p.i = save
			return nil, false, p.errorf(dollar, "reference %s: want }", text)
		}
		p.i++
	}
	r.lit = s[dollar:p.i]
	_ = start
	if r.name == "foreach" && !scalarScopeRef(r.chain) {
		p.info.scopeEscapes = true
	}
	return r, true, nil
}

// variable returns the variable name, numbered on first sight.
func (in *parseInfo) variable(name string) variable {
	slot, ok := in.slots[name]
	if !ok {
		slot = len(in.slots)
		in.slots[name] = slot
	}
	return variable{name, slot}
}

// scalarScopeRef reports whether $foreach followed by chain reads a
// number or a boolean of the scope (index, hasNext, ...), never the scope
// or its parent.
func scalarScopeRef(chain []step) bool {
	if len(chain) == 0 || chain[0].kind == stepIndex {
		return false
	}
	switch chain[0].name {
	case "parent", "getParent":
		return false
	}
	return true
}

func isIdentChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_' || c == '-'
}

// parseChain parses the .prop, .method(...) and [index] that follow a
// reference's name.
func (p *parser) parseChain(r *refNode) error {
	s := p.src
	for p.i < len(s) {
		switch {
		case s[p.i] == '.' && p.i+1 < len(s) && isLetter(s[p.i+1]):
			at := p.i
			j := p.i + 1
			k := j
			for k < len(s) && isIdentChar(s[k]) {
				k++
			}
			name := s[j:k]
			p.i = k
			if p.i < len(s) && s[p.i] == '(' {
				p.i++
				args, err := p.parseParams(")")
				if err != nil {
					return err
				}
				r.chain = append(r.chain, step{kind: stepMethod, at: at, name: name, args: args})
			} else {
				r.chain = append(r.chain, step{kind: stepProp, at: at, name: name, field: scopeFields[name]})
			}
		case s[p.i] == '[':
			at := p.i
			p.i++
			p.skipSpace()
			idx, err := p.parseIndexParam()
			if err != nil {
				return err
			}
			p.skipSpace()
			if p.i >= len(s) || s[p.i] != ']' {
				return p.errorf(p.i, "index: want ] %s", p.found())
			}
			p.i++
			r.chain = append(r.chain, step{kind: stepIndex, at: at, args: []expr{idx}})
		default:
			return nil
		}
	}
	return nil
}

// parseIndexParam parses what may stand in [ ]: a string, an integer,
// true, false or a reference.
func (p *parser) parseIndexParam() (expr, error) {
	if p.i >= len(p.src) {
		return nil, p.errorf(p.i, "index: unexpected end of the template")
	}
	switch c := p.src[p.i]; {
	case c == '"' || c == '\'' || c == '$' || c == '-' || isDigit(c):
		e, err := p.parsePrimary(false)
		if err != nil {
			return nil, err
		}
		if _, ok := e.(floatLit); ok {
			return nil, p.errorf(p.i, "index: want a string, an integer or a reference")
		}
		return e, nil
	case strings.HasPrefix(p.src[p.i:], "true") || strings.HasPrefix(p.src[p.i:], "false"):
		return p.parsePrimary(false)
	}
	return nil, p.errorf(p.i, "index: want a string, an integer or a reference %s", p.found())
}

// parseParams parses comma-separated method arguments or list elements up
// to close. A parameter is a literal, a reference, a range, a list or a
// map, not an operation.
func (p *parser) parseParams(close string) ([]expr, error) {
	var args []expr
	p.skipSpace()
	if strings.HasPrefix(p.src[p.i:], close) {
		p.i += len(close)
		return args, nil
	}
	for {
		p.skipSpace()
		a, err := p.parsePrimary(false)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		p.skipSpace()
		if p.i >= len(p.src) {
			return nil, p.errorf(p.i, "want %s before the end of the template", close)
		}
		if p.src[p.i] == ',' {
			p.i++
			continue
		}
		if strings.HasPrefix(p.src[p.i:], close) {
			p.i += len(close)
			return args, nil
		}
		return nil, p.errorf(p.i, "want , or %s %s", close, p.found())
	}
}

// parseExpr parses an expression as #set and #if take it.
func (p *parser) parseExpr() (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, p.errorf(p.i, "expression nested more than %d deep", maxNesting)
	}
	return p.parseBinary(0)
}

var precedence = [][]string{
	{"||"}, {"&&"}, {"==", "!="}, {"<", "<=", ">", ">="}, {"+", "-"}, {"*", "/", "%"},
}

var wordOps = map[string]string{
	"or": "||", "and": "&&", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
}

// operator returns the binary operator at p.i and its length.
func (p *parser) operator() (string, int) {
	s := p.src[p.i:]
	for _, op := range []string{"||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%"} {
		if strings.HasPrefix(s, op) {
			return op, len(op)
		}
	}
	if len(s) > 0 && isLetter(s[0]) {
		k := 0
		for k < len(s) && (isLetter(s[k]) || isDigit(s[k]) || s[k] == '_' || s[k] == '@') {
			k++
		}
		if op, ok := wordOps[s[:k]]; ok {
			return op, k
		}
	}
	return "", 0
}

func (p *parser) parseBinary(level int) (expr, error) {
	if level == len(precedence) {
		return p.parseUnary()
	}
	l, err := p.parseBinary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if p.i >= len(p.src) {
			return l, nil
		}
		op, n := p.operator()
		if op == "" || !contains(precedence[level], op) {
			return l, nil
		}
		if op == "-" && p.i+1 < len(p.src) && (isDigit(p.src[p.i+1]) || p.src[p.i+1] == '.') {
			// Velocity lexes -1 as a number: "$a -1" does not parse.
			return nil, p.errorf(p.i, "a negative number where an operator was expected: write %s as - %s",
				p.src[p.i:p.i+2], p.src[p.i+1:p.i+2])
		}
		at := p.i
		p.i += n
		r, err := p.parseBinary(level + 1)
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{at: at, op: op, l: l, r: r}
	}
}

func contains(ops []string, op string) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

func (p *parser) parseUnary() (expr, error) {
	p.skipSpace()
	s := p.src[p.i:]
	if strings.HasPrefix(s, "!") && !strings.HasPrefix(s, "!=") {
		p.i++
		return p.unaryOperand()
	}
	if strings.HasPrefix(s, "not") && (len(s) == 3 || !(isLetter(s[3]) || isDigit(s[3]) || s[3] == '_' || s[3] == '@')) {
		p.i += 3
		return p.unaryOperand()
	}
	return p.parsePrimary(true)
}

func (p *parser) unaryOperand() (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, p.errorf(p.i, "expression nested more than %d deep", maxNesting)
	}
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	return &notExpr{x}, nil
}

// parsePrimary parses a literal, a reference, a range, a list, a map or,
// where an expression may stand (paren), a parenthesised expression.
func (p *parser) parsePrimary(paren bool) (expr, error) {
	p.skipSpace()
	if p.i >= len(p.src) {
		return nil, p.errorf(p.i, "unexpected end of the template in an expression")
	}
	s := p.src
	switch c := s[p.i]; {
	case c == '$':
		r, ok, err := p.parseRef(p.i, 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, p.errorf(p.i, "want a reference %s", p.found())
		}
		return r, nil
	case c == '"' || c == '\'':
		return p.parseString()
	case isDigit(c) || c == '-' || c == '.':
		return p.parseNumber()
	case c == '[':
		return p.parseListOrRange()
	case c == '{':
		return p.parseMap()
	case c == '(' && paren:
		p.i++
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(s) || s[p.i] != ')' {
			return nil, p.errorf(p.i, "want ) %s", p.found())
		}
		p.i++
		return e, nil
	}
	if word, end := wordAt(s, p.i); word == "true" || word == "false" {
		p.i = end
		return boolLit{word == "true"}, nil
	}
	return nil, p.errorf(p.i, "unexpected %s in an expression", p.found())
}

func (p *parser) parseNumber() (expr, error) {
	s := p.src
	start := p.i
	j := p.i
	if j < len(s) && s[j] == '-' {
		j++
	}
	digits := j
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	intEnd := j
	float := false
	if j < len(s) && s[j] == '.' && !strings.HasPrefix(s[j:], "..") {
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k > j+1 || intEnd > digits {
			float = true
			j = k
		}
	}
	if j > digits && j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			float = true
			j = k
		}
	}
	if j == digits || j == digits+1 && s[digits] == '.' {
		return nil, p.errorf(start, "unexpected %s in an expression", p.found())
	}
	p.i = j
	text := s[start:j]
	if float {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, p.errorf(start, "bad number %s", text)
		}
		return floatLit{f}, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, p.errorf(start, "integer %s out of range", text)
	}
	return intLit{n}, nil
}

// parseString parses a string literal. A double-quoted one with $ or #
// is a template, rendered on each evaluation; "" and ” stand for one
// quote; \uXXXX in double quotes is that character.
func (p *parser) parseString() (expr, error) {
	s := p.src
	q := s[p.i]
	start := p.i
	j := p.i + 1
	for {
		k := strings.IndexByte(s[j:], q)
		if k < 0 {
			return nil, p.errorf(start, "string without its closing %c", q)
		}
		j += k + 1
		if j < len(s) && s[j] == q {
			j++
			continue
		}
		break
	}
	p.i = j
	raw := s[start+1 : j-1]
	img := raw
	if q == '"' {
		var err error
		if img, err = unescapeUnicode(img); err != nil {
			return nil, p.errorf(start, "string: %v", err)
		}
	}
	img = strings.ReplaceAll(img, string([]byte{q, q}), string(q))
	if q == '\'' || !strings.ContainsAny(raw, "$#") {
		return newStrLit(img), nil
	}
	comment := strings.Contains(img, "##")
	if !comment {
		img += " "
	}
	sub := &parser{src: img, macros: p.macros, names: p.names, info: p.info, depth: p.depth + 1}
	if sub.depth > maxNesting {
		return nil, p.errorf(start, "strings nested more than %d deep", maxNesting)
	}
	body, term, termAt, _, err := sub.parseBlock()
	if err != nil {
		var e *Error
		if asError(err, &e) {
			return nil, p.errorf(start, "in the string: %s", e.Msg)
		}
		return nil, err
	}
	if term != termEOF {
		_ = termAt
		return nil, p.errorf(start, "in the string: #end, #else or #elseif without its directive")
	}
	return &interpLit{body: body, comment: comment}, nil
}

func unescapeUnicode(s string) (string, error) {
	if !strings.Contains(s, `\u`) {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, `\u`)
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		if len(s) < i+6 {
			return "", fmt.Errorf(`bad \u escape`)
		}
		n, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		if err != nil {
			return "", fmt.Errorf(`bad \u escape %q`, s[i:i+6])
		}
		b.WriteRune(rune(n))
		s = s[i+6:]
	}
}

// parseListOrRange parses [a, b], [] or [1..3] at p.i.
func (p *parser) parseListOrRange() (expr, error) {
	at := p.i
	p.i++
	save := p.i
	p.skipSpace()
	if p.i < len(p.src) && (p.src[p.i] == '$' || isDigit(p.src[p.i]) || p.src[p.i] == '-') {
		from, err := p.parsePrimary(false)
		if err == nil {
			_, isRef := from.(*refNode)
			_, isInt := from.(intLit)
			p.skipSpace()
			if (isRef || isInt) && strings.HasPrefix(p.src[p.i:], "..") {
				p.i += 2
				p.skipSpace()
				to, err := p.parsePrimary(false)
				if err != nil {
					return nil, err
				}
				_, isRef := to.(*refNode)
				_, isInt := to.(intLit)
				if !isRef && !isInt {
					return nil, p.errorf(p.i, "range: want an integer or a reference")
				}
				p.skipSpace()
				if p.i >= len(p.src) || p.src[p.i] != ']' {
					return nil, p.errorf(p.i, "range: want ] %s", p.found())
				}
				p.i++
				return &rangeLit{at: at, from: from, to: to}, nil
			}
		}
	}
	p.i = save
	elems, err := p.parseParams("]")
	if err != nil {
		return nil, err
	}
	return &listLit{elems}, nil
}

// parseMap parses {k: v, ...} at p.i.
func (p *parser) parseMap() (expr, error) {
	p.i++
	m := &mapLit{}
	p.skipSpace()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		return m, nil
	}
	for {
		k, err := p.parsePrimary(false)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(p.src) || p.src[p.i] != ':' {
			return nil, p.errorf(p.i, "map: want : %s", p.found())
		}
		p.i++
		v, err := p.parsePrimary(false)
		if err != nil {
			return nil, err
		}
		m.keys = append(m.keys, k)
		m.vals = append(m.vals, v)
		p.skipSpace()
		if p.i < len(p.src) && p.src[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.src) && p.src[p.i] == '}' {
			p.i++
			return m, nil
		}
		return nil, p.errorf(p.i, "map: want , or } %s", p.found())
	}
}
