package lambdainvoke_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/apigw/apigw/lambdainvoke"
)

// A function served through Lambda's Invoke API (as `sam local
// start-lambda` serves a template's) and invoked through it.
func Example() {
	h, _ := lambdainvoke.NewHandler(map[string]any{
		"Greet": func(_ context.Context, in struct{ Name string }) (string, error) { return "hello, " + in.Name, nil },
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	client, _ := lambdainvoke.New(lambdainvoke.Config{Endpoint: srv.URL})
	out, err := client.Function("Greet", "").Invoke(context.Background(), []byte(`{"Name": "ann"}`))
	fmt.Println(string(out), err)
	// Output: "hello, ann" <nil>
}
