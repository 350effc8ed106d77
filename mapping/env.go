package mapping

import (
	"github.com/apigw/apigw/internal/paramexpr"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/functions"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/ext"
)

// Names of the variables a template sees. The dotted names are CEL
// variables of their own (the checker resolves the longest declared
// prefix), so that the activation is asked for exactly what a template
// uses and nothing is built for the rest.
const (
	varBody        = "input.body"
	varJSON        = "input.json"
	varParams      = "input.params"
	varPath        = "input.params.path"
	varQuery       = "input.params.querystring"
	varHeader      = "input.params.header"
	varStageVars   = "stageVariables"
	varAuthorizer  = "context.authorizer"
	varClaims      = "context.authorizer.claims"
	contextPrefix  = "context."
	paramFunction  = "@mapping_param"
	maxTemplateLen = 1 << 20
)

// typedContextVars are the $context variables whose CEL type is not
// string; every other name of the $context variables is a string.
var typedContextVars = map[string]*cel.Type{
	"integrationLatency":  cel.IntType,
	"integrationStatus":   cel.IntType,
	"integration.latency": cel.IntType,
	"integration.status":  cel.IntType,
	"isCanaryRequest":     cel.BoolType,
	"requestTimeEpoch":    cel.IntType,
	"responseLatency":     cel.IntType,
	"responseLength":      cel.IntType,
	"status":              cel.IntType,
}

// env is the one CEL environment every template is compiled in. A cel.Env
// is immutable and safe for concurrent use once built; building it takes a
// few milliseconds, so it is built on first use and shared.
var env = sync.OnceValues(newEnv)

func newEnv() (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.CustomTypeAdapter(adapter{}),
		cel.OptionalTypes(),
		ext.Strings(ext.StringsMaxPrecision(100)),
		ext.Math(),
		ext.Bindings(),
		cel.ParserExpressionSizeLimit(maxTemplateLen),
		cel.Variable(varBody, cel.StringType),
		cel.Variable(varJSON, cel.DynType),
		cel.Variable(varParams, cel.MapType(cel.StringType, cel.MapType(cel.StringType, cel.StringType))),
		cel.Variable(varPath, cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable(varQuery, cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable(varHeader, cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable(varStageVars, cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable(varAuthorizer, cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable(varClaims, cel.MapType(cel.StringType, cel.DynType)),
		cel.Macros(cel.ReceiverMacro("param", 1, expandParam)),
		// The maps are dyn so that the runtime type guard does not iterate
		// over them on every call.
		cel.Function(paramFunction,
			cel.Overload("mapping_param", []*cel.Type{cel.DynType, cel.DynType, cel.DynType, cel.StringType},
				cel.StringType, cel.FunctionBinding(param))),
	}
	for _, name := range paramexpr.ContextVars() {
		t := typedContextVars[name]
		if t == nil {
			t = cel.StringType
		}
		opts = append(opts, cel.Variable(contextPrefix+name, t))
	}
	opts = append(opts, utilFunctions()...)
	return cel.NewEnv(opts...)
}

// expandParam rewrites input.param("x") — $input.params('x') in VTL — into
// a call over the three parameter maps, so that the lookup needs no access
// to the activation.
func expandParam(eh cel.MacroExprFactory, target ast.Expr, args []ast.Expr) (ast.Expr, *common.Error) {
	if target == nil || target.Kind() != ast.IdentKind || target.AsIdent() != "input" {
		return nil, nil
	}
	params := func(kind string) ast.Expr {
		return eh.NewSelect(eh.NewSelect(eh.NewIdent("input"), "params"), kind)
	}
	return eh.NewCall(paramFunction, params("path"), params("querystring"), params("header"), args[0]), nil
}

// param looks name up in the path, then the query string, then the
// headers; "" when none has it.
func param(args ...ref.Val) ref.Val {
	name := args[3]
	for _, m := range args[:3] {
		if mp, ok := m.(interface {
			Find(ref.Val) (ref.Val, bool)
		}); ok {
			if v, found := mp.Find(name); found {
				return v
			}
		}
	}
	return types.String("")
}

// guardedFunctions are the ext.Strings functions whose result can be far
// larger than their arguments (replace, join, format); their calls are
// planned through a guard that refuses an oversize result before it is
// allocated. See guard.go.
var guardedFunctions = map[string]bool{"replace": true, "join": true, "format": true}

// bindings returns the implementations of fn's overloads by overload id.
func bindings(e *cel.Env, fn string) map[string]*functions.Overload {
	decl, ok := e.Functions()[fn]
	if !ok {
		return nil
	}
	bs, err := decl.Bindings()
	if err != nil {
		return nil
	}
	m := make(map[string]*functions.Overload, len(bs))
	for _, b := range bs {
		m[b.Operator] = b
	}
	return m
}
