package lambdainvoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Config configures a Client.
type Config struct {
	// Endpoint is the base URL of the Invoke API: http://127.0.0.1:3001 for
	// `sam local start-lambda`, http://127.0.0.1:9000 for the Runtime
	// Interface Emulator, http://localhost:4566 for LocalStack. Default:
	// AWS Lambda's endpoint in Region.
	Endpoint string
	// Region is the functions' region. Default us-east-1.
	Region string
	// Credentials sign the requests. Default: for an Endpoint, fixed
	// credentials that local emulators accept; for AWS Lambda itself they
	// are required.
	Credentials aws.CredentialsProvider
	// FunctionName, when set, is the name every function is invoked
	// under: the Runtime Interface Emulator serves one function, named
	// "function", whatever the definition calls it.
	FunctionName string
	// HTTPClient makes the requests. Default: the SDK's.
	HTTPClient *http.Client
}

// Client invokes functions through one Invoke endpoint. It is safe for
// simultaneous use by multiple goroutines.
type Client struct {
	lambda *lambda.Client
	rename string
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	creds := cfg.Credentials
	if creds == nil {
		if cfg.Endpoint == "" {
			return nil, errors.New("lambdainvoke: Config.Credentials: required to invoke AWS Lambda itself")
		}
		creds = credentials.NewStaticCredentialsProvider("apigwlocal", "apigwlocal", "")
	}
	if cfg.Endpoint != "" && !strings.HasPrefix(cfg.Endpoint, "http://") && !strings.HasPrefix(cfg.Endpoint, "https://") {
		return nil, fmt.Errorf("lambdainvoke: Config.Endpoint %q: not an http or https URL", cfg.Endpoint)
	}
	opts := lambda.Options{
		Region:           region,
		Credentials:      creds,
		RetryMaxAttempts: 1,
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(strings.TrimSuffix(cfg.Endpoint, "/"))
	}
	if cfg.HTTPClient != nil {
		opts.HTTPClient = cfg.HTTPClient
	}
	return &Client{lambda: lambda.New(opts), rename: cfg.FunctionName}, nil
}

// Function returns the function name, at qualifier (a version or an alias;
// "" for $LATEST).
func (c *Client) Function(name, qualifier string) *Function {
	if c.rename != "" {
		name = c.rename
	}
	return &Function{c: c, name: name, qualifier: qualifier}
}

// Function is one function of a Client. It is safe for simultaneous use by
// multiple goroutines.
type Function struct {
	c               *Client
	name, qualifier string
}

// Invoke calls the function with payload, synchronously, and returns its
// answer. A function that failed returns a *FunctionError.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	in := &lambda.InvokeInput{
		FunctionName:   aws.String(f.name),
		InvocationType: types.InvocationTypeRequestResponse,
		Payload:        payload,
	}
	if f.qualifier != "" {
		in.Qualifier = aws.String(f.qualifier)
	}
	out, err := f.c.lambda.Invoke(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("lambdainvoke: invoking %s: %w", f, err)
	}
	if out.FunctionError != nil {
		fe := &FunctionError{Kind: *out.FunctionError, Payload: out.Payload}
		var doc struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		if json.Unmarshal(out.Payload, &doc) == nil {
			fe.Message, fe.Type = doc.ErrorMessage, doc.ErrorType
		} else {
			fe.Message = string(out.Payload)
		}
		return nil, fe
	}
	return out.Payload, nil
}

// String names the function as name[:qualifier].
func (f *Function) String() string {
	if f.qualifier == "" {
		return f.name
	}
	return f.name + ":" + f.qualifier
}

// FunctionError is a function's failure, as the Invoke API reports it.
type FunctionError struct {
	// Kind is X-Amz-Function-Error: Handled or Unhandled.
	Kind string
	// Message and Type are the errorMessage and errorType of the payload.
	Message, Type string
	// Payload is the function's error document.
	Payload []byte
}

// Error returns the function's errorMessage, as API Gateway sees it.
func (e *FunctionError) Error() string { return e.Message }
