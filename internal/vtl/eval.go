package vtl

import (
	"errors"
	"fmt"
	"math"
	"sync"
)

// Vars are the host's variables ($input, $context, ...), read by name.
type Vars interface {
	Lookup(name string) (any, bool)
}

// Options are the limits and dialect of one evaluation.
type Options struct {
	// NullAsEmpty makes a reference whose value is null evaluate to the
	// empty string, everywhere (written, compared, passed, assigned), as
	// API Gateway's templates do; plain Velocity writes the reference as
	// it was written and compares it as null.
	NullAsEmpty bool
	// MaxLoops is the most iterations one #foreach runs; the loop ends
	// after them, as Velocity's directive.foreach.maxloops does. 0: no
	// bound.
	MaxLoops int
	// MaxSteps bounds the work of one evaluation (a step is one node
	// written, one expression or one method called); over it the
	// evaluation fails with ErrLimit. 0: no bound.
	MaxSteps int
	// MaxOutput bounds the bytes one evaluation writes; over it the
	// evaluation fails with ErrLimit. 0: no bound.
	MaxOutput int
	// Buffers, if not nil, is the storage the evaluation reuses, instead
	// of some from a pool: a host that evaluates one template at a time
	// on a state of its own (a pooled request) can keep one there.
	Buffers *Buffers
}

// maxCallDepth bounds nested macro calls and #define references.
const maxCallDepth = 100

// control is how #break and #stop unwind the evaluation.
type control struct{ stop bool }

// isControl reports whether err is a #break or a #stop, possibly wrapped.
func isControl(err error) bool {
	if err == nil {
		return false // without the allocation of errors.As's target
	}
	var c *control
	return errors.As(err, &c)
}

// isBreak reports whether err is a #break, possibly wrapped.
func isBreak(err error) bool {
	if err == nil {
		return false
	}
	var c *control
	return errors.As(err, &c) && !c.stop
}

func (c *control) Error() string {
	if c.stop {
		return "#stop"
	}
	return "#break"
}

type exec struct {
	t *Template
	// cur is the template whose nodes run: t, or the template of a
	// #define block from another template (a value a host kept), whose
	// variables are found by name among t's (slotOf).
	cur  *Template
	opt  Options
	host Vars
	// fixed is host, when it is a FixedVars; fnFunc is the StringFuncs
	// method fnStep called last, on a fixed variable.
	fixed  FixedVars
	fnStep *step
	fnFunc func(string) (string, error)
	// maxSteps and maxOutput are opt's limits, math.MaxInt for none.
	maxSteps  int
	maxOutput int
	out       []byte
	steps     int
	depth     int
	// loops is how many $foreach of the room are in use, roomUsed the
	// most at once; kept: code that can keep a $foreach ran while the
	// room was in use (a #define block of another template), so the room
	// is left to it.
	loops    int
	roomUsed int
	kept     bool
	buffers
}

// Buffers are storage evaluations reuse (Options.Buffers); the zero value
// is ready to use. An evaluation's state is its own, on its stack, so
// that writing it needs no write barriers; Buffers hold none of it after
// the evaluation.
type Buffers struct {
	buffers
	// busy: an evaluation uses them. One that panicked left them so, and
	// the next starts afresh.
	busy bool
}

type buffers struct {
	// vars are what the template set, by slot; others are those of
	// another template's block that t has no slot for.
	vars   []slot
	others []binding
	// args is a stack of method arguments: a call's are on top while it
	// runs, so that calls allocate no argument slices. A method must not
	// keep its args slice.
	args []any
	// room holds the $foreach of the innermost loops running when no code
	// that runs can keep one (Template.scopeEscapes).
	room *[4]foreachScope
}

// slot is a variable's value; set is false until the template sets it.
// A string #foreach took from a StringList is in s, with str set, until
// the variable is read as a value (box). A host's fixed variable
// (FixedVars), not set, is kept in v with fixed set, found reporting
// whether the host has it.
type slot struct {
	v     any
	s     string
	set   bool
	str   bool
	fixed bool
	found bool
}

// box makes a string bound as it was (str) a value.
func (s *slot) box() {
	s.v, s.s, s.str = s.s, "", false
}

// binding is a variable a template set, by name.
type binding struct {
	name string
	slot
}

// execs: the Buffers of evaluations whose host gives none (mapping keeps its own with each activation: Options.Buffers).
// Measured (BenchmarkExecute, no Buffers): 0 allocs, 0 B/op with the pool, 3 and 432 B without, 720 ns/op against 420.
var execs = sync.Pool{New: func() any { return new(Buffers) }}

// maxPooledSlots bounds the variables Buffers keep room for.
const maxPooledSlots = 256

