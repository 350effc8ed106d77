// Command petbreed is the seed's CORS story: a pet shop's page calls a
// breed-recognition API on another origin from the browser. Two servers run
// in one program:
//
//   - the shop page (-site-addr, default 127.0.0.1:8081), whose script
//     calls the API with fetch() and a custom header, which makes the
//     browser send a preflight first, and writes the answer into the page;
//   - the petbreed API (-addr, default 127.0.0.1:8080): POST /identify
//     answers {"breed": "..."}, POST /identify/premium the same behind a
//     TOKEN authorizer (Authorization: Bearer premium-token). Its CORS
//     policy allows only the shop's origin.
//
// Open http://127.0.0.1:8081/ in a browser (exactly this host: localhost
// is another origin) and press Identify: the breed appears. Identify
// (premium) without a token shows the authorizer's 401, which the page can
// read because the gateway's errors carry CORS headers too. Serve the same
// page from another origin and the browser blocks the call: the second
// command below runs another shop at http://127.0.0.1:9081/ whose page calls
// the first API, which does not allow that origin (its own API, on :9080,
// goes unused).
//
//	go run ./examples/petbreed
//	go run ./examples/petbreed -addr 127.0.0.1:9080 -site-addr 127.0.0.1:9081 -api-url http://127.0.0.1:8080
//
// What the browser does, with curl:
//
//	curl -i -X OPTIONS -H 'Origin: http://127.0.0.1:8081' -H 'Access-Control-Request-Method: POST' \
//		-H 'Access-Control-Request-Headers: content-type,x-petbreed-client' localhost:8080/identify  # 204, allowed
//	curl -i -X OPTIONS -H 'Origin: http://evil.example' -H 'Access-Control-Request-Method: POST' \
//		localhost:8080/identify                                          # 204, no allow headers
//	curl -i -H 'Origin: http://127.0.0.1:8081' -H 'Content-Type: application/json' \
//		-d '{"photo":"rex.jpg"}' localhost:8080/identify                   # 200 {"breed":"..."}
//	curl -i -H 'Origin: http://127.0.0.1:8081' -H 'Content-Type: application/json' \
//		-d '{"photo":"rex.jpg"}' localhost:8080/identify/premium           # 401, with CORS headers
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"

	"github.com/apigw/apigw/examples/petbreed/petbreed"
	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/serve"
)

// run serves the API and the shop page until ctx ends; ready, if not nil,
// receives the running servers (their URLs).
func run(ctx context.Context, adm *admin.Admin, cfg petbreed.Config, ready chan<- *petbreed.Servers) error {
	cfg.Options = append(cfg.Options, adm.Gateway()...)
	return adm.Run(ctx, func(ctx context.Context) error {
		s, err := petbreed.Start(ctx, cfg)
		if err != nil {
			return err
		}
		adm.Watch(s.Gateway)
		if ready != nil {
			ready <- s
		}
		return s.Wait()
	})
}

func main() {
	var cfg petbreed.Config
	flag.StringVar(&cfg.Addr, "addr", petbreed.DefaultAddr, "the API's listening address")
	flag.StringVar(&cfg.SiteAddr, "site-addr", petbreed.DefaultSiteAddr, "the shop page's listening address")
	flag.StringVar(&cfg.APIURL, "api-url", "", "the API's URL as the page calls it (default: from -addr)")
	flag.StringVar(&cfg.Origin, "origin", "", "the origin the API allows (default: the shop's, from -site-addr)")
	adminAddr := flag.String("admin-addr", "", admin.Usage)
	flag.Parse()
	cfg.Logger = slog.Default()
	ctx, stop := serve.SignalContext()
	defer stop()
	adm, err := admin.New(ctx, *adminAddr, nil)
	if err != nil {
		log.Fatal(err)
	}
	ready := make(chan *petbreed.Servers, 1)
	go func() {
		s := <-ready
		log.Printf("petbreed example: shop page %s (origin %s), API %s", s.SiteURL, s.Origin, s.APIURL)
	}()
	if err := run(ctx, adm, cfg, ready); err != nil {
		log.Fatal(err)
	}
}
