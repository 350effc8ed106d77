package validator

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/internal/accept"
	"github.com/apigw/apigw/internal/jsontape"
	"github.com/apigw/apigw/internal/paramexpr"
)

// Mode says what a validator checks, as AWS's request validators do.
type Mode uint8

const (
	// All validates the body and the parameters (the zero value).
	All Mode = iota
	// Body validates the body only.
	Body
	// Parameters validates the required parameters only.
	Parameters
	// Off validates nothing.
	Off
)

// String names the mode as the constants do.
func (m Mode) String() string {
	switch m {
	case All:
		return "All"
	case Body:
		return "Body"
	case Parameters:
		return "Parameters"
	case Off:
		return "Off"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Config declares what a method accepts.
type Config struct {
	// Mode selects what is validated; the zero value validates all that is
	// declared.
	Mode Mode
	// Parameters are the method's request parameters keyed as AWS keys
	// them, "method.request.querystring.q", "method.request.header.x-id",
	// "method.request.path.id"; true marks a required one.
	Parameters map[string]bool
	// Models maps a request content type to its model; "$default" applies
	// to content types without one of their own. A request whose content
	// type has no model has its body unchecked.
	Models map[string]*Model
}

// Validator checks requests against a Config. It is safe for simultaneous
// use by multiple goroutines.
type Validator struct {
	params []requiredParam // sorted by name
	models map[string]*Model
	mode   Mode
}

type requiredParam struct {
	expr paramexpr.Expr
	name string // as declared, for messages
}

// New checks cfg and returns its Validator.
func New(cfg Config) (*Validator, error) {
	if cfg.Mode > Off {
		return nil, fmt.Errorf("validator: Mode %d: unknown", cfg.Mode)
	}
	v := &Validator{mode: cfg.Mode, models: map[string]*Model{}}
	var errs []error
	for key, required := range cfg.Parameters {
		e, err := paramexpr.Parse(key, paramexpr.RequestParameters)
		if err != nil {
			errs = append(errs, fmt.Errorf("validator: Parameters: %w", err))
			continue
		}
		if required {
			name := strings.TrimPrefix(e.Text, strings.TrimSuffix(e.Kind.String(), "<name>"))
			v.params = append(v.params, requiredParam{e, name})
		}
	}
	slices.SortFunc(v.params, func(a, b requiredParam) int { return strings.Compare(a.name, b.name) })
	for ct, m := range cfg.Models {
		if m == nil {
			errs = append(errs, fmt.Errorf("validator: Models[%q]: nil model", ct))
			continue
		}
		if ct != "$default" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil {
				errs = append(errs, fmt.Errorf("validator: Models[%q]: bad content type: %w", ct, err))
				continue
			}
			ct = mt
		}
		v.models[ct] = m
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return v, nil
}

// empty reports whether v checks nothing.
func (v *Validator) empty() bool {
	return v.mode == Off || (len(v.params) == 0 || v.mode == Body) && (len(v.models) == 0 || v.mode == Parameters)
}

// Handler returns next behind the validator: a request that fails gets
// AWS's 400 and never reaches next. A validator that checks nothing returns
// next itself.
func (v *Validator) Handler(next http.Handler) http.Handler {
	if v.empty() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, c := apigw.EnsureContext(r)
		if err := v.Validate(r, c); err != nil {
			apigw.WriteError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Validate checks r and returns nil or an *apigw.Error: BAD_REQUEST_PARAMETERS,
// BAD_REQUEST_BODY, or REQUEST_TOO_LARGE for a body over 10 MB.
func (v *Validator) Validate(r *http.Request, c *apigw.Context) error {
	if v.mode == All || v.mode == Parameters {
		if err := v.checkParameters(r, c); err != nil {
			return err
		}
	}
	if v.mode == All || v.mode == Body {
		return v.checkBody(r, c)
	}
	return nil
}

func (v *Validator) checkParameters(r *http.Request, c *apigw.Context) error {
	var missing []string
	req := paramexpr.Request{Header: r.Header, RawQuery: r.URL.RawQuery, PathParameters: c.PathParameters}
	for i := range v.params {
		p := &v.params[i]
		vs := p.expr.Values(&req)
		// A path parameter is never empty; a header or query parameter sent
		// empty is sent.
		if len(vs) == 0 || p.expr.Kind == paramexpr.RequestPath && vs[0] == "" {
			missing = append(missing, p.name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	msg := "Missing required request parameters: [" + strings.Join(missing, ", ") + "]"
	return &apigw.Error{Type: apigw.BadRequestParameters, Message: msg, ValidationErrorString: msg}
}

func (v *Validator) checkBody(r *http.Request, c *apigw.Context) error {
	m := v.modelFor(r.Header.Get("Content-Type"))
	if m == nil {
		return nil
	}
	data, err := c.Body(r)
	if errors.Is(err, apigw.ErrBodyTooLarge) {
		return &apigw.Error{Type: apigw.RequestTooLarge, Err: err}
	}
	if err != nil {
		return &apigw.Error{Type: apigw.BadRequestBody, ValidationErrorString: "[" + err.Error() + "]", Err: err}
	}
	doc, err := jsontape.Of(r, data) // the request's one parse, shared with the mapping templates
	if err != nil {
		err = fmt.Errorf("validator: request body is not JSON: %w", err)
		return &apigw.Error{Type: apigw.BadRequestBody, ValidationErrorString: "[" + strings.TrimPrefix(err.Error(), "validator: ") + "]", Err: err}
	}
	if err := m.validateDoc(doc); err != nil {
		return &apigw.Error{Type: apigw.BadRequestBody, ValidationErrorString: err.Error(), Err: fmt.Errorf("model %q: %w", m.name, err)}
	}
	return nil
}

// modelFor picks the model for a content type; none sent counts as
// application/json, as AWS does.
func (v *Validator) modelFor(contentType string) *Model {
	if len(v.models) == 0 {
		return nil
	}
	mt := "application/json"
	if contentType != "" {
		mt = accept.MediaType(contentType)
	}
	if m := v.models[mt]; m != nil {
		return m
	}
	return v.models["$default"]
}