// Template is a compiled template. It is immutable and safe for
// simultaneous use by multiple goroutines.
type Template struct {
	src    string
	nodes  []node
	macros map[string]*macroDef
	// slots numbers the template's variables (see variable).
	slots map[string]int
	// scopeEscapes: the template can hold a #foreach's $foreach itself
	// ($foreach, $foreach.parent, $foreach[...]), beyond its loop and so
	// beyond the evaluation, so each loop needs a $foreach of its own.
	// Otherwise it reads only $foreach's numbers and booleans, and the
	// loops of an evaluation reuse its room for them.
	scopeEscapes bool
}

// Parse compiles src. The error is an [*Error] naming the line, column
// and construct of the first problem.
func Parse(src string) (*Template, error) {
	info := &parseInfo{slots: make(map[string]int)}
	for _, v := range builtinSlots {
		info.variable(v.name)
	}
	p := &parser{src: src, macros: map[string]*macroDef{}, names: map[string]bool{}, info: info}
	nodes, term, at, _, err := p.parseBlock()
	if err != nil {
		return nil, err
	}
	if term != termEOF {
		name := map[terminator]string{termEnd: "#end", termElse: "#else", termElseIf: "#elseif"}[term]
		return nil, p.errorf(at, "%s without a directive to close", name)
	}
	return &Template{src: src, nodes: nodes, macros: p.macros, slots: info.slots, scopeEscapes: info.scopeEscapes}, nil
}

// Source returns the template's source.
func (t *Template) Source() string { return t.src }

// Execute evaluates t over vars and appends its output to dst. On error
// the output so far is returned with an [*Error] that names the line.
func (t *Template) Execute(dst []byte, vars Vars, opt Options) ([]byte, error) {
	bufs := opt.Buffers
	if bufs == nil {
		bufs = execs.Get().(*Buffers)
	} else if bufs.busy {
		*bufs = Buffers{}
	}
	bufs.busy = true
	// Field by field, not from a composite literal, which the compiler
	// builds aside and then copies.
	var e exec
	e.t, e.cur, e.opt, e.host, e.out = t, t, opt, vars, dst
	e.buffers = bufs.buffers
	e.fixed, _ = vars.(FixedVars)
	e.maxSteps, e.maxOutput = limit(opt.MaxSteps), limit(opt.MaxOutput)
	if n := len(t.slots); cap(e.vars) < n {
		e.vars = make([]slot, n)
	} else {
		e.vars = e.vars[:n] // cleared when last used
	}
	err := e.nodes(t.nodes)
	if isControl(err) {
		err = nil // #stop, or #break outside a loop: the evaluation ends
	}
	clear(e.vars)
	if len(e.others) > 0 {
		clear(e.others)
	}
	room := e.room
	if e.kept {
		room = nil
	} else if e.roomUsed > 0 {
		clear(room[:e.roomUsed])
	}
	*bufs = Buffers{}
	if cap(e.vars) <= maxPooledSlots && cap(e.others) <= 64 && cap(e.args) <= 64 {
		bufs.buffers = buffers{vars: e.vars[:0], others: e.others[:0], args: e.args[:0], room: room}
	}
	if opt.Buffers == nil {
		execs.Put(bufs)
	}
	return e.out, err
}

// limit is a limit of Options as a bound: none is math.MaxInt.
func limit(n int) int {
	if n <= 0 {
		return math.MaxInt
	}
	return n
}

