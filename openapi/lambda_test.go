package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/apigw/apigw/gateway"
	"github.com/apigw/apigw/lambdainvoke"
	"github.com/apigw/apigw/openapi"
)

// calc is the Calc function of AWS's "Tutorial: Build an API Gateway REST
// API with Lambda non-proxy integration", in Go: a and b as numbers or
// numeric strings, op one of + - * / or add sub mul div.
func calc(_ context.Context, in map[string]any) (map[string]any, error) {
	num := func(v any) (float64, bool) {
		switch x := v.(type) {
		case float64:
			return x, true
		case string:
			f, err := strconv.ParseFloat(x, 64)
			return f, err == nil
		}
		return 0, false
	}
	if in["a"] == nil || in["b"] == nil || in["op"] == nil {
		return nil, errors.New("400 Invalid Input")
	}
	a, okA := num(in["a"])
	b, okB := num(in["b"])
	if !okA || !okB {
		return nil, errors.New("400 Invalid Operand")
	}
	res := map[string]any{"a": a, "b": b, "op": in["op"]}
	switch in["op"] {
	case "+", "add":
		res["c"] = a + b
	case "-", "sub":
		res["c"] = a - b
	case "*", "mul":
		res["c"] = a * b
	case "/", "div":
		if b == 0 {
			return nil, errors.New("400 Divide by Zero")
		}
		res["c"] = a / b
	default:
		return nil, errors.New("400 Invalid Operator")
	}
	return res, nil
}

// TestLambdaCalcExport loads AWS's export of the LambdaCalc API (Lambda
// custom integrations with VTL request and response templates, request
// validators, response header mappings) with Calc bound in-process.
func TestLambdaCalcExport(t *testing.T) {
	gw, err := openapi.New(readTestdata(t, "aws-lambda-calc-export.json"), openapi.Bindings{Functions: map[string]any{"Calc": calc}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{
		{name: "GET /calc", method: "GET", path: "/calc?operand1=2&operand2=3&operator=add", wantStatus: 200,
			wantHeader: map[string]string{"operand_1": "2", "operand_2": "3", "operator": "add"},
			wantBody:   `{"result":"2, 3, add => 5","a":"2","b":"3","op":"add","c":"5"}`},
		{name: "GET /calc without operator", method: "GET", path: "/calc?operand1=2&operand2=3", wantStatus: 400,
			wantBody: `{"message":"Missing required request parameters: [operator]"}`},
		{name: "POST /calc", method: "POST", path: "/calc", header: map[string]string{"Content-Type": "application/json"},
			body: `{"a": 6, "b": 7, "op": "mul"}`, wantStatus: 200,
			// The response template writes op unquoted: AWS's sample
			// answers exactly this text, not JSON.
			wantBody: "{\n  \"a\" : 6,\n  \"b\" : 7,\n  \"op\" : mul,\n  \"c\" : 42\n}"},
		{name: "POST /calc with a body that is not the Input model", method: "POST", path: "/calc",
			header: map[string]string{"Content-Type": "application/json"}, body: `{"a": 6}`, wantStatus: 400,
			wantBody: `{"message":"Invalid request body"}`},
		{name: "POST /calc as text, passthrough when_no_templates", method: "POST", path: "/calc",
			header: map[string]string{"Content-Type": "text/plain"}, body: `{"a": 1, "b": 2, "op": "+"}`, wantStatus: 200,
			wantBody: `"c" : 3`},
		{name: "GET /calc/{operand1}/{operand2}/{operator}", method: "GET", path: "/calc/8/2/div", wantStatus: 200,
			wantBody: `{"input":{"a":8,"b":2,"op":"div"},"output":{"c":4}}`},
	})
}

// TestLambdaBindings checks how function names in ARNs find their Go
// functions: by name, by name:qualifier, through stage variables.
func TestLambdaBindings(t *testing.T) {
	hello := func(who string) func(context.Context, json.RawMessage) (map[string]any, error) {
		return func(context.Context, json.RawMessage) (map[string]any, error) {
			return map[string]any{"statusCode": 200, "body": who}, nil
		}
	}
	doc := func(uri string) []byte {
		return []byte(fmt.Sprintf(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {"/hello": {"get": {
			"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": %q}}}}}`, uri))
	}
	fns := map[string]any{"hello": hello("hello"), "hello:beta": hello("beta"), "other": hello("other")}
	for _, tc := range []struct {
		name, uri string
		vars      map[string]string
		want      string
	}{
		{"name", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello/invocations", nil, "hello"},
		{"alias bound", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello:beta/invocations", nil, "beta"},
		{"alias by name", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello:prod/invocations", nil, "hello"},
		{"function ARN alone", "arn:aws:lambda:us-east-1:123456789012:function:other", nil, "other"},
		{"alias from a stage variable", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello:${stageVariables.alias}/invocations", map[string]string{"alias": "beta"}, "beta"},
		{"function from a stage variable", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations", map[string]string{"fn": "other"}, "other"},
		{"function and alias from one stage variable", "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}", map[string]string{"fn": "hello:beta"}, "beta"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []gateway.Option{}
			if tc.vars != nil {
				opts = append(opts, gateway.WithStage(stageWith(tc.vars)))
			}
			gw, err := openapi.New(doc(tc.uri), openapi.Bindings{Functions: fns}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer gw.Close()
			runExchanges(t, gw, []exchange{{name: "GET", method: "GET", path: "/hello", wantStatus: 200, wantBody: tc.want}})
		})
	}
	t.Run("unbound", func(t *testing.T) {
		_, err := openapi.Load(doc("arn:aws:lambda:us-east-1:123456789012:function:missing"), openapi.Bindings{Functions: fns})
		ps := openapi.Problems(err)
		if len(ps) != 1 || ps[0].Pointer != "/paths/~1hello/get/x-amazon-apigateway-integration/uri" {
			t.Fatalf("problems %v", ps)
		}
	})
}

// TestLambdaCalcRemote serves the LambdaCalc API with Calc behind Lambda's
// Invoke API (served inside the test), as `apigw serve -lambda-endpoint`
// does: the same answers as in-process.
func TestLambdaCalcRemote(t *testing.T) {
	h, err := lambdainvoke.NewHandler(map[string]any{"Calc": calc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client, err := lambdainvoke.New(lambdainvoke.Config{Endpoint: srv.URL, Region: "us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	b := openapi.Bindings{Invoke: func(name, qualifier string) openapi.Invoker { return client.Function(name, qualifier) }}
	gw, err := openapi.New(readTestdata(t, "aws-lambda-calc-export.json"), b)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	runExchanges(t, gw, []exchange{
		{name: "GET /calc", method: "GET", path: "/calc?operand1=2&operand2=3&operator=add", wantStatus: 200,
			wantHeader: map[string]string{"operand_1": "2", "operand_2": "3", "operator": "add"},
			wantBody:   `{"result":"2, 3, add => 5","a":"2","b":"3","op":"add","c":"5"}`},
		{name: "GET /calc/{operand1}/{operand2}/{operator}", method: "GET", path: "/calc/8/2/div", wantStatus: 200,
			wantBody: `{"input":{"a":8,"b":2,"op":"div"},"output":{"c":4}}`},
	})
}
