// Package awsfake holds stand-ins for AWS services, for tests and examples:
// a SigV4 check of the requests they receive, done by aws-sdk-go-v2's own
// signer, and a small in-memory S3. Nothing here talks to AWS.
package awsfake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Verify checks that r, whose body is body, carries a SigV4 Authorization
// header made with creds for service in region: the credential scope, the
// session token, the payload hash (S3's X-Amz-Content-Sha256 when sent,
// required for s3) and the signature, which aws-sdk-go-v2's signer
// recomputes over the headers r says it signed.
func Verify(r *http.Request, body []byte, creds aws.Credentials, region, service string) error {
	const algorithm = "AWS4-HMAC-SHA256 "
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, algorithm) {
		return errors.New("awsfake: no SigV4 Authorization header")
	}
	fields := map[string]string{}
	for _, f := range strings.Split(auth[len(algorithm):], ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[0] != creds.AccessKeyID || scope[2] != region || scope[3] != service || scope[4] != "aws4_request" {
		return fmt.Errorf("awsfake: credential %q: want %s/DATE/%s/%s/aws4_request", fields["Credential"], creds.AccessKeyID, region, service)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("awsfake: X-Amz-Date: %v", err)
	}
	if scope[1] != at.Format("20060102") {
		return fmt.Errorf("awsfake: credential date %s is not X-Amz-Date's", scope[1])
	}
	if got := r.Header.Get("X-Amz-Security-Token"); got != creds.SessionToken {
		return fmt.Errorf("awsfake: X-Amz-Security-Token %q: want %q", got, creds.SessionToken)
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	switch h := r.Header.Get("X-Amz-Content-Sha256"); {
	case h == "" && service == "s3":
		return errors.New("awsfake: S3 needs X-Amz-Content-Sha256")
	case h != "" && h != payloadHash:
		return fmt.Errorf("awsfake: X-Amz-Content-Sha256 %s is not the body's hash %s", h, payloadHash)
	}
	re, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.EscapedPath(), nil)
	if err != nil {
		return err
	}
	re.URL.RawQuery = r.URL.RawQuery
	re.Host = r.Host
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !contains(signed, "host") {
		return errors.New("awsfake: host is not signed")
	}
	for _, h := range signed {
		switch h {
		case "host":
		case "content-length":
			re.ContentLength = r.ContentLength
		default:
			vs := r.Header.Values(h)
			if vs == nil {
				return fmt.Errorf("awsfake: signed header %s is missing", h)
			}
			re.Header[http.CanonicalHeaderKey(h)] = vs
		}
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err := signer.SignHTTP(context.Background(), creds, re, payloadHash, service, region, at); err != nil {
		return err
	}
	if want := re.Header.Get("Authorization"); want != auth {
		return fmt.Errorf("awsfake: signature mismatch:\n got %s\nwant %s", auth, want)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