func (e *exec) errorf(at int, cause error, format string, args ...any) error {
	pos := lineCol(e.cur.src, at)
	return &Error{Line: pos.Line, Column: pos.Column, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// overSteps counts one step and reports whether the evaluation has run
// more than MaxSteps (tooManySteps is its error).
func (e *exec) overSteps() bool {
	e.steps++
	return e.steps > e.maxSteps
}

func (e *exec) tooManySteps(at int) error {
	return e.errorf(at, ErrLimit, "the template ran more than %d steps", e.opt.MaxSteps)
}

func (e *exec) write(at int, s string) error {
	e.out = append(e.out, s...)
	if len(e.out) > e.maxOutput {
		return e.tooLong(at)
	}
	return nil
}

func (e *exec) tooLong(at int) error {
	return e.errorf(at, ErrLimit, "the output is longer than %d bytes", e.opt.MaxOutput)
}

func (e *exec) lookup(x variable) (any, bool) {
	s := e.find(x)
	if s != nil {
		if s.set {
			if s.str {
				s.box()
			}
			return s.v, true
		}
		if s.fixed {
			return s.v, s.found
		}
	}
	return e.hostLookup(x.name, s)
}

// hostLookup looks name up in the host; a variable the host says is
// fixed (FixedVars) is kept in s, if not nil, for the evaluation.
func (e *exec) hostLookup(name string, s *slot) (any, bool) {
	if e.fixed != nil {
		v, ok, fixed := e.fixed.LookupFixed(name)
		if fixed && s != nil {
			*s = slot{v: v, fixed: true, found: ok}
		}
		return v, ok
	}
	if e.host != nil {
		return e.host.Lookup(name)
	}
	return nil, false
}

// enter makes t's nodes the ones that run and returns those that ran.
func (e *exec) enter(t *Template) (prev *Template) {
	if t.scopeEscapes && e.loops > 0 {
		e.kept = true // t's code can keep a $foreach of e.room
	}
	prev, e.cur = e.cur, t
	return prev
}

// find returns x's slot, or nil when x is a variable of another
// template's block that has none yet. The slot is valid until the next
// bind.
func (e *exec) find(x variable) *slot {
	if e.cur == e.t {
		return &e.vars[x.slot]
	}
	return e.named(x.name, false)
}

// bind returns x's slot, made if need be. The slot is valid until the
// next bind.
func (e *exec) bind(x variable) *slot {
	if e.cur == e.t {
		return &e.vars[x.slot]
	}
	return e.named(x.name, true)
}

// named finds the slot of a variable of another template's block: t's
// slot of that name, else one in others, made if need be.
func (e *exec) named(name string, make bool) *slot {
	if i, ok := e.t.slots[name]; ok {
		return &e.vars[i]
	}
	for i := range e.others {
		if e.others[i].name == name {
			return &e.others[i].slot
		}
	}
	if !make {
		return nil
	}
	e.others = append(e.others, binding{name: name})
	return &e.others[len(e.others)-1].slot
}

func (e *exec) set(x variable, v any) { *e.bind(x) = slot{v: v, set: true} }

// local returns a variable the template set.
func (e *exec) local(x variable) (any, bool) {
	if s := e.find(x); s != nil && s.set {
		if s.str {
			s.box()
		}
		return s.v, true
	}
	return nil, false
}

// unset removes a variable a template set; a host variable it shadowed
// shows again.
func (e *exec) unset(x variable) {
	if s := e.find(x); s != nil {
		*s = slot{}
	}
}

func (e *exec) nodes(ns []node) error {
	for _, n := range ns {
		if t, ok := n.(*textNode); ok {
			// Text, the most common node, written here rather than by node.
			e.out = append(e.out, t.s...)
			if len(e.out) > e.maxOutput {
				return e.tooLong(0)
			}
			continue
		}
		if err := e.node(n); err != nil {
			return err
		}
	}
	return nil
}

func (e *exec) node(n node) error {
	switch n := n.(type) {
	case *textNode:
		return e.write(0, n.s)
	case *refNode:
		return e.render(n)
	case *setNode:
		return e.assign(n)
	case *ifNode:
		if e.overSteps() {
			return e.tooManySteps(n.at)
		}
		for i, c := range n.conds {
			ok, err := e.cond(c)
			if err != nil {
				return err
			}
			if ok {
				return e.nodes(n.blocks[i])
			}
		}
		if n.els != nil {
			return e.nodes(n.els)
		}
		return nil
	case *foreachNode:
		return e.foreach(n)
	case *breakNode:
		return &control{}
	case *stopNode:
		return &control{stop: true}
	case *defineNode:
		e.set(n.v, &block{body: n.body, t: e.cur})
		return nil
	case *macroCall:
		return e.call(n)
	}
	return fmt.Errorf("vtl: unknown node %T", n)
}

// render writes a reference's value.
func (e *exec) render(r *refNode) error {
	if e.overSteps() {
		return e.tooManySteps(r.at)
	}
	var v any
	evaluated := false
	if !r.escaped && r.prefix == "" {
		written, ok, x, err := e.renderFast(r)
		if err != nil || written {
			return err
		}
		v, evaluated = x, ok
	}
	if !evaluated {
		var err error
		if v, err = e.ref(r); err != nil {
			return err
		}
	}
	if r.escaped {
		// \$a writes $a, as written; \$a of a null writes \$a.
		if v == nil {
			return e.write(r.at, r.prefix+`\`+r.lit)
		}
		return e.write(r.at, r.prefix+r.lit)
	}
	if v == nil {
		return e.renderNull(r)
	}
	if r.prefix != "" {
		if err := e.write(r.at, r.prefix); err != nil {
			return err
		}
	}
	if b, ok := v.(*block); ok {
		return e.renderBlock(r.at, b)
	}
	e.out = appendString(e.out, v)
	if len(e.out) > e.maxOutput {
		return e.tooLong(r.at)
	}
	return nil
}

// renderNull writes a reference whose value is null (not escaped).
func (e *exec) renderNull(r *refNode) error {
	// Velocity writes the backslashes twice before a null.
	if r.quiet {
		return e.write(r.at, r.prefix+r.prefix)
	}
	lit := r.lit
	if v, _ := e.local(r.variable); len(r.chain) == 0 {
		if na, ok := v.(nullArg); ok {
			lit = na.lit // a macro's argument that is null: the argument as written
		}
	}
	return e.write(r.at, r.prefix+r.prefix+lit)
}

// renderFast writes r without making its value when it can: a variable
// #foreach bound to a string of a StringList ($g), a StringFuncs method of
// one such variable ($util.escapeJavaScript($g)), an Appender's method
// ($input.json('$.a')). written reports that; else evaluated reports that
// v is r's value, as ref gives it, when a method had to be called to find
// it; else renderFast counted no step and ref evaluates r.
func (e *exec) renderFast(r *refNode) (written, evaluated bool, v any, err error) {
	switch len(r.chain) {
	case 0:
		if x := e.find(r.variable); x != nil && x.set && x.str {
			return true, false, nil, e.write(r.at, x.s)
		}
		return false, false, nil, nil
	case 1:
	default:
		return false, false, nil, nil
	}
	st := &r.chain[0]
	if st.kind != stepMethod {
		return false, false, nil, nil
	}
	recv, looked := any(nil), false
	if len(st.args) == 1 {
		var f func(string) (string, error)
		if st == e.fnStep { // found before, on the same receiver if it is fixed
			if rs := e.find(r.variable); rs != nil && rs.fixed && !rs.set {
				f = e.fnFunc
			}
		}
		if f == nil {
			recv, _ = e.lookup(r.variable)
			looked = true
			if funcs, ok := recv.(StringFuncs); ok {
				f = funcs.StringFunc(st.name)
				if rs := e.find(r.variable); f != nil && rs != nil && rs.fixed {
					e.fnStep, e.fnFunc = st, f // for the next call, on the same receiver
				}
			}
		}
		if f != nil {
			if s, ok := e.stringArg(st.args[0]); ok {
				if e.overSteps() { // as apply counts the call
					return false, false, nil, e.tooManySteps(st.at)
				}
				s, err := f(s)
				if err == nil {
					return true, false, nil, e.write(r.at, s)
				}
				if err = e.callError(st, err); err != nil {
					return false, false, nil, err
				}
				return false, true, e.null(), nil // the method did not exist after all
			}
		}
	}
	if !looked {
		recv, _ = e.lookup(r.variable)
	}
	app, ok := recv.(Appender)
	if !ok {
		return false, false, nil, nil
	}
	// As ref and apply do, but the result written by AppendCall.
	if e.overSteps() {
		return false, false, nil, e.tooManySteps(st.at)
	}
	base := len(e.args)
	for _, a := range st.args {
		x, err := e.eval(a)
		if err != nil {
			e.popArgs(base)
			return false, false, nil, err
		}
		e.args = append(e.args, x)
	}
	args := e.args[base:len(e.args):len(e.args)]
	out, ok, err := app.AppendCall(e.out, st.name, args)
	if err == nil && ok {
		e.popArgs(base)
		e.out = out
		if len(e.out) > e.maxOutput {
			return true, false, nil, e.tooLong(r.at)
		}
		return true, false, nil, nil
	}
	if err == nil {
		v, err = e.method(recv, st.name, args)
	}
	e.popArgs(base)
	if err != nil {
		if err = e.callError(st, err); err != nil {
			return false, false, nil, err
		}
		v = nil
	}
	if v == nil {
		v = e.null()
	}
	return false, true, v, nil
}

// stringArg is the string a variable that #foreach bound to a string of
// a StringList holds, when x is such a variable.
func (e *exec) stringArg(x expr) (string, bool) {
	if r, ok := x.(*refNode); ok && len(r.chain) == 0 {
		if v := e.find(r.variable); v != nil && v.set && v.str {
			return v.s, true
		}
	}
	return "", false
}

// null is a null reference's value: nil, or "" with NullAsEmpty.
func (e *exec) null() any {
	if e.opt.NullAsEmpty {
		return ""
	}
	return nil
}

// block is the value of a #define: its body, of template t, written where
// it is referenced.
type block struct {
	body []node
	t    *Template
}

func (b *block) String() string { return "" }

func (e *exec) renderBlock(at int, b *block) error {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxCallDepth {
		return e.errorf(at, ErrLimit, "#define blocks and macros nested more than %d deep", maxCallDepth)
	}
	cur := e.enter(b.t)
	err := e.nodes(b.body)
	e.cur = cur
	if isBreak(err) {
		err = nil // #break leaves the block
	}
	return err
}

// ref evaluates a reference: nil when it is null (or, with NullAsEmpty,
// "" instead).
func (e *exec) ref(r *refNode) (any, error) {
	v, ok := e.lookup(r.variable)
	if _, null := v.(nullArg); !ok || null {
		v = nil
	}
	for i := range r.chain {
		if v == nil {
			break
		}
		st := &r.chain[i]
		var err error
		if v, err = e.apply(v, st); err != nil {
			return nil, err
		}
	}
	if v == nil && e.opt.NullAsEmpty {
		return "", nil
	}
	return v, nil
}

// apply evaluates one .prop, .method() or [index] on v (not nil).
func (e *exec) apply(v any, st *step) (any, error) {
	if e.overSteps() {
		return nil, e.tooManySteps(st.at)
	}
	switch st.kind {
	case stepProp:
		if s, ok := v.(*foreachScope); ok && st.field != noField {
			return s.field(st.field), nil // $foreach.hasNext, without a lookup by name
		}
		return property(v, st.name), nil
	case stepIndex:
		idx, err := e.eval(st.args[0])
		if err != nil {
			return nil, err
		}
		r, err := index(v, idx)
		if err != nil {
			return nil, e.errorf(st.at, err, "[%s]: %v", toString(idx), err)
		}
		return r, nil
	}
	base := len(e.args)
	for _, a := range st.args {
		x, err := e.eval(a)
		if err != nil {
			e.popArgs(base)
			return nil, err
		}
		e.args = append(e.args, x)
	}
	args := e.args[base:len(e.args):len(e.args)]
	r, err := e.method(v, st.name, args)
	e.popArgs(base)
	if err != nil {
		return nil, e.callError(st, err)
	}
	return r, nil
}

// callError is the error of a call that failed with err: none (the call
// is null) when the method does not exist, as in Velocity.
func (e *exec) callError(st *step, err error) error {
	if errors.Is(err, ErrNoMethod) {
		return nil
	}
	var ve *Error
	if errors.As(err, &ve) {
		return err
	}
	return e.errorf(st.at, err, ".%s(): %v", st.name, err)
}

// popArgs drops the arguments above base, so that the stack keeps none
// of them past its length.
func (e *exec) popArgs(base int) {
	for i := base; i < len(e.args); i++ {
		e.args[i] = nil // a loop: most calls have one argument or two
	}
	e.args = e.args[:base]
}

// assign is #set.
func (e *exec) assign(n *setNode) error {
	if e.overSteps() {
		return e.tooManySteps(n.at)
	}
	v, err := e.eval(n.rhs)
	if err != nil {
		return err
	}
	if v == nil {
		return nil // Velocity leaves the variable as it was
	}
	lhs := n.lhs
	if len(lhs.chain) == 0 {
		e.set(lhs.variable, v)
		return nil
	}
	// $a.b.c = v: evaluate $a.b, then set its c.
	target, ok := e.lookup(lhs.variable)
	if !ok || target == nil {
		return nil
	}
	for i := range lhs.chain[:len(lhs.chain)-1] {
		if target, err = e.apply(target, &lhs.chain[i]); err != nil {
			return err
		}
		if target == nil {
			return nil
		}
	}
	last := &lhs.chain[len(lhs.chain)-1]
	var key any
	switch last.kind {
	case stepProp:
		key = last.name
	case stepIndex:
		if key, err = e.eval(last.args[0]); err != nil {
			return err
		}
	default:
		return e.errorf(last.at, nil, "#set: cannot assign to a method call")
	}
	if err := setKey(target, key, v); err != nil {
		return e.errorf(last.at, err, "#set %s: %v", lhs.lit, err)
	}
	return nil
}

func (e *exec) cond(x expr) (bool, error) {
	if r, ok := x.(*refNode); ok && len(r.chain) == 1 && r.chain[0].field != noField {
		// #if($foreach.hasNext): as eval and apply would, without a value.
		if s := e.find(r.variable); s != nil && s.set {
			if scope, ok := s.v.(*foreachScope); ok {
				if e.overSteps() {
					return false, e.tooManySteps(r.chain[0].at)
				}
				return scope.truthy(r.chain[0].field), nil
			}
		}
	}
	v, err := e.eval(x)
	if err != nil {
		return false, err
	}
	return truthy(v), nil
}

// eval evaluates an expression.
func (e *exec) eval(x expr) (any, error) {
	switch x := x.(type) {
	case *refNode:
		return e.ref(x)
	case strLit:
		return x.v, nil
	case intLit:
		return x.v, nil
	case floatLit:
		return x.v, nil
	case boolLit:
		return x.v, nil
	case *interpLit:
		return e.interpolate(x)
	case *listLit:
		l := &List{Elems: make([]any, len(x.elems))}
		for i, el := range x.elems {
			v, err := e.eval(el)
			if err != nil {
				return nil, err
			}
			l.Elems[i] = v
		}
		return l, nil
	case *mapLit:
		m := NewMap(len(x.keys))
		for i := range x.keys {
			k, err := e.eval(x.keys[i])
			if err != nil {
				return nil, err
			}
			v, err := e.eval(x.vals[i])
			if err != nil {
				return nil, err
			}
			m.Put(k, v)
		}
		return m, nil
	case *rangeLit:
		return e.rng(x)
	case *notExpr:
		v, err := e.eval(x.x)
		if err != nil {
			return nil, err
		}
		return !truthy(v), nil
	case *binaryExpr:
		return e.binary(x)
	}
	return nil, fmt.Errorf("vtl: unknown expression %T", x)
}

func (e *exec) interpolate(x *interpLit) (any, error) {
	out := e.out
	e.out = nil
	err := e.nodes(x.body)
	s := e.out
	e.out = out
	if err != nil && !isControl(err) {
		return nil, err
	}
	if !x.comment && len(s) > 0 {
		s = s[:len(s)-1]
	}
	return string(s), nil
}

// maxRange bounds the length of a [a..b] range.
const maxRange = 1 << 20

func (e *exec) rng(x *rangeLit) (any, error) {
	from, err := e.eval(x.from)
	if err != nil {
		return nil, err
	}
	to, err := e.eval(x.to)
	if err != nil {
		return nil, err
	}
	a, ok1 := toInt(from)
	b, ok2 := toInt(to)
	if !ok1 || !ok2 {
		return nil, nil // Velocity: a range over a non-integer is null
	}
	n := b - a
	if n < 0 {
		n = -n
	}
	if n >= maxRange {
		return nil, e.errorf(x.at, ErrLimit, "range [%d..%d] longer than %d", a, b, maxRange)
	}
	l := &List{Elems: make([]any, 0, n+1)}
	for i := a; ; {
		l.Elems = append(l.Elems, i)
		if i == b {
			break
		}
		if a < b {
			i++
		} else {
			i--
		}
	}
	return l, nil
}

// toInt reads an integer, or a string holding one, as a range bound.
func toInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<62 {
			return int64(v), true
		}
	}
	return 0, false
}

func (e *exec) binary(x *binaryExpr) (any, error) {
	if e.overSteps() {
		return nil, e.tooManySteps(x.at)
	}
	switch x.op {
	case "&&", "||":
		l, err := e.cond(x.l)
		if err != nil {
			return nil, err
		}
		if x.op == "&&" && !l || x.op == "||" && l {
			return l, nil
		}
		return e.cond(x.r)
	}
	l, err := e.eval(x.l)
	if err != nil {
		return nil, err
	}
	r, err := e.eval(x.r)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "<", "<=", ">", ">=":
		c, ok := compareNumbers(l, r)
		if !ok {
			return false, nil
		}
		switch x.op {
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		}
		return c >= 0, nil
	case "+":
		_, ls := l.(string)
		_, rs := r.(string)
		if ls || rs {
			if l == nil {
				l = literal(e.cur.src, x.l)
			}
			if r == nil {
				r = literal(e.cur.src, x.r)
			}
			return toString(l) + toString(r), nil
		}
	}
	v, err := arith(x.op, l, r)
	if err != nil {
		return nil, e.errorf(x.at, err, "%v", err)
	}
	return v, nil
}

// literal is the text of a null operand of +, as Velocity writes it.
func literal(_ string, x expr) any {
	if r, ok := x.(*refNode); ok {
		return r.lit
	}
	return "null"
}

func (e *exec) foreach(n *foreachNode) error {
	if e.overSteps() {
		return e.tooManySteps(n.at)
	}
	in, err := e.eval(n.in)
	if err != nil {
		return err
	}
	var it iterator
	if !it.init(in) {
		return nil // null or not iterable: no iterations
	}
	// The slots the loop binds stay where they are while it runs, unless
	// it is code of another template's block (loopSlot binds them anew).
	var l loop
	l.n = n
	if e.cur == e.t {
		l.vs, l.cs, l.hs, l.fs = &e.vars[n.v.slot], &e.vars[varCount.slot], &e.vars[varHasNext.slot], &e.vars[varForeach.slot]
	}
	vs, cs, hs := l.vs, l.cs, l.hs
	l.saved = *e.loopSlot(vs, n.v)
	l.savedCount = *e.loopSlot(cs, varCount)
	l.savedNext = *e.loopSlot(hs, varHasNext)
	l.savedScope = *e.loopSlot(l.fs, varForeach)
	parent := l.savedScope.v
	if !l.savedScope.set {
		parent, _ = e.hostLookup(varForeach.name, nil)
	}
	var scope *foreachScope
	l.inRoom = e.loops < len(e.room) && !e.cur.scopeEscapes && !e.kept
	if l.inRoom {
		if e.room == nil {
			e.room = new([4]foreachScope)
		}
		scope = &e.room[e.loops] // see Template.scopeEscapes
		e.loops++
		e.roomUsed = max(e.roomUsed, e.loops)
	} else {
		scope = new(foreachScope)
	}
	scope.index, scope.hasNext, scope.parent = -1, false, parent
	*e.loopSlot(l.fs, varForeach) = slot{v: scope, set: true}
	defer e.endLoop(&l)
	count := 0
	for {
		more, err := it.next()
		if err != nil {
			return e.errorf(n.at, err, "#foreach: %v", err)
		}
		if !more {
			break
		}
		if e.opt.MaxLoops > 0 && count >= e.opt.MaxLoops {
			break
		}
		count++
		hasNext := it.hasNext()
		*e.loopSlot(cs, varCount) = slot{v: intValue(count), set: true}
		*e.loopSlot(hs, varHasNext) = slot{v: hasNext, set: true}
		if s, ok := it.stringValue(); ok {
			*e.loopSlot(vs, n.v) = slot{s: s, set: true, str: true}
		} else {
			*e.loopSlot(vs, n.v) = slot{v: it.value(), set: true}
		}
		scope.index++
		scope.hasNext = hasNext
		if err := e.nodes(n.body); err != nil {
			if isBreak(err) {
				break
			}
			return err
		}
	}
	return nil
}

// loop is what a #foreach binds: the slots, when they stay where they are
// while it runs, and what they held before, given back by endLoop.
type loop struct {
	n                                        *foreachNode
	vs, cs, hs, fs                           *slot // n.v, velocityCount, velocityHasNext, foreach
	saved, savedCount, savedNext, savedScope slot
	inRoom                                   bool // its $foreach is in e.room
}

func (e *exec) endLoop(l *loop) {
	if l.inRoom {
		e.loops--
	}
	*e.loopSlot(l.vs, l.n.v) = l.saved
	*e.loopSlot(l.cs, varCount) = l.savedCount
	*e.loopSlot(l.hs, varHasNext) = l.savedNext
	*e.loopSlot(l.fs, varForeach) = l.savedScope
}

// loopSlot is x's slot: p when the loop's slots stay where they are, else
// x's slot bound anew.
func (e *exec) loopSlot(p *slot, x variable) *slot {
	if p != nil {
		return p
	}
	return e.bind(x)
}

// smallInts are the first counts of a loop as values, made once.
var smallInts = func() (v [256]any) {
	for i := range v {
		v[i] = int64(i)
	}
	return v
}()

// intValue is n as a value.
func intValue(n int) any {
	if n >= 0 && n < len(smallInts) {
		return smallInts[n]
	}
	return int64(n)
}

// foreachScope is $foreach: index, count, hasNext, first, last, parent.
type foreachScope struct {
	index   int
	hasNext bool
	parent  any
}

func (s *foreachScope) Get(name string) (any, bool) {
	if f := scopeFields[name]; f != noField {
		return s.field(f), true
	}
	if name == "parent" {
		return s.parent, s.parent != nil
	}
	return nil, false
}

// scopeField is a property of $foreach other than parent, found when the
// template is parsed (step.field).
type scopeField uint8

const (
	noField scopeField = iota
	fieldIndex
	fieldCount
	fieldHasNext
	fieldFirst
	fieldLast
)

var scopeFields = map[string]scopeField{
	"index": fieldIndex, "count": fieldCount, "hasNext": fieldHasNext, "first": fieldFirst, "last": fieldLast,
}

// truthy is truthy(s.field(f)).
func (s *foreachScope) truthy(f scopeField) bool {
	switch f {
	case fieldHasNext:
		return s.hasNext
	case fieldFirst:
		return s.index == 0
	case fieldLast:
		return !s.hasNext
	}
	return true // a number
}

func (s *foreachScope) field(f scopeField) any {
	switch f {
	case fieldIndex:
		return int64(s.index)
	case fieldCount:
		return int64(s.index + 1)
	case fieldHasNext:
		return s.hasNext
	case fieldFirst:
		return s.index == 0
	}
	return !s.hasNext // fieldLast
}

func (s *foreachScope) Call(name string, args []any) (any, error) {
	if len(args) != 0 {
		return nil, ErrNoMethod
	}
	switch name {
	case "getIndex":
		return int64(s.index), nil
	case "getCount":
		return int64(s.index + 1), nil
	case "hasNext", "getHasNext":
		return s.hasNext, nil
	case "isFirst", "getFirst":
		return s.index == 0, nil
	case "isLast", "getLast":
		return !s.hasNext, nil
	case "getParent":
		return s.parent, nil
	}
	return nil, ErrNoMethod
}

func (e *exec) call(n *macroCall) error {
	if e.overSteps() {
		return e.tooManySteps(n.at)
	}
	d := e.t.macros[n.name]
	if d == nil {
		return e.write(n.at, n.lit) // no such macro: the text as written
	}
	if len(n.args) != len(d.params) {
		return e.errorf(n.at, nil, "#%s: %d arguments, want %d", n.name, len(n.args), len(d.params))
	}
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxCallDepth {
		return e.errorf(n.at, ErrLimit, "macros nested more than %d deep", maxCallDepth)
	}
	type saved struct {
		v   any
		had bool
	}
	prev := make([]saved, len(d.params))
	vals := make([]any, len(d.params))
	for i, a := range n.args {
		v, err := e.eval(a)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	// The macro is t's, even when a block of another template calls it.
	cur := e.enter(e.t)
	defer func() { e.cur = cur }()
	for i, p := range d.params {
		v, had := e.local(p)
		prev[i] = saved{v, had}
		switch a := n.args[i].(type) {
		case *refNode:
			if vals[i] == nil {
				e.set(p, nullArg{a.lit})
				continue
			}
		}
		if vals[i] == nil {
			e.unset(p)
		} else {
			e.set(p, vals[i])
		}
	}
	err := e.nodes(d.body)
	for i, p := range d.params {
		if prev[i].had {
			e.set(p, prev[i].v)
		} else {
			e.unset(p)
		}
	}
	if isBreak(err) {
		err = nil // #break leaves the macro
	}
	return err
}

// nullArg is the value of a macro's parameter whose argument, a
// reference, is null: Velocity passes arguments by name, so the parameter
// is written as the argument was.
type nullArg struct{ lit string }

// iterator walks what #foreach iterates: a list, a map's values. As
// Java's iterators, it fails when the list or map it walks was changed
// in size by the loop's body and has more to give.
type iterator struct {
	list ListValue
	strs StringList // list, when it is one
	m    *Map
	vals []any
	i, n int
	mod  *int
	want int
}

var errConcurrent = errors.New("the list or map was changed while #foreach walked it (ConcurrentModificationException)")

// init makes it, a zero iterator, iterate over v; false when v is not
// iterable. An iterator is a value, so that a loop allocates none.
func (it *iterator) init(v any) bool {
	it.i = -1
	switch v := v.(type) {
	case *Map:
		it.m, it.n, it.mod, it.want = v, len(v.vals), &v.mod, v.mod
	case *List:
		it.list, it.n, it.mod, it.want = v, v.Len(), &v.mod, v.mod
	case ListValue:
		it.list, it.n = v, v.Len()
		it.strs, _ = v.(StringList)
	case MapValue:
		it.vals = mapValues(v)
		it.n = len(it.vals)
	default:
		return false
	}
	return true
}

// mapValues are m's values, in order.
func mapValues(m MapValue) []any {
	var vals []any
	m.Range(func(_ string, x any) bool { vals = append(vals, x); return true })
	return vals
}

// size is how many elements the iteration sees: a list's current length
// (ArrayList's hasNext), a map's length when its last element was given
// (LinkedHashMap's iterator finds its next entry then), a StringList's
// length (it does not change).
func (it *iterator) size() int {
	if it.list != nil && it.strs == nil {
		return it.list.Len()
	}
	return it.n
}

// next moves to the next element; false at the end.
func (it *iterator) next() (bool, error) {
	if it.i+1 >= it.size() {
		return false, nil
	}
	if it.mod != nil && *it.mod != it.want {
		return false, errConcurrent
	}
	it.i++
	if it.m != nil {
		it.n = len(it.m.vals)
	}
	return true, nil
}

func (it *iterator) hasNext() bool { return it.i+1 < it.size() }

// stringValue is the element when the list is a StringList and the
// element a string.
func (it *iterator) stringValue() (string, bool) {
	if it.strs == nil {
		return "", false
	}
	return it.strs.StringAt(it.i)
}

func (it *iterator) value() any {
	switch {
	case it.list != nil:
		return it.list.Index(it.i)
	case it.m != nil:
		return it.m.vals[it.i]
	}
	return it.vals[it.i]
}
