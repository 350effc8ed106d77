package lambdaevent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// Invoker calls a function with a JSON payload and returns its JSON
// answer, as the Lambda runtime does.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// funcInvoker calls a Go function of any signature lambda.Start accepts.
type funcInvoker struct {
	fn       reflect.Value
	takesCtx bool
	in       reflect.Type // nil: the function takes no event
	nOut     int
}

// NewInvoker checks fn against lambda.Start's rules, at build time.
// A value with an Invoke(ctx, []byte) ([]byte, error) method, as
// lambda.Handler has, is used as it is.
func NewInvoker(fn any) (Invoker, error) {
	if fn == nil {
		return nil, errors.New("nil function")
	}
	if h, ok := fn.(Invoker); ok {
		return h, nil
	}
	t := reflect.TypeOf(fn)
	if t.Kind() != reflect.Func {
		return nil, fmt.Errorf("%T is not a function", fn)
	}
	if reflect.ValueOf(fn).IsNil() {
		return nil, errors.New("nil function")
	}
	ctxType := reflect.TypeFor[context.Context]()
	errType := reflect.TypeFor[error]()
	f := &funcInvoker{fn: reflect.ValueOf(fn), nOut: t.NumOut()}
	switch t.NumIn() {
	case 0:
	case 1:
		if t.In(0) == ctxType {
			f.takesCtx = true
		} else {
			f.in = t.In(0)
		}
	case 2:
		if t.In(0) != ctxType {
			return nil, fmt.Errorf("%T: a function of two arguments must take a context.Context first", fn)
		}
		f.takesCtx, f.in = true, t.In(1)
	default:
		return nil, fmt.Errorf("%T: takes more than two arguments", fn)
	}
	switch t.NumOut() {
	case 0:
	case 1:
		if !t.Out(0).Implements(errType) {
			return nil, fmt.Errorf("%T: a single result must be an error", fn)
		}
	case 2:
		if !t.Out(1).Implements(errType) {
			return nil, fmt.Errorf("%T: the second result must be an error", fn)
		}
	default:
		return nil, fmt.Errorf("%T: returns more than two values", fn)
	}
	return f, nil
}

// Invoke decodes the event into the function's argument, calls it and
// encodes its result.
func (f *funcInvoker) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	args := make([]reflect.Value, 0, 2)
	if f.takesCtx {
		args = append(args, reflect.ValueOf(ctx))
	}
	if f.in != nil {
		v := reflect.New(f.in)
		if err := json.Unmarshal(payload, v.Interface()); err != nil {
			return nil, fmt.Errorf("decoding the event: %w", err)
		}
		args = append(args, v.Elem())
	}
	outs := f.fn.Call(args)
	if f.nOut > 0 {
		if err, _ := outs[f.nOut-1].Interface().(error); err != nil {
			return nil, err
		}
	}
	if f.nOut < 2 {
		return []byte("null"), nil
	}
	return json.Marshal(outs[0].Interface())
}
