package sam_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/apigw/apigw/openapi"
	"github.com/apigw/apigw/sam"
	"github.com/aws/aws-lambda-go/events"
)

// A template's function, bound in-process by its logical id, behind the
// implicit API SAM makes of its Api event.
func ExampleNew() {
	template := []byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
      Runtime: provided.al2023
      Events:
        Hello:
          Type: Api
          Properties:
            Path: /hello
            Method: get
`)
	hello := func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "hello from " + req.RequestContext.Stage}, nil
	}
	gw, err := sam.New(template, sam.Bindings{Bindings: openapi.Bindings{Functions: map[string]any{"HelloFunction": hello}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, httptest.NewRequest("GET", "/hello", nil))
	fmt.Println(w.Code, w.Body)
	// Output: 200 hello from Prod
}
