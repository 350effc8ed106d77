package awsfake

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// S3 is an in-memory S3 of path-style requests (/{bucket}/{key}) signed
// with one credential: PutObject, GetObject, HeadObject and DeleteObject in
// the buckets it was given, with S3's XML errors (NoSuchBucket, NoSuchKey,
// SignatureDoesNotMatch). It is safe for simultaneous use.
type S3 struct {
	creds  aws.Credentials
	region string

	mu      sync.Mutex
	buckets map[string]map[string]object
}

type object struct {
	body        []byte
	contentType string
}

// NewS3 returns an S3 that accepts requests signed with creds for region,
// holding the empty buckets named.
func NewS3(creds aws.Credentials, region string, buckets ...string) *S3 {
	s := &S3{creds: creds, region: region, buckets: map[string]map[string]object{}}
	for _, b := range buckets {
		s.buckets[b] = map[string]object{}
	}
	return s
}

// ServeHTTP answers one S3 request.
func (s *S3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		s3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error())
		return
	}
	if err := Verify(r, body, s.creds, s.region, "s3"); err != nil {
		s3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", err.Error())
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	objects := s.buckets[bucket]
	if objects == nil {
		s3Error(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	if key == "" {
		s3Error(w, http.StatusNotImplemented, "NotImplemented", "only object operations are implemented")
		return
	}
	switch r.Method {
	case http.MethodPut:
		objects[key] = object{body: bytes.Clone(body), contentType: r.Header.Get("Content-Type")}
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(len(body))))
		w.WriteHeader(http.StatusOK)
	case http.MethodGet, http.MethodHead:
		o, ok := objects[key]
		if !ok {
			s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		ct := o.contentType
		if ct == "" {
			ct = "binary/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(o.body)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(o.body)
		}
	case http.MethodDelete:
		delete(objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		s3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
}

// s3Error writes S3's XML error document.
func s3Error(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_ = xml.NewEncoder(w).Encode(struct {
		XMLName xml.Name `xml:"Error"`
		Code    string
		Message string
	}{Code: code, Message: message})
}
