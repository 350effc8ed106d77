package apigw

import (
	"errors"
	"fmt"
	"net/http"
)

// ResponseType is a gateway response type of a REST API, the name AWS gives
// to each way the gateway itself can refuse or fail a request.
type ResponseType string

// The gateway response types of AWS REST APIs.
const (
	AccessDenied                 ResponseType = "ACCESS_DENIED"
	APIConfigurationError        ResponseType = "API_CONFIGURATION_ERROR"
	AuthorizerConfigurationError ResponseType = "AUTHORIZER_CONFIGURATION_ERROR"
	AuthorizerFailure            ResponseType = "AUTHORIZER_FAILURE"
	BadRequestParameters         ResponseType = "BAD_REQUEST_PARAMETERS"
	BadRequestBody               ResponseType = "BAD_REQUEST_BODY"
	Default4XX                   ResponseType = "DEFAULT_4XX"
	Default5XX                   ResponseType = "DEFAULT_5XX"
	ExpiredToken                 ResponseType = "EXPIRED_TOKEN"
	IntegrationFailure           ResponseType = "INTEGRATION_FAILURE"
	IntegrationTimeout           ResponseType = "INTEGRATION_TIMEOUT"
	InvalidAPIKey                ResponseType = "INVALID_API_KEY"
	InvalidSignature             ResponseType = "INVALID_SIGNATURE"
	MissingAuthenticationToken   ResponseType = "MISSING_AUTHENTICATION_TOKEN"
	QuotaExceeded                ResponseType = "QUOTA_EXCEEDED"
	RequestTooLarge              ResponseType = "REQUEST_TOO_LARGE"
	ResourceNotFound             ResponseType = "RESOURCE_NOT_FOUND"
	Throttled                    ResponseType = "THROTTLED"
	Unauthorized                 ResponseType = "UNAUTHORIZED"
	UnsupportedMediaType         ResponseType = "UNSUPPORTED_MEDIA_TYPE"
	WAFFiltered                  ResponseType = "WAF_FILTERED"
)

// responseDefault is what AWS answers for a type nobody customised.
type responseDefault struct {
	status    int
	message   string // "" renders as JSON null
	errorType string // x-amzn-ErrorType
}

var responseDefaults = map[ResponseType]responseDefault{
	AccessDenied:                 {http.StatusForbidden, "User is not authorized to access this resource", "AccessDeniedException"},
	APIConfigurationError:        {http.StatusInternalServerError, "Internal server error", "InternalServerErrorException"},
	AuthorizerConfigurationError: {http.StatusInternalServerError, "", "AuthorizerConfigurationException"},
	AuthorizerFailure:            {http.StatusInternalServerError, "", "AuthorizerFailureException"},
	BadRequestParameters:         {http.StatusBadRequest, "Missing required request parameters", "BadRequestException"},
	BadRequestBody:               {http.StatusBadRequest, "Invalid request body", "BadRequestException"},
	Default4XX:                   {http.StatusBadRequest, "Bad request", "BadRequestException"},
	Default5XX:                   {http.StatusInternalServerError, "Internal server error", "InternalServerErrorException"},
	ExpiredToken:                 {http.StatusForbidden, "The security token included in the request is expired", "ExpiredTokenException"},
	IntegrationFailure:           {http.StatusGatewayTimeout, "Internal server error", "InternalServerErrorException"},
	IntegrationTimeout:           {http.StatusGatewayTimeout, "Endpoint request timed out", "InternalServerErrorException"},
	InvalidAPIKey:                {http.StatusForbidden, "Forbidden", "ForbiddenException"},
	InvalidSignature:             {http.StatusForbidden, "The request signature we calculated does not match the signature you provided", "InvalidSignatureException"},
	MissingAuthenticationToken:   {http.StatusForbidden, "Missing Authentication Token", "MissingAuthenticationTokenException"},
	QuotaExceeded:                {http.StatusTooManyRequests, "Limit Exceeded", "LimitExceededException"},
	RequestTooLarge:              {http.StatusRequestEntityTooLarge, "Request Too Long", "BadRequestException"},
	ResourceNotFound:             {http.StatusNotFound, "Not Found", "NotFoundException"},
	Throttled:                    {http.StatusTooManyRequests, "Too Many Requests", "TooManyRequestsException"},
	Unauthorized:                 {http.StatusUnauthorized, "Unauthorized", "UnauthorizedException"},
	UnsupportedMediaType:         {http.StatusUnsupportedMediaType, "Unsupported Media Type", "BadRequestException"},
	WAFFiltered:                  {http.StatusForbidden, "Forbidden", "WAFFilteredException"},
}

