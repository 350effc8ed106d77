// Command canary is the seed's canary release: GET /hello is served by a
// Lambda-style function with two aliases, prod and beta; the stage variable
// ver names the alias; a canary on the stage sends -canary-percent of the
// traffic to beta.
//
//	go run ./examples/canary -canary-percent 30
//	for i in $(seq 10); do curl -s localhost:8080/hello; echo; done
//	go run ./examples/canary -sticky-header X-User   # each user stays on one side
package main

import (
	"context"
	"flag"
	"log"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/serve"
	"github.com/apigw/apigw/stage"
	"github.com/aws/aws-lambda-go/events"
)

// hello returns the handler of one alias, written as for AWS Lambda.
func hello(version string) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{
			StatusCode: 200,
			Headers:    map[string]string{"Content-Type": "application/json"},
			Body:       `{"version":"` + version + `"}`,
		}, nil
	}
}

// options configure the example.
type options struct {
	canaryPercent float64
	stickyHeader  string
	random        func() float64 // nil: math/rand
}

func newGateway(o options, extra ...gateway.Option) (*gateway.Gateway, error) {
	canary := &stage.Canary{Percent: o.canaryPercent, Variables: map[string]string{"ver": "beta"}}
	if o.stickyHeader != "" {
		canary.Sticky = &stage.Sticky{Header: o.stickyHeader}
	}
	opts := []gateway.Option{
		gateway.WithStage(stage.Stage{Name: "prod", Variables: map[string]string{"ver": "prod"}, Canary: canary}),
		gateway.Route("GET /hello", gateway.Method{Integration: gateway.Lambda(gateway.Aliases{
			Selector:  "${stageVariables.ver}",
			Functions: map[string]any{"prod": hello("prod"), "beta": hello("beta")},
		})}),
	}
	if o.random != nil {
		opts = append(opts, gateway.WithRandom(o.random))
	}
	return gateway.New(append(opts, extra...)...)
}

// run serves the example on addr until ctx ends; ready, if not nil,
// receives the address it listens on.
func run(ctx context.Context, adm *admin.Admin, addr string, o options, ready chan<- string) error {
	gw, err := newGateway(o, adm.Gateway()...)
	if err != nil {
		return err
	}
	adm.Watch(gw)
	return adm.Run(ctx, func(ctx context.Context) error { return serve.ListenAndServe(ctx, addr, gw, ready) })
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	percent := flag.Float64("canary-percent", 10, "share of traffic for the beta alias, 0 to 100")
	sticky := flag.String("sticky-header", "", "keep each client on one side, recognised by this header")
	adminAddr := flag.String("admin-addr", "", admin.Usage)
	flag.Parse()
	ctx, stop := serve.SignalContext()
	defer stop()
	adm, err := admin.New(ctx, *adminAddr, nil)
	if err != nil {
		log.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() { log.Printf("canary example: http://%s/hello (%.1f%% to beta)", <-ready, *percent) }()
	if err := run(ctx, adm, *addr, options{canaryPercent: *percent, stickyHeader: *sticky}, ready); err != nil {
		log.Fatal(err)
	}
}
