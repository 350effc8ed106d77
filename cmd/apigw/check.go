package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
)

// check prints every construct of the spec apigw does not honour.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: apigw check SPEC") }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	path := fs.Arg(0)
	data, kind, err := readSpec(path)
	if err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 2
	}
	var problems []openapi.Problem
	if kind == "sam" {
		problems = sam.Check(data, os.DirFS(filepath.Dir(path)))
	} else {
		problems = openapi.Check(data)
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	if len(problems) > 0 {
		return 1
	}
	return 0
}