// ResponseTypes lists every gateway response type, in AWS's alphabetical order.
func ResponseTypes() []ResponseType {
	return []ResponseType{
		AccessDenied, APIConfigurationError, AuthorizerConfigurationError, AuthorizerFailure,
		BadRequestBody, BadRequestParameters, Default4XX, Default5XX, ExpiredToken,
		IntegrationFailure, IntegrationTimeout, InvalidAPIKey, InvalidSignature,
		MissingAuthenticationToken, QuotaExceeded, RequestTooLarge, ResourceNotFound,
		Throttled, Unauthorized, UnsupportedMediaType, WAFFiltered,
	}
}

// Valid reports whether t is one of AWS's gateway response types.
func (t ResponseType) Valid() bool {
	_, ok := responseDefaults[t]
	return ok
}

// DefaultStatus is the status AWS answers with for t.
func (t ResponseType) DefaultStatus() int { return responseDefaults[t].status }

// DefaultMessage is the message AWS answers with for t; "" stands for the
// JSON null that AUTHORIZER_CONFIGURATION_ERROR carries.
func (t ResponseType) DefaultMessage() string { return responseDefaults[t].message }

// ErrorType is the x-amzn-ErrorType header AWS sends with t.
func (t ResponseType) ErrorType() string { return responseDefaults[t].errorType }

// Error is a refusal by the gateway: a phase returns or writes one instead of
// passing the request on. Zero Status and empty Message take the type's
// defaults.
type Error struct {
	Type    ResponseType
	Status  int    // 0: the type's default status
	Message string // "": the type's default message
	// NullMessage renders the message as JSON null, as AWS does for
	// AUTHORIZER_CONFIGURATION_ERROR.
	NullMessage bool
	// ValidationErrorString is the detailed reason a request failed
	// validation ($context.error.validationErrorString).
	ValidationErrorString string
	// Header is added to the response (Retry-After, WWW-Authenticate).
	Header http.Header
	// ErrorType, when set, replaces the type's x-amzn-ErrorType, for
	// refusals AWS answers under one response type with an error type of
	// their own (IncompleteSignatureException, UnrecognizedClientException).
	ErrorType string
	// MessageKey names the message member of the default body, a plain
	// name written as it is: "" is "message"; AWS's IAM authorization
	// refusals say "Message".
	MessageKey string
	// Err is the underlying cause, for logs; it never reaches the client.
	Err error
}

// NewError returns an Error of type t with t's default status and message.
func NewError(t ResponseType) *Error { return &Error{Type: t} }

// Errorf returns an Error of type t whose cause, for logs only, is the
// formatted message.
func Errorf(t ResponseType, format string, args ...any) *Error {
	return &Error{Type: t, Err: fmt.Errorf(format, args...)}
}

// StatusCode is the status the client receives before any customisation.
func (e *Error) StatusCode() int {
	if e.Status != 0 {
		return e.Status
	}
	if s := e.Type.DefaultStatus(); s != 0 {
		return s
	}
	return http.StatusInternalServerError
}

// MessageText is the message the client receives; "" when it is null.
func (e *Error) MessageText() string {
	if e.NullMessage {
		return ""
	}
	if e.Message != "" {
		return e.Message
	}
	return e.Type.DefaultMessage()
}

// Error describes the refusal, its cause included, for logs.
func (e *Error) Error() string {
	msg := e.MessageText()
	if msg == "" {
		msg = "null"
	}
	s := fmt.Sprintf("apigw: %s (%d): %s", e.Type, e.StatusCode(), msg)
	if e.ValidationErrorString != "" {
		s += ": " + e.ValidationErrorString
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// AsError returns err as an *Error: itself when it is one (or wraps one),
// else an API_CONFIGURATION_ERROR 500 that keeps err as its cause.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Type: APIConfigurationError, Err: err}
}
