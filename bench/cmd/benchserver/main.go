// Command benchserver serves one scenario of the load benchmark on
// 127.0.0.1; cmd/loadbench builds it and starts one per run:
//
//	benchserver -scenario apigw-full -jwks keys.json [-addr 127.0.0.1:0] [-cpuprofile cpu.pprof]
//	benchserver -scenario apigw-http -backend http://127.0.0.1:PORT
//
// It prints "LISTEN 127.0.0.1:PORT" once it serves, and stops on SIGTERM,
// SIGINT or end of file on stdin (so run by hand from a shell, Ctrl-D or
// Ctrl-C stops it).
package main

import (
	"fmt"
	"os"

	"github.com/apigw/apigw/bench/server"
)

func main() {
	if err := server.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}
