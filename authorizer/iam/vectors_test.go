package iam

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw"
	"github.com/apigw/apigw/authorizer"
)

// vector is one request of AWS's SigV4 test suite (testdata/sigv4).
type vector struct {
	name string
	dir  string
	ctx  struct {
		Credentials struct {
			AccessKeyID     string `json:"access_key_id"`
			SecretAccessKey string `json:"secret_access_key"`
			Token           string `json:"token"`
		} `json:"credentials"`
		Region    string    `json:"region"`
		Service   string    `json:"service"`
		Timestamp time.Time `json:"timestamp"`
	}
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	dirs, err := filepath.Glob("testdata/sigv4/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	var vs []vector
	for _, d := range dirs {
		v := vector{name: filepath.Base(d), dir: d}
		data, err := os.ReadFile(filepath.Join(d, "context.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &v.ctx); err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func (v vector) file(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(v.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// rawRequest builds the request a server would receive from the text of
// an HTTP/1.1 request: RequestURI is the request line's target exactly as
// written (spaces and UTF-8 included), header lines may be folded.
func rawRequest(t *testing.T, text string) *http.Request {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	first := lines[0]
	method, rest, _ := strings.Cut(first, " ")
	target := rest[:strings.LastIndex(rest, " HTTP/")]
	r := &http.Request{Method: method, RequestURI: target, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	path, query, _ := strings.Cut(target, "?")
	r.URL = &url.URL{Path: path, RawQuery: query}
	var last string
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' { // obs-fold: a continuation of the last header
			vals := r.Header[last]
			vals[len(vals)-1] += " " + strings.TrimSpace(l)
			continue
		}
		k, val, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("header line %q", l)
		}
		last = http.CanonicalHeaderKey(k)
		r.Header[last] = append(r.Header[last], strings.TrimLeft(val, " "))
	}
	r.Host = r.Header.Get("Host")
	r.Header.Del("Host")
	if body != "" {
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	return r
}

func (v vector) authorizer(t *testing.T) *Authorizer {
	t.Helper()
	c := v.ctx.Credentials
	a, err := New(Config{
		Region: v.ctx.Region,
		Credentials: NewStatic(Credential{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.Token,
			Identity: Identity{AccountID: "123456789012", UserARN: "arn:aws:iam::123456789012:user/example"},
			Policy:   allowAll}),
		Now: func() time.Time { return v.ctx.Timestamp },
	})
	if err != nil {
		t.Fatal(err)
	}
	a.service = v.ctx.Service // the suite signs for the service "service"
	return a
}

var allowAll = authorizer.MustPolicy(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:*","Resource":"*"}}`)

// TestSigV4TestSuite verifies every request of AWS's test suite, signed in
// the header and the presigned form: the verifier accepts it, and the
// canonical request and string to sign aws-sdk-go-v2 computes for it are
// the suite's. The suite's requests with empty or dot path segments are
// refused by design (see the package documentation); their canonical
// request and signature are still checked against the normalised path.
func TestSigV4TestSuite(t *testing.T) {
	for _, v := range loadVectors(t) {
		for _, form := range []string{"header", "query"} {
			t.Run(v.name+"/"+form, func(t *testing.T) {
				a := v.authorizer(t)
				r := rawRequest(t, v.file(t, form+"-signed-request.txt"))
				c := apigw.NewRequestContext(r, v.ctx.Timestamp)
				path, rawQuery := target(r)
				wantSig := strings.TrimSpace(v.file(t, form+"-signature.txt"))
				err := a.Authorize(r, c, nil)
				if !normalPath(path) {
					if e, ok := err.(*apigw.Error); !ok || e.Type != apigw.InvalidSignature {
						t.Fatalf("a path with empty or dot segments: %v", err)
					}
				} else if err != nil {
					t.Fatalf("refused: %v", err)
				}

				// The canonical request, string to sign and signature, by
				// the SDK's signer over what the verifier hands it.
				params, err := parseQuery(rawQuery)
				if err != nil {
					t.Fatal(err)
				}
				var s signature
				if form == "header" {
					hdr, _ := authorizationHeader(r)
					s, _ = parseAuthorization(hdr, firstValue(r.Header, "X-Amz-Date"), false)
				} else {
					s, _ = parsePresigned(params)
				}
				if e := s.checkFields(v.ctx.Timestamp, DefaultMaxSkew, a.region, a.service); e != nil {
					t.Fatal(e)
				}
				payload := emptyHash
				if r.Body != nil {
					if payload, _ = a.payloadHash(r, c, &s); payload == "" {
						t.Fatal("no payload hash")
					}
				}
				cred, _ := a.creds.Lookup(context.Background(), s.scope[0])
				var log captureLogger
				got, _, err := a.compute(context.Background(), cred, &s, a.signingRequest(r, &s, normalizePath(path), params, v.name == "post-sts-header-after" && form == "query"), payload, &log)
				if err != nil {
					t.Fatal(err)
				}
				if want := v.file(t, form+"-canonical-request.txt"); log.canonical != want {
					t.Errorf("canonical request\n%s\nwant\n%s", log.canonical, want)
				}
				if want := v.file(t, form+"-string-to-sign.txt"); log.stringToSign != want {
					t.Errorf("string to sign\n%s\nwant\n%s", log.stringToSign, want)
				}
				if got != wantSig || s.sig != wantSig {
					t.Errorf("signature %s, request says %s, want %s", got, s.sig, wantSig)
				}
			})
		}
	}
}
