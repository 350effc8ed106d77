package gateway

import (
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/cors"
)

// Definition is an API's definition as a deployment holds it: what New,
// Deploy or CreateDeployment were given. It is for tools that describe an
// API (package openapi exports it); it is a copy, and changing it changes
// no deployment.
type Definition struct {
	// HTTPAPI is true for an HTTP API (WithHTTPAPI).
	HTTPAPI bool
	// Description is WithDescription's.
	Description string
	// Routes are the routes in the order given: each Route's pattern
	// ("GET /pets/{id}", "$default") and Method.
	Routes []RouteDefinition
	// Models are WithModel's schemas by name.
	Models map[string]string
	// GatewayResponses are WithGatewayResponses'.
	GatewayResponses map[apigw.ResponseType]apigw.GatewayResponse
	// CORS is WithCORS's policy; nil: none.
	CORS *cors.Config
	// Authorizers are WithAuthorizer's, by name.
	Authorizers map[string]authorizer.Authorizer
	// ResourcePolicy is WithResourcePolicy's document; "": none.
	ResourcePolicy string
	// Timeout is WithTimeout's; 0: the default.
	Timeout time.Duration
	// BinaryMediaTypes are WithBinaryMediaTypes'.
	BinaryMediaTypes []string
}

// RouteDefinition is one route of a Definition.
type RouteDefinition struct {
	Pattern string
	Method  Method
}

// Definition returns the definition of the gateway's latest deployment
// (the one Deploy made last), which the stages without a DeploymentID
// serve. It is safe to call while the gateway serves.
func (g *Gateway) Definition() Definition {
	st := g.state.Load()
	def := st.latest.def
	d := Definition{
		HTTPAPI:          st.httpAPI,
		Description:      def.desc,
		Models:           maps.Clone(def.models),
		GatewayResponses: maps.Clone(def.responses),
		Authorizers:      maps.Clone(def.authz),
		ResourcePolicy:   def.policy,
		Timeout:          def.timeout,
		BinaryMediaTypes: slices.Clone(def.binary),
	}
	if def.cors != nil {
		c := *def.cors
		d.CORS = &c
	}
	d.Routes = make([]RouteDefinition, len(def.routes))
	for i, r := range def.routes {
		d.Routes[i] = RouteDefinition{Pattern: r.pattern, Method: r.method}
	}
	return d
}

// IntegrationKind names the kind of an Integration.
type IntegrationKind string

// The integrations of this package.
const (
	KindHandler IntegrationKind = "Handler"
	KindHTTP    IntegrationKind = "HTTP"
	KindLambda  IntegrationKind = "Lambda"
	KindMock    IntegrationKind = "Mock"
)

// IntegrationInfo describes an Integration, as given to its constructor.
type IntegrationInfo struct {
	// Kind is the integration's kind; "" for an integration of another
	// package.
	Kind IntegrationKind
	// Handler and Path are a Handler integration's handler and Path
	// option ("" without one).
	Handler http.Handler
	Path    string
	// URL is an HTTP integration's URL template, and VPCLink the VPC link
	// it goes through (ViaVPCLink), if any.
	URL     string
	VPCLink string
	// Function is a Lambda integration's function (or Aliases), and
	// PayloadVersion its payload format: "1.0" (Lambda) or "2.0"
	// (LambdaV2).
	Function       any
	PayloadVersion string
	// Status and Body are a Mock integration's.
	Status int
	Body   string
}

// DescribeIntegration describes i, for tools that write an API down.
func DescribeIntegration(i Integration) IntegrationInfo {
	switch x := i.(type) {
	case *handlerIntegration:
		return IntegrationInfo{Kind: KindHandler, Handler: x.h, Path: x.path}
	case *httpIntegration:
		return IntegrationInfo{Kind: KindHTTP, URL: x.url, VPCLink: x.connectionID}
	case *lambdaIntegration:
		v := "1.0"
		if x.version == payloadV2 {
			v = "2.0"
		}
		return IntegrationInfo{Kind: KindLambda, Function: x.fn, PayloadVersion: v}
	case *mockIntegration:
		return IntegrationInfo{Kind: KindMock, Status: x.status, Body: x.body}
	}
	return IntegrationInfo{}
}
