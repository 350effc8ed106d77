package mapping

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/vtl"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/interpreter"
)

// DefaultCostLimit is the CEL cost one evaluation of a template may spend
// unless [WithCostLimit] says otherwise. A cost unit is roughly one step of
// evaluation (a comprehension iteration costs a few); the util functions
// cost one unit per 32 bytes they read or write, CEL's own string
// functions one per 10. The default allows a few hundred thousand
// comprehension steps, and a few passes of the util functions over a 10 MB
// body; templates that walk large bodies with CEL's string functions may
// need more. At worst (nested comprehensions over 1000-element lists) an
// evaluation stops at the default after some hundreds of milliseconds of
// CPU: cel-go's cost tracker does work proportional to the iterations
// already done within a comprehension. A template known to be small can be
// given a lower limit.
const DefaultCostLimit = 1_000_000

// ErrCostLimit is the cause (see [apigw.Error].Err) of the 500 a template
// answers when an evaluation spends more than its cost limit.
var ErrCostLimit = errors.New("mapping: template exceeded its cost limit")

// Template is a compiled mapping template: a CEL expression written out
// as JSON ([Compile]) or text with {{ expression }} holes ([CompileText]).
// A Template is immutable and safe for simultaneous use by multiple
// goroutines.
type Template struct {
	name string
	src  string
	text bool
	lits []string // text templates: the literal text around the holes
	// keys: a JSON template whose expression is a map literal with
	// constant string keys evaluates its values as a list, and keys[i]
	// is what precedes value i: {"a": , ,"b": ...
	keys []string
	prg  cel.Program
	// parts: a text or object template proven bounded (see
	// newTemplate) evaluates each hole or value as a program of its own,
	// without building the list.
	parts     []cel.Program
	costLimit uint64
	// bounded: the template's cost is bounded within costLimit, so it
	// runs without the runtime cost tracker.
	bounded bool
	vtl     *vtl.Template // a VTL template ([CompileVTL])
}

// Option configures [Compile] and [CompileText].
type Option func(*compileOptions)

type compileOptions struct {
	name      string
	costLimit uint64
	track     bool // keep the cost tracker even when the estimate is bounded (benchmarks)
	whole     bool // evaluate a bounded list template as one list (benchmarks)
}

// WithName names the template in compile and evaluation errors (the
// gateway passes the route and content type). Default: the start of the
// source, quoted.
func WithName(name string) Option { return func(o *compileOptions) { o.name = name } }

// WithCostLimit sets the CEL cost one evaluation may spend; over it the
// evaluation stops and the request is answered 500. Default
// [DefaultCostLimit]; 0 keeps the default.
func WithCostLimit(limit uint64) Option {
	return func(o *compileOptions) {
		if limit > 0 {
			o.costLimit = limit
		}
	}
}

func newOptions(src string, opts []Option) compileOptions {
	o := compileOptions{costLimit: DefaultCostLimit}
	for _, opt := range opts {
		opt(&o)
	}
	if o.name == "" {
		excerpt := src
		if len(excerpt) > 40 {
			excerpt = excerpt[:40] + "…"
		}
		o.name = strconv.Quote(excerpt)
	}
	return o
}

// Compile compiles a template whose value is written out as JSON: a CEL
// expression over input, context, stageVariables and util (see the package
// documentation) whose value may be a map, a list, a string, a number, a
// bool or null. Map keys are written in sorted order.
//
//	mapping.Compile(`{"genre": input.json.genres}`)
//
// The error names the template and the line:column of each problem.
func Compile(expr string, opts ...Option) (*Template, error) {
	o := newOptions(expr, opts)
	e, err := env()
	if err != nil {
		return nil, fmt.Errorf("mapping: CEL environment: %w", err)
	}
	if len(expr) > maxTemplateLen {
		return nil, fmt.Errorf("mapping: template %s: longer than %d bytes", o.name, maxTemplateLen)
	}
	if strings.TrimSpace(expr) == "" {
		return nil, fmt.Errorf("mapping: template %s: empty expression", o.name)
	}
	a, iss := e.CompileSource(common.NewStringSource(expr, o.name))
	if iss.Err() != nil {
		return nil, compileError(o.name, iss, func(line, col int) position { return position{line, col + 1} })
	}
	a, keys := objectToList(e, a)
	t, err := newTemplate(e, a, o, expr, false, nil, keys != nil)
	if t != nil {
		t.keys = keys
	}
	return t, err
}

