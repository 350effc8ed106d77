package apigw

import (
	"net/http"
)

// httpAPIAnswer is how an HTTP API answers one kind of refusal or failure.
type httpAPIAnswer struct {
	status  int
	message string
}

// httpAPIAnswers are an HTTP API's own answers, by the response type a
// phase refuses with. HTTP APIs have no gateway responses to customise,
// send no x-amzn-ErrorType and name their request id apigw-requestid. The
// statuses and messages are those AWS's own HTTP API emulator (the Lambda
// Test Tool) reproduces from observed answers and those reported from the
// field: 404 Not Found for no route, 500 Internal Server Error for a
// failed or malformed Lambda answer, 503 Service Unavailable for an
// integration timeout; the rest follow the HTTP status text (apigw's
// choice where AWS documents nothing).
var httpAPIAnswers = map[ResponseType]httpAPIAnswer{
	AccessDenied:                 {http.StatusForbidden, "Forbidden"},
	APIConfigurationError:        {http.StatusInternalServerError, "Internal Server Error"},
	AuthorizerConfigurationError: {http.StatusInternalServerError, "Internal Server Error"},
	AuthorizerFailure:            {http.StatusInternalServerError, "Internal Server Error"},
	BadRequestBody:               {http.StatusBadRequest, "Bad Request"},
	BadRequestParameters:         {http.StatusBadRequest, "Bad Request"},
	ExpiredToken:                 {http.StatusForbidden, "Forbidden"},
	IntegrationFailure:           {http.StatusInternalServerError, "Internal Server Error"},
	IntegrationTimeout:           {http.StatusServiceUnavailable, "Service Unavailable"},
	InvalidAPIKey:                {http.StatusForbidden, "Forbidden"},
	InvalidSignature:             {http.StatusForbidden, "Forbidden"},
	MissingAuthenticationToken:   {http.StatusNotFound, "Not Found"},
	QuotaExceeded:                {http.StatusTooManyRequests, "Too Many Requests"},
	RequestTooLarge:              {http.StatusRequestEntityTooLarge, "Request Entity Too Large"},
	ResourceNotFound:             {http.StatusNotFound, "Not Found"},
	Throttled:                    {http.StatusTooManyRequests, "Too Many Requests"},
	Unauthorized:                 {http.StatusUnauthorized, "Unauthorized"},
	UnsupportedMediaType:         {http.StatusUnsupportedMediaType, "Unsupported Media Type"},
	WAFFiltered:                  {http.StatusForbidden, "Forbidden"},
}

var httpAPIResponses = &GatewayResponses{httpAPI: true}

// HTTPAPIResponses returns the answers of an HTTP API, for
// Context.Responses: [WriteError] then renders every refusal as an HTTP
// API does — {"message":"Not Found"} with 404 for a request no route
// matches, {"message":"Internal Server Error"} with 500 for a failed Lambda
// integration, {"message":"Service Unavailable"} with 503 for an
// integration timeout, {"message":"Forbidden"} with 403 for every denial —
// without x-amzn-ErrorType, and with the request id in apigw-requestid.
// They cannot be customised, as AWS's cannot. The value is shared and
// immutable.
func HTTPAPIResponses() *GatewayResponses { return httpAPIResponses }

func writeHTTPAPIError(w http.ResponseWriter, r *http.Request, c *Context, e *Error) {
	a, ok := httpAPIAnswers[e.Type]
	if !ok {
		a = httpAPIAnswer{e.StatusCode(), http.StatusText(e.StatusCode())}
	}
	c.Error = ErrorInfo{Message: a.message, ResponseType: e.Type, ValidationErrorString: e.ValidationErrorString, Cause: e.Err}
	h := w.Header()
	for k, vs := range e.Header {
		h[k] = append(h[k][:0:0], vs...)
	}
	if h.Get("Apigw-Requestid") == "" {
		h.Set("Apigw-Requestid", c.RequestID)
	}
	h.Set("Content-Type", "application/json")
	h.Del("Content-Length")
	c.Status = a.status
	w.WriteHeader(a.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(`{"message":` + quoteOrNull(a.message) + "}"))
	}
}
