package gateway

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/apigw/apigw/cors"
	"github.com/apigw/apigw/stage"
)

// route is one compiled method of one resource.
type route struct {
	method       string // HTTP method or ANY
	resourcePath string // /artists/{id}; "$default" for an HTTP API's $default route
	resourceID   string
	key          string // the route key: "GET /artists/{id}", "$default"
	handler      http.Handler
	cors         *cors.CORS // nil: no CORS policy
	phases       []Phase    // the phases it runs, in order
}

// routeSpec is a route as the user gave it.
type routeSpec struct {
	pattern string
	method  Method
}

// parsePattern splits "GET /artists/{id}" into its method and resource path;
// an HTTP API's "$default" route is ANY on the path "$default".
func parsePattern(pattern string, httpAPI bool) (method, path string, err error) {
	if strings.TrimSpace(pattern) == stage.Default {
		if !httpAPI {
			return "", "", fmt.Errorf("pattern %q: only HTTP APIs have a $default route (gateway.WithHTTPAPI)", pattern)
		}
		return methodANY, stage.Default, nil
	}
	method, path, ok := strings.Cut(strings.TrimSpace(pattern), " ")
	path = strings.TrimSpace(path)
	if !ok || path == "" {
		return "", "", fmt.Errorf("pattern %q is not \"METHOD /path\"", pattern)
	}
	if !knownMethods[method] {
		return "", "", fmt.Errorf("pattern %q: method %q is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, ANY", pattern, method)
	}
	return method, path, nil
}
