package gateway

import (
	"github.com/apigw/apigw/mapping"
)

// compileMapping compiles a method's mapping phase: its integration request
// and integration responses (package mapping), with the API's binary media
// types; nil for a proxy method.
func compileMapping(m Method, binary []string) (middleware, error) {
	if m.Request == nil && m.Response == nil {
		return nil, nil
	}
	mp, err := mapping.New(mapping.Config{Request: m.Request, Response: m.Response, BinaryMediaTypes: binary})
	if err != nil {
		return nil, err
	}
	return mp.Handler, nil
}