// objectToList rewrites a template that is a map literal with distinct
// constant string keys ({"genre": input.json.genres}, the common case)
// into the list of its values in key order, and returns the text to write
// before each value: the object is then written without building a CEL
// map. Any other template is returned as it is, with nil keys.
func objectToList(e *cel.Env, a *cel.Ast) (*cel.Ast, []string) {
	root := a.NativeRep().Expr()
	if root.Kind() != ast.MapKind {
		return a, nil
	}
	o := &objectRoot{}
	opt, err := cel.NewStaticOptimizer(o)
	if err != nil {
		return a, nil
	}
	optimized, iss := opt.Optimize(e, a)
	if iss.Err() != nil || o.keys == nil {
		return a, nil
	}
	return optimized, o.keys
}

// objectRoot is the cel.ASTOptimizer of objectToList.
type objectRoot struct{ keys []string }

func (o *objectRoot) Optimize(ctx *cel.OptimizerContext, a *ast.AST) *ast.AST {
	entries := a.Expr().AsMap().Entries()
	type entry struct {
		key   string
		value ast.Expr
	}
	sorted := make([]entry, 0, len(entries))
	for _, x := range entries {
		me := x.AsMapEntry()
		if me.IsOptional() || me.Key().Kind() != ast.LiteralKind {
			return a
		}
		k, ok := me.Key().AsLiteral().(types.String)
		if !ok {
			return a
		}
		sorted = append(sorted, entry{string(k), me.Value()})
	}
	slices.SortFunc(sorted, func(x, y entry) int { return strings.Compare(x.key, y.key) })
	keys := make([]string, len(sorted)+1)
	values := make([]ast.Expr, len(sorted))
	sep := "{"
	for i, x := range sorted {
		if i > 0 && x.key == sorted[i-1].key {
			return a // a repeated key is CEL's runtime error: keep it
		}
		keys[i] = sep + string(appendString(nil, x.key)) + ":"
		values[i] = x.value
		sep = ","
	}
	keys[len(sorted)] = "}"
	if len(sorted) == 0 {
		keys[0] = "{}"
	}
	o.keys = keys
	return ctx.NewAST(ctx.NewList(values, nil))
}

// CompileText compiles a text template: literal text with {{ expression }}
// holes, for XML, form-encoded or any other text. A hole's value is
// written as text: a string as it is, a number or bool in its JSON form,
// null as nothing, a map or list as JSON. Nothing is escaped for you: use
// util.escapeXml, util.escapeJson or util.urlEncode in the hole. A literal
// {{ is written {{ "{{" }}.
//
//	mapping.CompileText(`<name>{{ util.escapeXml(input.json.name) }}</name>`)
func CompileText(src string, opts ...Option) (*Template, error) {
	o := newOptions(src, opts)
	e, err := env()
	if err != nil {
		return nil, fmt.Errorf("mapping: CEL environment: %w", err)
	}
	if len(src) > maxTemplateLen {
		return nil, fmt.Errorf("mapping: template %s: longer than %d bytes", o.name, maxTemplateLen)
	}
	lits, holes, err := scanText(src)
	if err != nil {
		return nil, fmt.Errorf("mapping: template %s: %w", o.name, err)
	}
	// All holes compile as one list expression, one hole per line group,
	// so that an evaluation is one program run under one cost limit.
	var b strings.Builder
	starts := make([]int, len(holes)) // line of each hole in b
	b.WriteString("[\n")
	line := 2
	for i, h := range holes {
		starts[i] = line
		b.WriteString("(")
		b.WriteString(src[h.start:h.end])
		b.WriteString("\n),\n")
		line += strings.Count(src[h.start:h.end], "\n") + 2
	}
	b.WriteString("]")
	if len(holes) == 0 {
		return &Template{name: o.name, src: src, text: true, lits: lits, costLimit: o.costLimit}, nil
	}
	a, iss := e.CompileSource(common.NewStringSource(b.String(), o.name))
	if iss.Err() != nil {
		return nil, compileError(o.name, iss, func(line, col int) position {
			k := len(starts) - 1
			for k > 0 && starts[k] > line {
				k--
			}
			if k < 0 || line < starts[0] {
				return position{1, 1}
			}
			hp := positionOf(src, holes[k].start)
			if line == starts[k] {
				return position{hp.line, hp.col + col - 1}
			}
			return position{hp.line + line - starts[k], col + 1}
		})
	}
	return newTemplate(e, a, o, src, true, lits, true)
}

