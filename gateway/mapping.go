package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/mapping"
)

// compileMapping compiles a method's request and response mappings; nil
// for the ones it does not have.
func compileMapping(m Method) (*mapping.RequestMapping, *mapping.ResponseMapping, error) {
	var errs []error
	var req *mapping.RequestMapping
	var resp *mapping.ResponseMapping
	var err error
	if m.Request != nil {
		if req, err = m.Request.RequestMapping(); err != nil {
			errs = append(errs, fmt.Errorf("Request: %w", err))
		}
	}
	if m.Response != nil {
		if resp, err = m.Response.ResponseMapping(); err != nil {
			errs = append(errs, fmt.Errorf("Response: %w", err))
		}
	} else if m.Request != nil {
		// A mapped request without integration responses: the
		// integration's answer passes as it is, as AWS's default
		// integration response with no template does.
		if resp, err = (mapping.ResponseConfig{IntegrationResponses: []mapping.IntegrationResponse{{}}}).ResponseMapping(); err != nil {
			errs = append(errs, fmt.Errorf("Response: %w", err))
		}
	}
	return req, resp, errors.Join(errs...)
}

// mapRequest is the integration request phase: the integration receives
// the request the mapping makes.
func mapRequest(m *mapping.RequestMapping) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := apigw.FromContext(r.Context())
			ir, err := m.Map(r, c)
			if err != nil {
				apigw.WriteError(w, r, err)
				return
			}
			next.ServeHTTP(w, ir.NewHTTPRequest(r))
		})
	}
}

// mapResponse captures a non-proxy integration's answer and writes the
// method response its integration responses make. Answers the gateway
// itself gave (a 502 for an unreachable endpoint: they carry
// x-amzn-ErrorType) pass as they are, and so does nothing at all when the
// integration timed out, for the timeout phase to answer 504.
func mapResponse(integration http.Handler, m *mapping.ResponseMapping) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := captureWriterPool.Get().(*captureWriter)
		defer cw.release()
		integration.ServeHTTP(cw, r)
		if cw.status == 0 && cw.body.Len() == 0 && errors.Is(r.Context().Err(), context.DeadlineExceeded) {
			return
		}
		if cw.status == 0 {
			cw.status = http.StatusOK
		}
		if cw.header.Get("X-Amzn-Errortype") != "" {
			for k, vs := range cw.header {
				w.Header()[k] = vs
			}
			w.WriteHeader(cw.status)
			_, _ = w.Write(cw.body.Bytes())
			return
		}
		res := mapping.Result{Status: cw.status, Header: cw.header, Body: cw.body.Bytes()}
		if cw.header.Get(functionErrorHeader) != "" {
			var fe struct {
				ErrorMessage string `json:"errorMessage"`
			}
			_ = json.Unmarshal(res.Body, &fe)
			res.ErrorMessage = fe.ErrorMessage
			cw.header.Del(functionErrorHeader)
		}
		// Write renders its own failures through apigw.WriteError.
		_ = m.Write(w, r, apigw.FromContext(r.Context()), res)
	})
}

// functionErrorHeader marks a Lambda-style function's error, as AWS
// Lambda's Invoke API does.
const functionErrorHeader = "X-Amz-Function-Error"

// captureWriter keeps an integration's answer for the integration response.
// It is pooled: nothing keeps its header map or body past the mapping's
// Write, which copies what it sends.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

var captureWriterPool = sync.Pool{New: func() any { return &captureWriter{header: http.Header{}} }}

// maxPooledCapture bounds the body buffer a pooled captureWriter keeps.
const maxPooledCapture = 64 << 10

func (cw *captureWriter) release() {
	if cw.body.Cap() > maxPooledCapture {
		return
	}
	clear(cw.header)
	cw.status = 0
	cw.body.Reset()
	captureWriterPool.Put(cw)
}

func (cw *captureWriter) Header() http.Header { return cw.header }

func (cw *captureWriter) WriteHeader(code int) {
	if cw.status == 0 && code >= 200 {
		cw.status = code
	}
}

func (cw *captureWriter) Write(p []byte) (int, error) {
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	return cw.body.Write(p)
}
