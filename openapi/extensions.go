package openapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/decoded"
	"github.com/apigw/apigw/usageplan"
	"github.com/apigw/apigw/validator"
)

// API Gateway's extensions.
const (
	extPrefix           = "x-amazon-apigateway-"
	extIntegration      = "x-amazon-apigateway-integration"
	extIntegrations     = "x-amazon-apigateway-integrations"
	extAnyMethod        = "x-amazon-apigateway-any-method"
	extAuthorizer       = "x-amazon-apigateway-authorizer"
	extAuthType         = "x-amazon-apigateway-authtype"
	extAuth             = "x-amazon-apigateway-auth"
	extValidators       = "x-amazon-apigateway-request-validators"
	extValidator        = "x-amazon-apigateway-request-validator"
	extKeySource        = "x-amazon-apigateway-api-key-source"
	extGatewayResponses = "x-amazon-apigateway-gateway-responses"
	extCORS             = "x-amazon-apigateway-cors"
	extPolicy           = "x-amazon-apigateway-policy"
	extBinaryMediaTypes = "x-amazon-apigateway-binary-media-types"
	extCompression      = "x-amazon-apigateway-minimum-compression-size"
	extEndpointConfig   = "x-amazon-apigateway-endpoint-configuration"
	extDocumentation    = "x-amazon-apigateway-documentation"
	extImportExport     = "x-amazon-apigateway-importexport-version"
	extDisableEndpoint  = "x-amazon-apigateway-disable-execute-api-endpoint"
	extTagValue         = "x-amazon-apigateway-tag-value"
	extSecurityPolicy   = "x-amazon-apigateway-security-policy"
	extEndpointAccess   = "x-amazon-apigateway-endpoint-access-mode"

	// apigw's own, for what has no AWS form (see Export).
	extAPIGWCORS  = "x-apigw-cors"
	extAPIGWCache = "x-apigw-cache"
	extAPIGWCEL   = "x-apigw-cel"
)

// noOps are the top-level extensions that cannot matter to an API served
// in-process (see the package documentation).
var noOps = map[string]string{
	extCompression:     "responses are never compressed",
	extEndpointConfig:  "endpoint types and VPC endpoints are AWS's network",
	extDocumentation:   "documentation parts",
	extImportExport:    "the export format's version",
	extDisableEndpoint: "the default execute-api endpoint",
	extTagValue:        "tags",
	extSecurityPolicy:  "the TLS versions and ciphers of AWS's endpoint",
	extEndpointAccess:  "who may reach AWS's endpoint (with the security policy)",
}

// topLevel reads the document's own extensions.
func (l *loader) topLevel() {
	t := l.d.t
	for _, k := range sortedKeys(t.Extensions) {
		v := t.Extensions[k]
		ptr := pointer("").at(k)
		if k == extAPIGWCORS {
			if l.http {
				l.probs.add(ptr, "an HTTP API's CORS policy is %s", extCORS)
				continue
			}
			l.loadCORS(ptr, v, cors.Config{}) // absent lists keep the cors package's defaults
			continue
		}
		if !strings.HasPrefix(k, extPrefix) {
			continue
		}
		switch k {
		case extValidators:
			l.loadValidators(ptr, v)
		case extValidator:
			s, ok := v.(string)
			if !ok {
				l.probs.add(ptr, "must be a string, the name of a request validator")
				continue
			}
			l.defaultVal = s
		case extKeySource:
			switch strings.ToUpper(fmt.Sprint(v)) {
			case "HEADER":
				l.keySource = usageplan.FromHeader
			case "AUTHORIZER":
				l.keySource = usageplan.FromAuthorizer
			default:
				l.probs.add(ptr, "%v: must be HEADER or AUTHORIZER", v)
			}
		case extGatewayResponses:
			if l.http {
				l.probs.add(ptr, "HTTP APIs have no gateway responses")
				continue
			}
			l.loadGatewayResponses(ptr, v)
		case extCORS:
			if !l.http {
				// A REST API's CORS is its OPTIONS methods' and its
				// integrations' headers.
				l.probs.add(ptr, "only HTTP APIs read %s: API Gateway's REST import ignores it (give the methods OPTIONS, or SAM's Cors)", extCORS)
				continue
			}
			// HTTP APIs allow nothing that is not listed.
			l.loadCORS(ptr, v, cors.Config{AllowOrigins: []string{}, AllowMethods: []string{}, AllowHeaders: []string{}})
		case extPolicy:
			if l.http {
				l.probs.add(ptr, "HTTP APIs have no resource policies")
				continue
			}
			doc, err := json.Marshal(v)
			if s, ok := v.(string); ok {
				doc = []byte(s)
			}
			if err != nil {
				l.probs.add(ptr, "%v", err)
				continue
			}
			l.def = append(l.def, gateway.WithResourcePolicy(string(doc)))
		case extBinaryMediaTypes:
			list, ok := v.([]any)
			if !ok {
				l.probs.add(ptr, "must be a list of media types")
				continue
			}
			for i, mt := range list {
				if s, ok := mt.(string); !ok || !strings.Contains(s, "/") {
					l.probs.add(ptr.at(strconv.Itoa(i)), "%v is not a media type", mt)
				}
			}
			if l.http {
				l.probs.add(ptr, "HTTP APIs have no binary media types: a body that is not text is base64 by itself")
				continue
			}
			types, _ := decoded.StringList(v)
			l.def = append(l.def, gateway.WithBinaryMediaTypes(types...))
		default:
			if _, ok := noOps[k]; ok {
				continue
			}
			l.probs.add(ptr, "apigw does not know this API Gateway extension")
		}
	}
}