// MustCompile is [Compile] for package-level templates: it panics on error.
func MustCompile(expr string, opts ...Option) *Template {
	t, err := Compile(expr, opts...)
	if err != nil {
		panic(err)
	}
	return t
}

// MustCompileText is [CompileText] for package-level templates: it panics
// on error.
func MustCompileText(src string, opts ...Option) *Template {
	t, err := CompileText(src, opts...)
	if err != nil {
		panic(err)
	}
	return t
}

// newTemplate makes a's program; list says a is the list of a text
// template's holes or an object template's values.
//
// A template whose cost is bounded within the cost limit whatever it
// reads (see maxCost: picking fields, building objects, comparing with
// literals) cannot exceed it, and runs without the runtime cost tracker,
// which instruments every step of an evaluation. The others keep the
// tracker. The holes or values of a bounded list template are programs of
// their own, so that the list is never built. Measured on the ladder's
// response template over the artist (BenchmarkCostTracking, CPU time per
// render, parse included): 0.79 µs and 2 allocations in parts, 1.02 µs
// and 6 as one list, 1.76 µs and 11 tracked.
func newTemplate(e *cel.Env, a *cel.Ast, o compileOptions, src string, text bool, lits []string, list bool) (*Template, error) {
	t := &Template{name: o.name, src: src, text: text, lits: lits, costLimit: o.costLimit}
	limit, ok := maxCost(e, a)
	t.bounded = ok && limit <= o.costLimit && !o.track
	var err error
	if t.bounded && list && !o.whole {
		t.parts, err = elementPrograms(e, a)
	} else {
		opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize), guards(e, a)}
		if !t.bounded {
			opts = append(opts, cel.CostLimit(o.costLimit), cel.CostTracking(costEstimator{}))
		}
		t.prg, err = e.Program(a, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("mapping: template %s: %w", o.name, err)
	}
	return t, nil
}

// elementPrograms compiles each element of a, a list literal, as a
// program of its own.
func elementPrograms(e *cel.Env, a *cel.Ast) ([]cel.Program, error) {
	l := a.NativeRep().Expr().AsList()
	if len(l.OptionalIndices()) > 0 {
		return nil, errors.New("a list with optional elements")
	}
	prgs := make([]cel.Program, l.Size())
	for i := range prgs {
		opt, err := cel.NewStaticOptimizer(listElement(i))
		if err != nil {
			return nil, err
		}
		ea, iss := opt.Optimize(e, a)
		if iss.Err() != nil {
			return nil, iss.Err()
		}
		if prgs[i], err = e.Program(ea, cel.EvalOptions(cel.OptOptimize), guards(e, ea)); err != nil {
			return nil, err
		}
	}
	return prgs, nil
}

// listElement is the cel.ASTOptimizer that keeps element i of a list.
type listElement int

func (i listElement) Optimize(ctx *cel.OptimizerContext, a *ast.AST) *ast.AST {
	return ctx.NewAST(a.Expr().AsList().Elements()[i])
}

// compileError lists every issue at its place in the template; at maps a
// CEL location (1-based line, 0-based column) to the template's.
func compileError(name string, iss *cel.Issues, at func(line, col int) position) error {
	var msgs []string
	for _, e := range iss.Errors() {
		msg := e.Message
		if loc := e.Location; loc != nil && loc.Line() > 0 {
			msg = at(loc.Line(), loc.Column()).String() + ": " + msg
		}
		msgs = append(msgs, msg)
	}
	return fmt.Errorf("mapping: template %s: %s", name, strings.Join(msgs, "; "))
}

// Name is the template's name in errors.
func (t *Template) Name() string { return t.name }

// String returns the template's source.
func (t *Template) String() string { return t.src }

// The languages of a Template, as Language names them.
const (
	LanguageCEL     = "cel"      // Compile
	LanguageCELText = "cel-text" // CompileText
	LanguageVTL     = "vtl"      // CompileVTL
)

// Language names the language t is written in: LanguageCEL,
// LanguageCELText or LanguageVTL, for tools that write a template down
// (openapi.Export).
func (t *Template) Language() string {
	switch {
	case t.vtl != nil:
		return LanguageVTL
	case t.text:
		return LanguageCELText
	}
	return LanguageCEL
}

