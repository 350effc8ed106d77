package gateway

import (
	"errors"
	"fmt"
)

// checkHTTPAPI refuses, in an HTTP API, what HTTP APIs do not have.
func checkHTTPAPI(cfg *config) []error {
	var errs []error
	bad := func(what string) {
		errs = append(errs, fmt.Errorf("gateway: %s: HTTP APIs have none (AWS offers it for REST APIs only)", what))
	}
	if cfg.plans != nil {
		bad("WithUsagePlans: API keys and usage plans")
	}
	if cfg.cache != nil {
		bad("WithCache: a stage cache")
	}
	return errs
}

// checkHTTPAPIDefinition refuses, in an HTTP API's definition, what HTTP
// APIs do not have.
func checkHTTPAPIDefinition(def *config) []error {
	var errs []error
	bad := func(what string) {
		errs = append(errs, fmt.Errorf("gateway: %s: HTTP APIs have none (AWS offers it for REST APIs only)", what))
	}
	if len(def.responses) > 0 {
		bad("WithGatewayResponses: customised gateway responses")
	}
	if def.policy != "" {
		bad("WithResourcePolicy: a resource policy")
	}
	if len(def.models) > 0 {
		bad("WithModel: models for request validation")
	}
	if len(def.binary) > 0 {
		bad("WithBinaryMediaTypes: binary media types (an HTTP API base64-encodes a body that is not text by itself)")
	}
	return errs
}

// checkHTTPAPIMethod refuses, in an HTTP API's method, what HTTP APIs'
// routes do not have.
func checkHTTPAPIMethod(m Method) error {
	var errs []error
	bad := func(field, what string) {
		errs = append(errs, fmt.Errorf("%s: HTTP APIs have no %s", field, what))
	}
	if m.APIKeyRequired {
		bad("APIKeyRequired", "API keys")
	}
	if m.Cache != nil {
		bad("Cache", "stage cache")
	}
	if m.RequestValidator != 0 || len(m.RequestParameters) > 0 || len(m.RequestModels) > 0 {
		bad("RequestValidator, RequestParameters, RequestModels", "request validation")
	}
	if m.Request != nil || m.Response != nil {
		bad("Request, Response", "mapping templates (HTTP APIs map parameters: Method.ParameterMapping)")
	}
	if _, ok := m.Integration.(*mockIntegration); ok {
		bad("Integration", "mock integrations")
	}
	if m.CORS != nil {
		bad("CORS", "per-route CORS (give the API's to gateway.WithCORS)")
	}
	return errors.Join(errs...)
}
