package openapi

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/usageplan"
	"github.com/apigw/apigw/validator"
)

// API is a loaded definition: the gateway options that serve it.
type API struct {
	// Title is the definition's info.title.
	Title string
	// HTTP is true for an HTTP API definition (API Gateway's version 2):
	// one with x-amazon-apigateway-cors, x-amazon-apigateway-importexport-version,
	// x-amazon-apigateway-integrations, payloadFormatVersion, a jwt
	// authorizer or a $default route. Its Options serve it as one
	// (gateway.WithHTTPAPI).
	HTTP bool
	// Definition describes the API: routes, models, authorizers, gateway
	// responses, CORS and resource policy, for gateway.New,
	// Gateway.Deploy or Gateway.CreateDeployment.
	Definition []gateway.DeploymentOption
	// UsagePlans holds the API keys and usage plans of the methods that
	// require an API key; nil when none does. A definition names no keys:
	// add plans covering the gateway's stages, and keys, before serving.
	UsagePlans *usageplan.Registry
}

// Options returns everything gateway.New needs to serve the API: the
// Definition, gateway.WithHTTPAPI for an HTTP API and, when some method
// requires an API key, the usage plans.
// Add your own options (stages, cache, access log) after them.
func (a *API) Options() []gateway.Option {
	opts := make([]gateway.Option, 0, len(a.Definition)+2)
	if a.HTTP {
		opts = append(opts, gateway.WithHTTPAPI())
	}
	for _, o := range a.Definition {
		opts = append(opts, o)
	}
	if a.UsagePlans != nil {
		opts = append(opts, gateway.WithUsagePlans(a.UsagePlans))
	}
	return opts
}

// Kind says which of API Gateway's APIs a definition describes.
type Kind uint8

const (
	// Detect decides from the definition: an HTTP API when it uses a
	// construct only HTTP APIs have, else a REST API.
	Detect Kind = iota
	// REST is a REST API (API Gateway's version 1).
	REST
	// HTTPAPI is an HTTP API (API Gateway's version 2).
	HTTPAPI
)

// Options tune LoadWith, for loaders that generate an OpenAPI document from
// another format (package sam).
type Options struct {
	// Kind says which API the document describes. Default Detect.
	Kind Kind
	// Origin maps a JSON pointer into the document to the pointer, in the
	// file the user wrote, that the problem is reported at. nil reports
	// pointers into the document.
	Origin func(pointer string) string
	// Check reports the constructs not honoured without needing
	// bindings: every function and credential resolves to a stand-in.
	Check bool
}

// Load reads an OpenAPI 3.0 or Swagger 2.0 definition, JSON or YAML, with
// API Gateway's x-amazon-apigateway-* extensions, and returns the gateway
// options that serve it. Every construct apigw does not honour, and every
// name b does not bind, is a *Error naming its JSON pointer.
func Load(doc []byte, b Bindings) (*API, error) {
	return LoadWith(doc, b, Options{})
}

// New loads doc (see Load) and builds its gateway, with opts after the
// definition's options: stages, a cache, an access log.
func New(doc []byte, b Bindings, opts ...gateway.Option) (*gateway.Gateway, error) {
	api, err := Load(doc, b)
	if err != nil {
		return nil, err
	}
	return gateway.New(append(api.Options(), opts...)...)
}

// Check returns every construct of doc that apigw does not honour, and
// every mistake gateway.New would report, each with its JSON pointer, in
// document order; none means doc serves as written once its functions are
// bound.
func Check(doc []byte) []Problem {
	_, err := LoadWith(doc, Bindings{}, Options{Check: true})
	return Problems(err)
}

// Problems returns the problems of an error Load returned (one Problem at
// the document's root for an error of another kind), nil for nil.
func Problems(err error) []Problem {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Problems
	}
	return []Problem{{Message: err.Error()}}
}

// LoadWith is Load with Options.
func LoadWith(doc []byte, b Bindings, o Options) (*API, error) {
	l := &loader{b: &b, o: o, probs: problems{origin: o.Origin}}
	region := b.Region
	if region == "" {
		region = "us-east-1"
	}
	d, err := parseDocument(awsVariables(doc, region))
	if err != nil {
		l.probs.add("", "%v", err)
		return nil, &Error{Problems: l.probs.sorted()}
	}
	l.d = d
	api := l.load()
	if len(l.probs.list) > 0 {
		return nil, &Error{Problems: l.probs.sorted()}
	}
	if o.Check {
		// What only gateway.New finds (two operations on one route):
		// build the gateway once with the stand-ins.
		g, err := gateway.New(api.Options()...)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				l.probs.add("", "%s", strings.TrimSpace(line))
			}
			return nil, &Error{Problems: l.probs.sorted()}
		}
		_ = g.Close()
	}
	return api, nil
}