// Render evaluates t over the method request r (its Context c; nil takes
// r's, or a new one) and appends the output to dst: input.body and input.json are r's body, read and
// parsed once through c ([apigw.Context.Body], [apigw.Context.JSON]) and
// shared with the validator. It is what a request template does.
//
// A failure is an [*apigw.Error] and dst is returned unchanged: 400
// BAD_REQUEST_BODY when the template reads input.json of a body that is
// not JSON (AWS's "Could not parse request body into json"), 413 for a
// body over the limit, else 500 API_CONFIGURATION_ERROR with the reason in
// Err for the access log (cost limit, missing key, bad conversion...).
func (t *Template) Render(dst []byte, r *http.Request, c *apigw.Context) ([]byte, error) {
	if c == nil {
		r, c = apigw.EnsureContext(r)
	}
	a := newActivation(r, c, true, nil)
	defer a.release()
	return t.render(dst, a)
}

// RenderBody is [Template.Render] over another body: input.body and
// input.json are body (an integration response, parsed on first use),
// while input.params, context and stageVariables still come from the
// method request r and c. It is what a response template does; a body
// that is not JSON where the template reads input.json is a 500. body is
// only read, and only during the call.
func (t *Template) RenderBody(dst []byte, r *http.Request, c *apigw.Context, body []byte) ([]byte, error) {
	if c == nil {
		r, c = apigw.EnsureContext(r)
	}
	a := newActivation(r, c, false, body)
	defer a.release()
	return t.render(dst, a)
}

func (t *Template) render(dst []byte, a *activation) (out []byte, err error) {
	n := len(dst)
	defer func() {
		if p := recover(); p != nil {
			out, err = dst[:n], t.fail(a, fmt.Errorf("panic: %v", p))
		}
	}()
	if t.vtl != nil {
		return t.renderVTL(dst, a)
	}
	switch {
	case t.parts != nil:
		dst, err = t.appendParts(dst, a)
	case t.prg == nil: // a text template without holes
		return append(dst, t.lits[0]...), nil
	default:
		var v ref.Val
		if v, _, err = t.prg.Eval(a); err != nil {
			return dst, t.fail(a, err)
		}
		switch {
		case t.text || t.keys != nil:
			dst, err = t.appendList(dst, v)
		default:
			dst, err = appendJSON(dst, v)
		}
	}
	if err == nil && len(dst)-n > maxOutputBytes {
		err = errTooLarge
	}
	if err != nil {
		return dst[:n], t.fail(a, err)
	}
	return dst, nil
}

// seps is what a list template writes around its values: before value
// i, seps[i]; after the last, seps[len(seps)-1].
func (t *Template) seps() []string {
	if t.text {
		return t.lits
	}
	return t.keys
}

// appendPart writes value v of a list template: a text template's hole as
// text, an object template's value as JSON.
func (t *Template) appendPart(dst []byte, v ref.Val) ([]byte, error) {
	if !t.text {
		return appendValue(dst, v, 1)
	}
	dst, err := appendText(dst, v)
	if err == nil && len(dst) > maxOutputBytes {
		err = errTooLarge
	}
	return dst, err
}

// appendList writes a list template from the list of its values.
func (t *Template) appendList(dst []byte, v ref.Val) ([]byte, error) {
	list, ok := v.(traits.Lister)
	if !ok {
		return dst, fmt.Errorf("mapping: template evaluated to %s", v.Type().TypeName())
	}
	seps := t.seps()
	for i, sep := range seps[:len(seps)-1] {
		dst = append(dst, sep...)
		var err error
		if dst, err = t.appendPart(dst, list.Get(types.Int(i))); err != nil {
			return dst, err
		}
	}
	return append(dst, seps[len(seps)-1]...), nil
}

// appendParts writes a list template, evaluating its values one by one.
func (t *Template) appendParts(dst []byte, a *activation) ([]byte, error) {
	seps := t.seps()
	for i, p := range t.parts {
		dst = append(dst, seps[i]...)
		v, _, err := p.Eval(a)
		if err != nil {
			return dst, err
		}
		if dst, err = t.appendPart(dst, v); err != nil {
			return dst, err
		}
	}
	return append(dst, seps[len(seps)-1]...), nil
}