func (l *loader) loadValidators(ptr pointer, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object of request validators by name")
		return
	}
	l.validators = map[string]validator.Mode{}
	for _, name := range sortedKeys(m) {
		vp := ptr.at(name)
		spec, ok := m[name].(map[string]any)
		if !ok {
			l.probs.add(vp, "must be an object with validateRequestBody and validateRequestParameters")
			continue
		}
		var body, params bool
		for _, k := range sortedKeys(spec) {
			b, ok := spec[k].(bool)
			switch {
			case k != "validateRequestBody" && k != "validateRequestParameters":
				l.probs.add(vp.at(k), "unknown property of a request validator")
			case !ok:
				l.probs.add(vp.at(k), "must be true or false")
			case k == "validateRequestBody":
				body = b
			default:
				params = b
			}
		}
		switch {
		case body && params:
			l.validators[name] = validator.All
		case body:
			l.validators[name] = validator.Body
		case params:
			l.validators[name] = validator.Parameters
		default:
			l.validators[name] = validator.Off
		}
	}
}

// validatorMode is the mode of the validator named (at ptr); AWS validates
// nothing for a method without a validator.
func (l *loader) validatorMode(ptr pointer, name string) validator.Mode {
	if name == "" {
		return validator.Off
	}
	mode, ok := l.validators[name]
	if !ok {
		l.probs.add(ptr, "request validator %q is not defined in %s", name, extValidators)
		return validator.Off
	}
	return mode
}

func (l *loader) loadGatewayResponses(ptr pointer, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object of gateway responses by type")
		return
	}
	out := map[apigw.ResponseType]apigw.GatewayResponse{}
	for _, typ := range sortedKeys(m) {
		rp := ptr.at(typ)
		rt := apigw.ResponseType(typ)
		if !rt.Valid() {
			l.probs.add(rp, "not a gateway response type")
			continue
		}
		spec, ok := m[typ].(map[string]any)
		if !ok {
			l.probs.add(rp, "must be an object with statusCode, responseParameters and responseTemplates")
			continue
		}
		var gr apigw.GatewayResponse
		for _, k := range sortedKeys(spec) {
			kp := rp.at(k)
			switch k {
			case "statusCode":
				n, ok := statusCode(spec[k])
				if !ok {
					l.probs.add(kp, "%v is not an HTTP status", spec[k])
				}
				gr.StatusCode = n
			case "responseParameters":
				params, ok := decoded.StringMap(spec[k])
				if !ok {
					l.probs.add(kp, "must be an object of strings")
					continue
				}
				for _, name := range sortedKeys(params) {
					h, ok := strings.CutPrefix(name, "gatewayresponse.header.")
					if !ok || h == "" {
						l.probs.add(kp.at(name), "a gateway response maps only gatewayresponse.header.<name>")
						continue
					}
					if gr.Headers == nil {
						gr.Headers = map[string]string{}
					}
					gr.Headers[h] = params[name]
				}
			case "responseTemplates":
				tmpls, ok := decoded.StringMap(spec[k])
				if !ok {
					l.probs.add(kp, "must be an object of templates by content type")
					continue
				}
				gr.Templates = tmpls
			case "defaultResponse":
				// Set by AWS's exports on the types not customised.
			default:
				l.probs.add(kp, "unknown property of a gateway response")
			}
		}
		out[rt] = gr
	}
	if _, err := apigw.NewGatewayResponses(out); err != nil {
		l.probs.add(ptr, "%v", err)
		return
	}
	if len(out) > 0 {
		l.def = append(l.def, gateway.WithGatewayResponses(out))
	}
}

// loadCORS reads an HTTP API's x-amazon-apigateway-cors (or apigw's
// x-apigw-cors) over opts into the gateway's CORS policy.
func (l *loader) loadCORS(ptr pointer, v any, opts cors.Config) {
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object")
		return
	}
	for _, k := range sortedKeys(m) {
		kp := ptr.at(k)
		switch k {
		case "allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders":
			list, ok := decoded.StringList(m[k])
			if !ok {
				l.probs.add(kp, "must be a list of strings")
				continue
			}
			switch k {
			case "allowOrigins":
				opts.AllowOrigins = list
			case "allowMethods":
				opts.AllowMethods = list
			case "allowHeaders":
				opts.AllowHeaders = list
			default:
				opts.ExposeHeaders = list
			}
		case "allowCredentials":
			b, ok := m[k].(bool)
			if !ok {
				l.probs.add(kp, "must be true or false")
			}
			opts.AllowCredentials = b
		case "maxAge":
			n, ok := number(m[k])
			if !ok || n < 0 {
				l.probs.add(kp, "must be a number of seconds")
			}
			opts.MaxAge = time.Duration(n) * time.Second
		default:
			l.probs.add(kp, "unknown property of %s", extCORS)
		}
	}
	if _, err := cors.New(opts); err != nil {
		l.probs.add(ptr, "%v", err)
		return
	}
	l.def = append(l.def, gateway.WithCORS(opts))
}

// Decoding helpers for the values of extensions, as encoding/json decodes
// them into any.

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// number reads a JSON number or a string holding one (AWS's exports write
// some numbers as strings).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil
	}
	return 0, false
}

func statusCode(v any) (int, bool) {
	n, ok := number(v)
	if !ok || n != float64(int(n)) || n < 100 || n > 599 {
		return 0, false
	}
	return int(n), true
}
