package iam_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
	"github.com/apigw/apigw/authorizer/iam"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// An API behind SigV4: alice may invoke everything; the API's resource
// policy denies bob's PUTs. Requests are signed as any AWS client signs
// them (here aws-sdk-go-v2; curl --aws-sigv4 "aws:amz:us-east-1:execute-api"
// --user AKID:SECRET does the same).
func Example() {
	invoke := authorizer.MustPolicy(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}}`)
	creds := iam.NewStatic(
		iam.Credential{AccessKeyID: "AKIAALICE00000000001", SecretAccessKey: "alice/secret/key/0000000000000000000001", Policy: invoke,
			Identity: iam.Identity{AccountID: "123456789012", UserARN: "arn:aws:iam::123456789012:user/alice"}},
		iam.Credential{AccessKeyID: "AKIABOB0000000000001", SecretAccessKey: "bob/secret/key/00000000000000000000001", Policy: invoke,
			Identity: iam.Identity{AccountID: "123456789012", UserARN: "arn:aws:iam::123456789012:user/bob"}},
	)
	a, err := iam.New(iam.Config{Region: "us-east-1", Credentials: creds})
	if err != nil {
		panic(err)
	}
	rp := authorizer.MustResourcePolicy(authorizer.ResourcePolicyConfig{Document: `{"Version":"2012-10-17","Statement":{
		"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"execute-api:Invoke","Resource":"execute-api:/*/PUT/*"}}`})
	api := authorizer.Middleware(rp.Guard(authorizer.AuthIAM, a), nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello,", apigw.FromContext(r.Context()).Identity.UserARN)
	}))
	srv := httptest.NewServer(api)
	defer srv.Close()

	call := func(method, key, secret string) {
		r, _ := http.NewRequest(method, srv.URL+"/files/notes.txt", nil)
		creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
		_ = v4.NewSigner().SignHTTP(context.Background(), creds, r, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "execute-api", "us-east-1", time.Now())
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		fmt.Printf("%s %d %.80s\n", method, res.StatusCode, strings.TrimSpace(string(body)))
	}
	call("PUT", "AKIAALICE00000000001", "alice/secret/key/0000000000000000000001")
	call("PUT", "AKIABOB0000000000001", "bob/secret/key/00000000000000000000001")
	call("GET", "AKIABOB0000000000001", "wrong")
	// Output:
	// PUT 200 hello, arn:aws:iam::123456789012:user/alice
	// PUT 403 {"Message":"User: arn:aws:iam::123456789012:user/bob is not authorized to perfor
	// GET 403 {"message":"The request signature we calculated does not match the signature you
}
