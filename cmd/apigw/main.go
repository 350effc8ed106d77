// Command apigw checks and serves an API definition, the one a team deploys
// to Amazon API Gateway, through apigw's pipeline: an OpenAPI 3.0 or
// Swagger 2.0 definition with API Gateway's x-amazon-apigateway-*
// extensions, or a SAM template.
//
//	apigw check SPEC
//	apigw serve [-addr 127.0.0.1:8080] [-stage NAME] [-var name=value]... [-lambda-endpoint URL] [-redis ADDR] SPEC
//
// check prints every construct of SPEC that apigw does not honour, one per
// line with its JSON pointer, and exits 1 if there is any, 0 otherwise.
//
// serve serves SPEC: Lambda integrations and authorizers invoke their
// functions through the Lambda Invoke API at -lambda-endpoint (`sam local
// start-lambda`, the Lambda Runtime Interface Emulator, LocalStack, or AWS
// Lambda itself with credentials in AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY), HTTP integrations call their URLs, mocks and
// everything else run in-process. -redis shares usage-plan quotas,
// throttles and the stage cache between replicas. It writes one access log
// line per request to standard error and stops gracefully on SIGINT or
// SIGTERM.
//
//	sam local start-lambda &                     # the template's functions on 127.0.0.1:3001
//	apigw serve -lambda-endpoint http://127.0.0.1:3001 template.yaml
//	curl localhost:8080/hello
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil))
}

const usage = `usage:
  apigw check SPEC
  apigw serve [-addr 127.0.0.1:8080] [-stage NAME] [-var name=value]... [-lambda-endpoint URL] [-redis ADDR] SPEC

SPEC is an OpenAPI 3.0 or Swagger 2.0 definition with API Gateway's
extensions, or a SAM template (JSON or YAML). Run apigw serve -h for
every flag.
`

// run runs the command line args and returns the exit status. ready, if not
// nil, receives the address serve listens on.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "check":
		return check(args[1:], stdout, stderr)
	case "serve":
		return serveCommand(ctx, args[1:], stderr, ready)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "apigw: unknown command %q\n%s", args[0], usage)
	return 2
}
