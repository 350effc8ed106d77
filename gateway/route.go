package gateway

import (
	"fmt"
	"github.com/apigw/apigw/cors"
	"net/http"
	"strings"
)

// route is one compiled method of one resource.
type route struct {
	method       string // HTTP method or ANY
	resourcePath string // /artists/{id}
	resourceID   string
	handler      http.Handler
	cors         *cors.CORS // nil: no CORS policy
}

// routeSpec is a route as the user gave it.
type routeSpec struct {
	pattern string
	method  Method
}

// parsePattern splits "GET /artists/{id}" into its method and resource path.
func parsePattern(pattern string) (method, path string, err error) {
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
