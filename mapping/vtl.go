package mapping

import (
	"errors"
	"fmt"

	"github.com/apigw/apigw/internal/vtl"
)

// CompileVTL compiles a mapping template written in VTL, API Gateway's
// template language, as AWS users write them:
//
//	mapping.CompileVTL(`#set($inputRoot = $input.path('$'))
//	{"genre": $input.json('$.genres')}`)
//
// The template sees $input (body, path, json, params), $context (with
// requestOverride and responseOverride, whose settings apply to the
// integration request and to the answer), $stageVariables and $util, and
// behaves as API Gateway's does (see the package documentation). It is
// parsed once, here; the error names the line, column and construct of
// the first problem, including constructs apigw does not support.
func CompileVTL(src string, opts ...Option) (*Template, error) {
	o := newOptions(src, opts)
	if len(src) > maxTemplateLen {
		return nil, fmt.Errorf("mapping: template %s: longer than %d bytes", o.name, maxTemplateLen)
	}
	t, err := vtl.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("mapping: template %s: %w", o.name, err)
	}
	return &Template{name: o.name, src: src, vtl: t, costLimit: o.costLimit}, nil
}

// MustCompileVTL is [CompileVTL] for package-level templates: it panics
// on error.
func MustCompileVTL(src string, opts ...Option) *Template {
	t, err := CompileVTL(src, opts...)
	if err != nil {
		panic(err)
	}
	return t
}

// renderVTL evaluates a VTL template under API Gateway's limits: #foreach
// runs at most MaxIterations times, an evaluation at most its cost limit
// in steps, and writes at most 10 MB.
func (t *Template) renderVTL(dst []byte, a *activation) ([]byte, error) {
	n := len(dst)
	out, err := t.vtl.Execute(dst, a, vtl.Options{
		NullAsEmpty: true,
		MaxLoops:    MaxIterations,
		MaxSteps:    int(min(t.costLimit, 1<<40)),
		MaxOutput:   maxOutputBytes,
		Buffers:     &a.vtlBuffers,
	})
	if err == nil && (a.bodyErr != nil || a.jsonErr != nil && a.fromRequest) {
		err = errors.New("the body could not be read")
	}
	if err != nil {
		if errors.Is(err, vtl.ErrLimit) {
			err = fmt.Errorf("%w: %w", ErrCostLimit, err)
		}
		return dst[:n], t.fail(a, err)
	}
	return out, nil
}

// VTL is the source of a VTL template ([CompileVTL]) compiled when the
// gateway builds the route, so that a mistake fails gateway.New:
//
//	Response: mapping.VTL(`{"genre": $input.json('$.genres')}`),
type VTL string

var (
	_ RequestSpec  = VTL("")
	_ ResponseSpec = VTL("")
)

// RequestMapping compiles v as the application/json request template.
func (v VTL) RequestMapping() (*RequestMapping, error) {
	t, err := CompileVTL(string(v))
	if err != nil {
		return nil, err
	}
	return t.RequestMapping()
}

// ResponseMapping compiles v as the template of a single default
// integration response (status 200, application/json).
func (v VTL) ResponseMapping() (*ResponseMapping, error) {
	t, err := CompileVTL(string(v))
	if err != nil {
		return nil, err
	}
	return t.ResponseMapping()
}
