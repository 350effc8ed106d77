package awsintegration

import (
	"context"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// credentials is the provider that signs cfg's requests: cfg.Credentials
// or the default chain, through cfg.RoleARN when set, cached.
func credentials(cfg Config, region string) (aws.CredentialsProvider, error) {
	p := cfg.Credentials
	if p == nil {
		ac, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region))
		if err != nil {
			return nil, err
		}
		p = ac.Credentials
	}
	if cfg.RoleARN != "" {
		opts := sts.Options{Region: region, Credentials: p}
		if cfg.Endpoint != "" {
			opts.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		if cfg.Transport != nil {
			opts.HTTPClient = &http.Client{Transport: cfg.Transport}
		}
		p = stscreds.NewAssumeRoleProvider(sts.New(opts), cfg.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "apigw"
		})
	}
	if _, ok := p.(*aws.CredentialsCache); !ok {
		p = aws.NewCredentialsCache(p)
	}
	return p, nil
}
