// Command iam serves an API behind AWS_IAM authorization (Signature
// Version 4, region us-east-1, service execute-api) with a resource policy:
//
//   - GET /whoami answers the caller's identity as the gateway found it:
//     {"accessKey": ..., "userArn": ..., "accountId": ...};
//   - PUT /files/{name} and GET /files/{name} are an S3 service integration
//     (PutObject and GetObject in bucket "files") signed with the gateway's
//     own credentials: to -s3-endpoint URL (LocalStack, MinIO, ...; the
//     gateway's credentials then come from aws-sdk-go-v2's default chain:
//     AWS_ACCESS_KEY_ID, ~/.aws, ...), or without it to an S3-compatible
//     server the example starts in-process;
//   - the API's resource policy denies bob every PUT.
//
// The callers' credentials come from -credentials FILE (the AWS
// shared-credentials format: each profile is an IAM user of that name),
// else from two demo users of account 123456789012:
//
//	alice  AKIAALICE00000000001  alice/secret/key/0000000000000000000001
//	bob    AKIABOB0000000000001  bob/secret/key/00000000000000000000001
//
// Try it with curl (7.75 or later), which signs with --aws-sigv4:
//
//	go run ./examples/iam
//	SIGV4='aws:amz:us-east-1:execute-api'
//	ALICE='AKIAALICE00000000001:alice/secret/key/0000000000000000000001'
//	BOB='AKIABOB0000000000001:bob/secret/key/00000000000000000000001'
//	curl --aws-sigv4 $SIGV4 --user $ALICE localhost:8080/whoami
//	curl --aws-sigv4 $SIGV4 --user $ALICE -X PUT -H 'Content-Type: text/plain' --data-binary 'hello' localhost:8080/files/hello.txt
//	curl --aws-sigv4 $SIGV4 --user $BOB localhost:8080/files/hello.txt                 # 200 hello
//	curl --aws-sigv4 $SIGV4 --user $BOB -X PUT --data-binary 'nope' localhost:8080/files/hello.txt   # 403
//	curl -i localhost:8080/whoami                                                     # 403 Missing Authentication Token
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
	"github.com/apigw/apigw/awsintegration"
	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/awsfake"
	"github.com/apigw/apigw/internal/serve"
	"github.com/apigw/apigw/mapping"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

const (
	region  = "us-east-1"
	account = "123456789012"
	bucket  = "files"
)

// config is what the flags say.
type config struct {
	addr        string
	s3Endpoint  string // "": an in-process S3
	credentials string // a shared-credentials file; "": the demo users
}

// invokeAll is the identity policy of every caller: each may invoke the
// whole API, unless the resource policy says otherwise.
const invokeAll = `{"Version": "2012-10-17", "Statement": [
	{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:*"}]}`

// resourcePolicy denies bob every PUT.
const resourcePolicy = `{"Version": "2012-10-17", "Statement": [
	{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::123456789012:user/bob"},
	 "Action": "execute-api:Invoke", "Resource": "execute-api:/*/PUT/*"}]}`

// demoUsers are the callers without -credentials.
func demoUsers() iam.Static {
	policy := authorizer.MustPolicy(invokeAll)
	user := func(name, key, secret string) iam.Credential {
		arn := "arn:aws:iam::" + account + ":user/" + name
		return iam.Credential{AccessKeyID: key, SecretAccessKey: secret, Policy: policy,
			Identity: iam.Identity{AccountID: account, UserARN: arn, Caller: name, User: name}}
	}
	return iam.NewStatic(
		user("alice", "AKIAALICE00000000001", "alice/secret/key/0000000000000000000001"),
		user("bob", "AKIABOB0000000000001", "bob/secret/key/00000000000000000000001"),
	)
}

