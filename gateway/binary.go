package gateway

import (
	"fmt"

	"github.com/apigw/apigw/mapping"
)

// WithBinaryMediaTypes sets the API's binary media types (AWS's
// binaryMediaTypes): "image/png", "image/*", "*/*". With them, a non-proxy
// method converts payloads between text and binary by AWS's tables, with
// the request's Content-Type, the client's first Accept type and the
// contentHandling of its integration request and responses
// (mapping.RequestConfig.ContentHandling,
// mapping.IntegrationResponse.ContentHandling); and a Lambda proxy event
// carries a body whose Content-Type matches in base64, with
// isBase64Encoded true. Without them every payload is text: a body that is
// not UTF-8 still reaches a Lambda function in base64.
func WithBinaryMediaTypes(types ...string) DeploymentOption {
	return deploymentOption(func(c *config) {
		b := mapping.BinaryMediaTypes(types)
		if err := b.Validate(); err != nil {
			c.errs = append(c.errs, fmt.Errorf("gateway: WithBinaryMediaTypes: %w", err))
		}
		c.binary = append(c.binary, b...)
	})
}
