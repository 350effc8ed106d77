package mapping

import (
	"strings"
	"unicode/utf8"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/functions"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/interpreter"
)

// MaxIterations is the most elements one comprehension (map, filter,
// exists, all, ...) may range over, the bound AWS puts on a VTL #foreach.
const MaxIterations = 1000

// guards returns the program options that keep an evaluation bounded
// beyond what the cost limit alone does: comprehensions range over at most
// MaxIterations elements, and replace, join and format refuse to build a
// string over maxOutputBytes before they build it (the cost limit would
// only notice afterwards).
func guards(e *cel.Env, a *cel.Ast) cel.ProgramOption {
	ranges := map[int64]bool{}
	ast.PostOrderVisit(a.NativeRep().Expr(), ast.NewExprVisitor(func(x ast.Expr) {
		if x.Kind() == ast.ComprehensionKind {
			ranges[x.AsComprehension().IterRange().ID()] = true
		}
	}))
	impls := map[string]map[string]*functions.Overload{}
	for fn := range guardedFunctions {
		impls[fn] = bindings(e, fn)
	}
	return cel.CustomDecoratorV2(func(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
		if call, ok := i.(interpreter.InterpretableCall); ok && guardedFunctions[call.Function()] {
			return &guardedCall{InterpretableCall: call, impls: impls[call.Function()]}, nil
		}
		if ranges[i.ID()] {
			return boundedRange{i}, nil
		}
		return i, nil
	})
}

// boundedRange wraps the range of a comprehension.
type boundedRange struct {
	interpreter.InterpretableV2
}

func (b boundedRange) Exec(f *interpreter.ExecutionFrame) ref.Val {
	return bound(b.InterpretableV2.Exec(f))
}

func (b boundedRange) Eval(a interpreter.Activation) ref.Val {
	return bound(b.InterpretableV2.Eval(a))
}

func bound(v ref.Val) ref.Val {
	if s, ok := v.(traits.Sizer); ok {
		if n, ok := s.Size().(types.Int); ok && n > MaxIterations {
			return types.NewErr("mapping: a comprehension over %d elements exceeds the limit of %d iterations", n, MaxIterations)
		}
	}
	return v
}

// guardedCall evaluates a call of replace, join or format: its arguments
// first, then the size of the result it would build, then the call.
type guardedCall struct {
	interpreter.InterpretableCall
	impls map[string]*functions.Overload
}

func (g *guardedCall) Exec(f *interpreter.ExecutionFrame) ref.Val {
	return g.run(func(i interpreter.InterpretableV2) ref.Val { return i.Exec(f) })
}

func (g *guardedCall) Eval(a interpreter.Activation) ref.Val {
	return g.run(func(i interpreter.InterpretableV2) ref.Val { return i.Eval(a) })
}

func (g *guardedCall) run(eval func(interpreter.InterpretableV2) ref.Val) ref.Val {
	argExprs := g.Args()
	args := make([]ref.Val, len(argExprs))
	for i, x := range argExprs {
		v := eval(x)
		if types.IsUnknownOrError(v) {
			return v
		}
		args[i] = v
	}
	if resultSize(g.Function(), args) > maxOutputBytes {
		return types.NewErr("mapping: %s would build a string over %d bytes", g.Function(), maxOutputBytes)
	}
	impl := g.impls[g.OverloadID()]
	if impl == nil {
		impl = g.impls[overloadByArity(g.Function(), len(args))]
	}
	switch {
	case impl == nil:
		return types.NewErr("no such overload: %s", g.Function())
	case impl.Function != nil:
		return impl.Function(args...)
	case len(args) == 2 && impl.Binary != nil:
		return impl.Binary(args[0], args[1])
	case len(args) == 1 && impl.Unary != nil:
		return impl.Unary(args[0])
	}
	return types.NewErr("no such overload: %s", g.Function())
}

func overloadByArity(fn string, n int) string {
	switch {
	case fn == "replace" && n == 3:
		return "string_replace_string_string"
	case fn == "replace" && n == 4:
		return "string_replace_string_string_int"
	case fn == "join" && n == 1:
		return "list_join"
	case fn == "join" && n == 2:
		return "list_join_string"
	case fn == "format":
		return "string_format"
	}
	return ""
}

// resultSize bounds the size in bytes of what fn would return for args.
func resultSize(fn string, args []ref.Val) int {
	switch fn {
	case "replace":
		s, _ := args[0].(types.String)
		old, _ := args[1].(types.String)
		repl, _ := args[2].(types.String)
		if len(repl) <= len(old) {
			return len(s)
		}
		var n int
		if old == "" {
			n = utf8.RuneCountInString(string(s)) + 1
		} else {
			n = strings.Count(string(s), string(old))
		}
		if len(args) == 4 {
			if limit, ok := args[3].(types.Int); ok && limit >= 0 && int(limit) < n {
				n = int(limit)
			}
		}
		return len(s) + n*(len(repl)-len(old))
	case "join":
		sep := 0
		if len(args) == 2 {
			s, _ := args[1].(types.String)
			sep = len(s)
		}
		return deepSize(args[0], sep, maxOutputBytes+1)
	case "format":
		s, _ := args[0].(types.String)
		return len(s) + deepSize(args[1], 2, maxOutputBytes+1)
	}
	return 0
}

// deepSize estimates the bytes v takes when written out: strings and
// bytes by length, other scalars by a generous constant, plus overhead
// per element of a list or map. It stops counting beyond limit.
func deepSize(v ref.Val, overhead, limit int) int {
	switch v := v.(type) {
	case types.String:
		return len(v)
	case types.Bytes:
		return len(v)
	case traits.Lister:
		n := 2
		size, _ := v.Size().(types.Int)
		for i := types.Int(0); i < size && n <= limit; i++ {
			n += overhead + deepSize(v.Get(i), overhead, limit-n)
		}
		return n
	case traits.Mapper:
		n := 2
		for it := v.Iterator(); it.HasNext() == types.True && n <= limit; {
			k := it.Next()
			n += 2*overhead + deepSize(k, overhead, limit-n) + deepSize(v.Get(k), overhead, limit-n)
		}
		return n
	}
	return 32
}
