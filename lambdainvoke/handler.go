package lambdainvoke

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/apigw/apigw/internal/lambdaevent"
)

// maxPayload is Lambda's limit on a synchronous invocation's payload.
const maxPayload = 6 << 20

// NewHandler serves Go functions through Lambda's Invoke API, as `sam local
// start-lambda` serves a template's functions: POST
// /2015-03-31/functions/{name}/invocations with an optional ?Qualifier=,
// synchronously. fns maps a function's name (or name:qualifier, tried
// first) to a function of any signature lambda.Start accepts, or an
// Invoke(ctx, []byte) ([]byte, error) value. A function error is answered
// as Lambda answers it: 200 with X-Amz-Function-Error: Unhandled and
// {"errorMessage", "errorType"}; an unknown function is a 404
// ResourceNotFoundException. Requests are not authenticated: serve it on a
// loopback address, for tests and local runs. A request from a browser (an
// Origin or Sec-Fetch-Site header: a page's form or fetch, a rebound DNS
// name) is refused with 403, so that no web page runs a function.
func NewHandler(fns map[string]any) (http.Handler, error) {
	h := &handler{fns: map[string]lambdaevent.Invoker{}}
	names := make([]string, 0, len(fns))
	for name := range fns {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		inv, err := lambdaevent.NewInvoker(fns[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("lambdainvoke: function %q: %w", name, err))
			continue
		}
		h.fns[name] = inv
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /2015-03-31/functions/{name}/invocations", h)
	return mux, nil
}

type handler struct {
	fns map[string]lambdaevent.Invoker
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" {
		// A browser's request (a page's form or fetch, a rebound DNS name):
		// the Invoke API's clients are SDKs, which send neither header, and
		// a page must not run functions on the developer's machine.
		writeAPIError(w, http.StatusForbidden, "AccessDeniedException", "requests from a browser are refused")
		return
	}
	name := r.PathValue("name")
	qualifier := r.URL.Query().Get("Qualifier")
	// An ARN or a partial ARN names the function too.
	if i := strings.LastIndex(name, ":function:"); i >= 0 {
		name = name[i+len(":function:"):]
	}
	if n, q, ok := strings.Cut(name, ":"); ok {
		name, qualifier = n, q
	}
	if t := r.Header.Get("X-Amz-Invocation-Type"); t != "" && t != "RequestResponse" {
		writeAPIError(w, http.StatusBadRequest, "InvalidParameterValueException", "apigw serves synchronous invocations (RequestResponse) only")
		return
	}
	inv := h.fns[name+":"+qualifier]
	if inv == nil {
		inv = h.fns[name]
	}
	if inv == nil {
		writeAPIError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil || len(payload) > maxPayload {
		writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	out, err := invoke(r, inv, payload)
	w.Header().Set("Content-Type", "application/json")
	if qualifier == "" {
		qualifier = "$LATEST"
	}
	w.Header().Set("X-Amz-Executed-Version", qualifier)
	if err != nil {
		doc, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": errorType(err)})
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		_, _ = w.Write(doc)
		return
	}
	_, _ = w.Write(out)
}

// invoke calls the function, turning a panic into a function error as the
// Lambda runtime does.
func invoke(r *http.Request, inv lambdaevent.Invoker, payload []byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{fmt.Sprint(p)}
		}
	}()
	return inv.Invoke(r.Context(), payload)
}

type panicError struct{ msg string }

func (e *panicError) Error() string { return e.msg }

func errorType(err error) string {
	var p *panicError
	if errors.As(err, &p) {
		return "Runtime.Panic"
	}
	var fe *FunctionError
	if errors.As(err, &fe) && fe.Type != "" {
		return fe.Type
	}
	t := fmt.Sprintf("%T", err)
	return strings.TrimPrefix(t[strings.LastIndex(t, ".")+1:], "*")
}

func writeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}
