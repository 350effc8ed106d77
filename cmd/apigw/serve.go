package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/cache/rediscache"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/serve"
	"github.com/apigw/apigw/lambdainvoke"
	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
	"github.com/apigw/apigw/usageplan/redisstore"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/redis/go-redis/v9"
)

// serveFlags are serve's options.
type serveFlags struct {
	addr           string
	stageName      string
	vars           keyValues
	lambdaEndpoint string
	region         string
	redisAddr      string
	redisPrefix    string
	api            string
	jwks           keyValues
	iamCredentials string
	adminAddr      string
}

// keyValues is a repeatable name=value flag.
type keyValues map[string]string

func (kv keyValues) String() string { return "" }

func (kv keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not name=value", s)
	}
	kv[k] = v
	return nil
}

func serveCommand(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) int {
	f := serveFlags{vars: keyValues{}, jwks: keyValues{}}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&f.stageName, "stage", "", "the stage's name (default: the template's StageName, or the gateway's default stage)")
	fs.Var(f.vars, "var", "a stage variable, name=value (repeatable)")
	fs.StringVar(&f.lambdaEndpoint, "lambda-endpoint", "", "the Lambda Invoke API the functions are invoked through (sam local start-lambda: http://127.0.0.1:3001)")
	fs.StringVar(&f.region, "region", envOr("AWS_REGION", "us-east-1"), "the functions' region, and AWS::Region")
	fs.StringVar(&f.redisAddr, "redis", "", "a Redis address (host:port) sharing quotas, throttles and the cache between replicas")
	fs.StringVar(&f.redisPrefix, "redis-prefix", "apigw:", "what every Redis key starts with, so that several APIs share one Redis")
	fs.StringVar(&f.api, "api", "", "the logical id of the API to serve, when the template has several")
	fs.Var(f.jwks, "jwks", "the JWKS URL of a JWT issuer that is not a Cognito user pool, issuer=url (repeatable)")
	fs.StringVar(&f.iamCredentials, "iam-credentials", "", "an AWS shared-credentials file whose profiles may call AWS_IAM methods")
	fs.StringVar(&f.adminAddr, "admin-addr", "", admin.Usage)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apigw serve [flags] SPEC")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	adm, err := admin.New(ctx, f.adminAddr, nil)
	if err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	gw, closeAll, err := build(fs.Arg(0), f, logger, adm)
	if err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	adm.Watch(gw)
	if ready == nil {
		r := make(chan string, 1)
		ready = r
		go func() { logger.Info("apigw: serving", "spec", fs.Arg(0), "url", "http://"+<-r) }()
	}
	err = adm.Run(ctx, func(ctx context.Context) error {
		return serve.ListenAndServe(ctx, f.addr, gw, ready, func(context.Context) error { return closeAll() })
	})
	if err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	return 0
}

// build loads the spec into a gateway, watched by adm (nil: no admin
// server); closeAll releases what it holds.
func build(path string, f serveFlags, logger *slog.Logger, adm *admin.Admin) (*gateway.Gateway, func() error, error) {
	data, kind, err := readSpec(path)
	if err != nil {
		return nil, nil, err
	}
	var closers []func() error
	closeAll := func() error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			errs = append(errs, closers[i]())
		}
		return errors.Join(errs...)
	}
	b := openapi.Bindings{Region: f.region}
	if f.lambdaEndpoint != "" {
		cfg := lambdainvoke.Config{Endpoint: f.lambdaEndpoint, Region: f.region}
		if id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
			cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))
		}
		if adm != nil {
			// Invoke calls get client spans and carry the trace.
			cfg.HTTPClient = &http.Client{Transport: adm.WrapTransport(http.DefaultTransport)}
		}
		client, err := lambdainvoke.New(cfg)
		if err != nil {
			return nil, nil, err
		}
		b.Invoke = func(name, qualifier string) openapi.Invoker { return client.Function(name, qualifier) }
	}
	if len(f.jwks) > 0 {
		b.JWT = func(_ string, cfg *authorizer.JWTConfig) {
			if u, ok := f.jwks[cfg.Issuer]; ok {
				cfg.JWKSURL = u
			}
		}
	}
	if f.iamCredentials != "" {
		creds, err := iam.LoadSharedCredentials(f.iamCredentials, iam.SharedCredentialsOptions{
			Policy: authorizer.MustPolicy(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}`),
		})
		if err != nil {
			return nil, nil, err
		}
		b.Credentials = creds
	}
	var cacheCfg cache.Config
	if f.redisAddr != "" {
		client := redis.NewClient(&redis.Options{Addr: f.redisAddr, ContextTimeoutEnabled: true})
		closers = append(closers, client.Close)
		store, err := redisstore.New(redisstore.Options{Client: client, Prefix: f.redisPrefix + "usage:"})
		if err != nil {
			_ = closeAll()
			return nil, nil, err
		}
		b.UsagePlans = usageplan.Config{Store: store}
		cacheStore, err := rediscache.New(client, rediscache.Options{})
		if err != nil {
			_ = closeAll()
			return nil, nil, err
		}
		cacheCfg.Store = cacheStore
		cacheCfg.Namespace = strings.Trim(strings.ReplaceAll(f.redisPrefix, ":", "."), ".") + ".cache"
	}

	var opts []gateway.Option
	if kind == "sam" {
		api, err := sam.Load(data, sam.Bindings{Bindings: b, Files: os.DirFS(filepath.Dir(path)), API: f.api,
			StageName: f.stageName, StageVariables: f.vars, Cache: cacheCfg})
		if err != nil {
			_ = closeAll()
			return nil, nil, err
		}
		opts = api.Options()
	} else {
		api, err := openapi.Load(data, b)
		if err != nil {
			_ = closeAll()
			return nil, nil, err
		}
		opts = api.Options()
		if f.stageName != "" || len(f.vars) > 0 {
			name := f.stageName
			if name == "" {
				name = gateway.DefaultStageName
				if api.HTTP {
					name = stage.Default
				}
			}
			opts = append(opts, gateway.WithStage(stage.Stage{Name: name, Variables: f.vars}))
		}
	}
	opts = append(opts, adm.Gateway()...)
	gw, err := gateway.New(append(opts, gateway.WithAccessLog(logger))...)
	if err != nil {
		_ = closeAll()
		return nil, nil, err
	}
	closers = append(closers, gw.Close)
	return gw, closeAll, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