// newGateway builds the API; s3 and creds are the S3 endpoint and the
// gateway's own credentials (nil: aws-sdk-go-v2's default chain).
func newGateway(callers iam.Credentials, s3 string, creds aws.CredentialsProvider, logger *slog.Logger, extra ...gateway.Option) (*gateway.Gateway, error) {
	auth, err := iam.New(iam.Config{Region: region, Credentials: callers, Logger: logger})
	if err != nil {
		return nil, err
	}
	object := func(method string) (gateway.Integration, error) {
		in, err := awsintegration.New(awsintegration.Config{
			URI:         "arn:aws:apigateway:" + region + ":s3:path/" + bucket + "/{name}",
			HTTPMethod:  method,
			Credentials: creds,
			Endpoint:    s3,
		})
		return gateway.Handler(in), err
	}
	put, err := object(http.MethodPut)
	if err != nil {
		return nil, err
	}
	get, err := object(http.MethodGet)
	if err != nil {
		return nil, err
	}
	// The S3 errors a client may see; the others are the API's fault.
	s3Errors := []mapping.IntegrationResponse{
		{SelectionPattern: "404", StatusCode: 404, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"message": "no such file"}`)}},
		{SelectionPattern: `4\d\d|5\d\d`, StatusCode: 502, Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"message": "storage failed"}`)}},
	}
	return gateway.New(append([]gateway.Option{
		gateway.WithRegion(region), gateway.WithAccountID(account), gateway.WithAccessLog(logger),
		gateway.WithAuthorizer("iam", auth),
		gateway.WithResourcePolicy(resourcePolicy),
		gateway.Route("GET /whoami", gateway.Method{Authorizer: "iam", Integration: gateway.Handler(http.HandlerFunc(whoami))}),
		gateway.Route("PUT /files/{name}", gateway.Method{
			Authorizer:  "iam",
			Integration: put,
			Request: mapping.RequestConfig{Parameters: map[string]string{
				"integration.request.path.name":           "method.request.path.name",
				"integration.request.header.Content-Type": "method.request.header.Content-Type",
			}},
			Response: mapping.ResponseConfig{IntegrationResponses: append([]mapping.IntegrationResponse{
				{Templates: map[string]*mapping.Template{"application/json": mapping.MustCompile(`{"stored": "` + bucket + `/" + input.params.path.name}`)}},
			}, s3Errors...)},
		}),
		gateway.Route("GET /files/{name}", gateway.Method{
			Authorizer:  "iam",
			Integration: get,
			Request:     mapping.RequestConfig{Parameters: map[string]string{"integration.request.path.name": "method.request.path.name"}},
			Response: mapping.ResponseConfig{IntegrationResponses: append([]mapping.IntegrationResponse{
				{Parameters: map[string]string{"method.response.header.Content-Type": "integration.response.header.Content-Type"}},
			}, s3Errors...)},
		}),
	}, extra...)...)
}

// whoami answers the identity the AWS_IAM authorizer put in the Context.
func whoami(w http.ResponseWriter, r *http.Request) {
	id := apigw.FromContext(r.Context()).Identity
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"accessKey": id.AccessKey, "userArn": id.UserARN, "accountId": id.AccountID})
}

// run serves the example on cfg.addr until ctx ends.
func run(ctx context.Context, adm *admin.Admin, cfg config, logger *slog.Logger, ready chan<- string) error {
	var callers iam.Credentials = demoUsers()
	if cfg.credentials != "" {
		static, err := iam.LoadSharedCredentials(cfg.credentials, iam.SharedCredentialsOptions{AccountID: account, Policy: authorizer.MustPolicy(invokeAll)})
		if err != nil {
			return err
		}
		callers = static
	}
	s3, creds := cfg.s3Endpoint, aws.CredentialsProvider(nil)
	var hooks []func(context.Context) error
	if s3 == "" {
		// An S3 of our own, on a free port, which knows only the
		// gateway's credentials, made up for this run.
		secret := make([]byte, 20)
		_, _ = rand.Read(secret)
		own := aws.Credentials{AccessKeyID: "AKIAGATEWAY000000001", SecretAccessKey: hex.EncodeToString(secret)}
		creds = credentials.StaticCredentialsProvider{Value: own}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		s3 = "http://" + ln.Addr().String()
		srv := &http.Server{Handler: awsfake.NewS3(own, region, bucket)}
		go func() { _ = srv.Serve(ln) }()
		hooks = append(hooks, srv.Shutdown)
	}
	gw, err := newGateway(callers, s3, creds, logger, adm.Gateway()...)
	if err != nil {
		return errors.Join(err, shutdownAll(hooks))
	}
	defer gw.Close()
	adm.Watch(gw)
	return adm.Run(ctx, func(ctx context.Context) error { return serve.ListenAndServe(ctx, cfg.addr, gw, ready, hooks...) })
}

func shutdownAll(hooks []func(context.Context) error) error {
	var errs []error
	for _, h := range hooks {
		errs = append(errs, h(context.Background()))
	}
	return errors.Join(errs...)
}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "address to listen on")
	flag.StringVar(&cfg.s3Endpoint, "s3-endpoint", "", "S3-compatible endpoint of bucket "+bucket+" (default: an in-process S3)")
	flag.StringVar(&cfg.credentials, "credentials", "", "AWS shared-credentials file of the callers (default: the demo users alice and bob)")
	adminAddr := flag.String("admin-addr", "", admin.Usage)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	adm, err := admin.New(ctx, *adminAddr, nil)
	if err != nil {
		log.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		addr := <-ready
		fmt.Printf("iam example: http://%s/whoami and /files/{name}\n", addr)
	}()
	if err := run(ctx, adm, cfg, slog.Default(), ready); err != nil {
		log.Fatal(err)
	}
}