// loader is one load of one document.
type loader struct {
	b     *Bindings
	o     Options
	d     *document
	http  bool
	probs problems

	def        []gateway.DeploymentOption
	models     map[string]bool
	inline     int
	schemes    map[string]*scheme
	authorizer map[string]bool // names given to gateway.WithAuthorizer
	validators map[string]validator.Mode
	defaultVal string
	keySource  usageplan.KeySource
	routes     int
	patterns   map[string]pointer // the routes made, by pattern
	apiKeys    bool
	region     string
}

func (l *loader) load() *API {
	t := l.d.t
	api := &API{}
	if t.Info != nil {
		api.Title = t.Info.Title
	}
	switch l.o.Kind {
	case HTTPAPI:
		l.http = true
	case Detect:
		l.http = l.detectHTTP()
	}
	api.HTTP = l.http
	l.region = l.guessRegion()

	l.topLevel()
	l.rootFields()
	l.loadModels()
	l.loadSchemes()
	l.loadPaths()
	if l.routes == 0 && len(l.probs.list) == 0 {
		l.probs.add(pointer("").at("paths"), "no method: API Gateway deploys no API without one")
	}

	api.Definition = l.def
	if l.apiKeys {
		opts := l.b.UsagePlans
		if l.keySource != "" {
			opts.KeySource = l.keySource
		}
		reg, err := usageplan.New(opts)
		if err != nil {
			l.probs.add("", "Bindings.UsagePlans: %v", err)
		}
		api.UsagePlans = reg
	}
	return api
}

// detectHTTP reports whether the document uses a construct only HTTP APIs
// have.
func (l *loader) detectHTTP() bool {
	t := l.d.t
	if l.d.v2 != nil {
		return false // HTTP APIs import OpenAPI 3 only
	}
	for _, k := range []string{"x-amazon-apigateway-cors", "x-amazon-apigateway-importexport-version"} {
		if _, ok := t.Extensions[k]; ok {
			return true
		}
	}
	if t.Paths != nil {
		for path, pi := range t.Paths.Map() {
			if path == "$default" || path == "/$default" {
				return true
			}
			if pi == nil {
				continue
			}
			for _, op := range pi.Operations() {
				if x, ok := op.Extensions[extIntegration].(map[string]any); ok {
					if _, ok := x["payloadFormatVersion"]; ok {
						return true
					}
				}
			}
		}
	}
	if t.Components != nil {
		if _, ok := t.Components.Extensions[extIntegrations]; ok {
			return true
		}
		for _, s := range t.Components.SecuritySchemes {
			if s.Value == nil {
				continue
			}
			if a, ok := s.Value.Extensions[extAuthorizer].(map[string]any); ok && strings.EqualFold(fmt.Sprint(a["type"]), "jwt") {
				return true
			}
		}
	}
	return false
}

// guessRegion is the region of the first Lambda ARN the document names, for
// AWS_IAM signatures when Bindings.Region is empty.
func (l *loader) guessRegion() string {
	if l.b.Region != "" {
		return l.b.Region
	}
	if l.d.t.Paths != nil {
		paths := l.d.t.Paths.Keys()
		sort.Strings(paths)
		for _, p := range paths {
			pi := l.d.t.Paths.Value(p)
			if pi == nil {
				continue
			}
			for _, op := range pi.Operations() {
				if x, ok := op.Extensions[extIntegration].(map[string]any); ok {
					if uri, ok := x["uri"].(string); ok {
						if ref, err := parseLambdaURI(uri); err == nil && ref.region != "" && !strings.Contains(ref.region, "$") {
							return ref.region
						}
					}
				}
			}
		}
	}
	return "us-east-1"
}

// schemaPtr is the pointer of a model as the document writes it.
func (l *loader) schemaPtr(name string) pointer {
	if l.d.v2 != nil {
		return pointer("").at("definitions", name)
	}
	return pointer("").at("components", "schemas", name)
}

// schemePtr is the pointer of a security scheme as the document writes it.
func (l *loader) schemePtr(name string) pointer {
	if l.d.v2 != nil {
		return pointer("").at("securityDefinitions", name)
	}
	return pointer("").at("components", "securitySchemes", name)
}
