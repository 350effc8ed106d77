package sam_test

import (
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/sam"
)

func newGateway(api *sam.API, opts ...gateway.Option) (*gateway.Gateway, error) {
	return gateway.New(append(api.Options(), opts...)...)
}