// fail turns an evaluation failure into the refusal the client gets.
func (t *Template) fail(a *activation, err error) *apigw.Error {
	switch {
	case a.bodyErr != nil && errors.Is(a.bodyErr, apigw.ErrBodyTooLarge):
		return &apigw.Error{Type: apigw.RequestTooLarge, Err: a.bodyErr}
	case a.bodyErr != nil:
		return &apigw.Error{Type: apigw.BadRequestBody, Err: a.bodyErr}
	case a.jsonErr != nil && a.fromRequest:
		reason := a.jsonErr
		if u := errors.Unwrap(reason); u != nil {
			reason = u
		}
		return &apigw.Error{Type: apigw.BadRequestBody,
			Message: "Could not parse request body into json: " + reason.Error(),
			Err:     fmt.Errorf("mapping: template %s: %w", t.name, a.jsonErr)}
	case a.jsonErr != nil:
		return &apigw.Error{Type: apigw.APIConfigurationError,
			Err: fmt.Errorf("mapping: template %s: integration response body is not JSON: %w", t.name, a.jsonErr)}
	}
	var cancelled interpreter.EvalCancelledError
	if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
		err = fmt.Errorf("%w (%d)", ErrCostLimit, t.costLimit)
	}
	return &apigw.Error{Type: apigw.APIConfigurationError,
		Err: fmt.Errorf("mapping: template %s: evaluation failed: %w", t.name, err)}
}

// costEstimator prices the util functions by the bytes they read and
// write, one unit per 32 bytes (about the time one evaluation step
// takes); other calls keep CEL's prices.
type costEstimator struct{}

func (costEstimator) CallCost(function, _ string, args []ref.Val, result ref.Val) *uint64 {
	if !strings.HasPrefix(function, "util.") {
		return nil
	}
	n := 0
	for _, a := range args {
		n += stringSize(a)
	}
	n += stringSize(result)
	cost := 1 + uint64(n)/32
	return &cost
}

// maxCost bounds what the runtime cost tracker would count for a: CEL's
// static estimate (costBounds) plus one per node of the expression. The
// tracker counts each qualifier of a field selection (input.json.a.b) where
// the estimate may count the selection once, so the estimate alone falls
// short by up to one per node for every time the node runs; a template
// without comprehensions runs each node at most once. ok is false for a
// template with a comprehension, or an estimate without bound.
func maxCost(e *cel.Env, a *cel.Ast) (uint64, bool) {
	nodes, loops := uint64(0), false
	ast.PostOrderVisit(a.NativeRep().Expr(), ast.NewExprVisitor(func(x ast.Expr) {
		nodes++
		loops = loops || x.Kind() == ast.ComprehensionKind
	}))
	est, err := e.EstimateCost(a, costBounds{})
	if err != nil || loops || est.Max > math.MaxUint64-nodes {
		return 0, false
	}
	return est.Max + nodes, true
}

// costBounds is costEstimator for CEL's static estimate: a util function
// costs at most 1 + (bytes read + bytes written)/32, bounded when its
// arguments' sizes are known (literals) and unbounded otherwise; the
// util functions write at most 6 bytes per byte read (escapeJavaScript's
// \uXXXX), util.toJson any number. Sizes of values are unknown.
type costBounds struct{}

func (costBounds) EstimateSize(checker.AstNode) *checker.SizeEstimate { return nil }

func (costBounds) EstimateCallCost(function, _ string, _ *checker.AstNode, args []checker.AstNode) *checker.CallEstimate {
	if !strings.HasPrefix(function, "util.") {
		return nil
	}
	unbounded := &checker.CallEstimate{CostEstimate: checker.CostEstimate{Min: 1, Max: math.MaxUint64}}
	if function == "util.toJson" {
		return unbounded
	}
	var chars uint64
	for _, a := range args {
		size := a.ComputedSize()
		if size == nil || size.Max > 1<<32 {
			return unbounded
		}
		chars += size.Max
	}
	in := 4 * chars // a character is at most 4 bytes of UTF-8
	out := 6*in + 64
	return &checker.CallEstimate{CostEstimate: checker.CostEstimate{Min: 1, Max: 1 + (in+out)/32}}
}

func stringSize(v ref.Val) int {
	switch v := v.(type) {
	case types.String:
		return len(v)
	case types.Bytes:
		return len(v)
	}
	return 0
}
