package vtl

// The parsed template: a tree of nodes (what is written) and expressions
// (what is computed). Every node and expression keeps the byte offset
// where it starts (at), from which errors name the line and column.

// node is one element of a block: text, a reference or a directive.
type node interface{}

type textNode struct{ s string }

// refNode is a reference: $a, $!a, ${a}, $a.b.c(1)[0], possibly escaped.
type refNode struct {
	at      int
	quiet   bool   // $!a: nothing is written when it is null
	escaped bool   // an odd number of backslashes before the $
	prefix  string // written before the value: half of the backslashes
	lit     string // the reference as written, written when it is null
	variable
	chain []step
}

// variable is a name a template reads or binds (#set, #foreach, #define,
// a macro's parameter), and its slot: its index among the template's
// variables, given when the template is parsed, so that an evaluation
// finds a variable without searching for its name.
type variable struct {
	name string
	slot int
}

// The variables #foreach binds have the same slots in every template.
var (
	varForeach   = variable{"foreach", 0}
	varCount     = variable{"velocityCount", 1}
	varHasNext   = variable{"velocityHasNext", 2}
	builtinSlots = []variable{varForeach, varCount, varHasNext}
)

type stepKind uint8

const (
	stepProp stepKind = iota
	stepMethod
	stepIndex
)

// step is one .prop, .method(args) or [index] of a reference.
type step struct {
	kind stepKind
	at   int
	name string
	args []expr // the method's arguments, or the index
	// field is the property of $foreach a .prop names, if any.
	field scopeField
}

type setNode struct {
	at  int
	lhs *refNode
	rhs expr
}

type ifNode struct {
	at     int
	conds  []expr
	blocks [][]node
	els    []node // nil without #else
}

type foreachNode struct {
	at   int
	v    variable // the loop variable
	in   expr
	body []node
}

type breakNode struct{ at int }

type stopNode struct{ at int }

type defineNode struct {
	at   int
	v    variable
	body []node
}

// macroCall is #name(args) for a name that is not a directive: a call of
// the macro of that name, or, when there is none, the text as written.
type macroCall struct {
	at   int
	name string
	args []expr
	lit  string
}

type macroDef struct {
	at     int
	name   string
	params []variable
	body   []node
}

// expr is an expression: a literal, a reference or an operation.
type expr interface{}

// strLit is a string literal; v holds s as a value, made once when the
// template is parsed so that evaluating it allocates nothing.
type strLit struct {
	s string
	v any
}

func newStrLit(s string) strLit { return strLit{s, s} }

// interpLit is a double-quoted string with references or directives:
// rendered as a template on each evaluation. VTL parses it with a space
// appended and drops the last character written unless the string holds
// a ## comment.
type interpLit struct {
	body    []node
	comment bool
}

type intLit struct{ v int64 }

type floatLit struct{ v float64 }

type boolLit struct{ v bool }

type listLit struct{ elems []expr }

type mapLit struct{ keys, vals []expr }

type rangeLit struct {
	at       int
	from, to expr
}

type binaryExpr struct {
	at   int
	op   string // || && == != < <= > >= + - * / %
	l, r expr
}

type notExpr struct{ x expr }
