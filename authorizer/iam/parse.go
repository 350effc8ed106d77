package iam

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw"
)

// algorithm is the only SigV4 algorithm AWS's execute-api accepts.
const algorithm = "AWS4-HMAC-SHA256"

// signature is what a request says of its own signature, parsed.
type signature struct {
	presigned     bool
	algorithm     string
	credential    string   // AKID/20150830/us-east-1/execute-api/aws4_request
	scope         []string // credential split on '/'
	signedHeaders []string // lower-case, as listed
	signedRaw     string
	sig           string // hex
	dateRaw       string
	date          time.Time
	expires       time.Duration // presigned only; 0 if absent
	token         string        // X-Amz-Security-Token
	hasToken      bool
}

// parseAuthorization reads the Authorization header form. hdr is the
// header's value; amzDate the X-Amz-Date header's ("" if absent), hasDate
// whether a Date header is present.
func parseAuthorization(hdr, amzDate string, hasDate bool) (signature, *apigw.Error) {
	s := signature{dateRaw: amzDate}
	fields := strings.FieldsFunc(hdr, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(fields) > 0 {
		s.algorithm = fields[0]
	}
	var bad string // the first part without '='
	var haveCred, haveSig, haveSH bool
	for _, f := range fields[min(1, len(fields)):] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			if bad == "" {
				bad = f
			}
			continue
		}
		switch k {
		case "Credential":
			s.credential, haveCred = v, v != ""
		case "Signature":
			s.sig, haveSig = v, v != ""
		case "SignedHeaders":
			s.signedRaw, haveSH = v, true
		}
	}
	var msg strings.Builder
	if !haveCred {
		msg.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if !haveSig {
		msg.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if !haveSH {
		msg.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if amzDate == "" && !hasDate {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		return s, incomplete(msg.String() + "Authorization=" + hdr)
	}
	if bad != "" {
		return s, incomplete("'" + bad + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + hdr + "'.")
	}
	if amzDate == "" {
		return s, incomplete("Authorization header requires existence of a 'X-Amz-Date' header: apigw does not take the Date header.")
	}
	s.signedHeaders = strings.Split(s.signedRaw, ";")
	return s, nil
}

// presignParams are the query parameters of a presigned request, in the
// order AWS reports them missing.
var presignParams = [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"}

// parsePresigned reads the presigned query form from the request's decoded
// query parameters.
func parsePresigned(q []queryParam) (signature, *apigw.Error) {
	s := signature{presigned: true}
	var vals [len(presignParams)]string
	var expires string
	var haveExpires bool
	seen := map[string]bool{}
	for _, p := range q {
		if strings.HasPrefix(p.key, "X-Amz-") {
			if seen[p.key] {
				// The signer would overwrite a duplicate, so it would go
				// unsigned.
				return s, invalidSignature("The query string has '"+p.key+"' more than once.", nil)
			}
			seen[p.key] = true
		}
		for i, name := range presignParams {
			if p.key == name && vals[i] == "" {
				vals[i] = p.value
			}
		}
		switch p.key {
		case "X-Amz-Expires":
			expires, haveExpires = p.value, true
		case "X-Amz-Security-Token":
			s.token, s.hasToken = p.value, true
		}
	}
	var msg strings.Builder
	for i, name := range presignParams {
		if vals[i] == "" {
			msg.WriteString("AWS query-string parameters must include '" + name + "'. ")
		}
	}
	if msg.Len() > 0 {
		return s, incomplete(msg.String() + "Re-examine the query-string parameters.")
	}
	s.algorithm, s.credential, s.sig, s.signedRaw, s.dateRaw = vals[0], vals[1], vals[2], vals[3], vals[4]
	s.signedHeaders = strings.Split(s.signedRaw, ";")
	if haveExpires {
		n, err := strconv.ParseInt(expires, 10, 64)
		switch {
		case err != nil || n < 0:
			return s, incomplete("X-Amz-Expires should be a number")
		case time.Duration(n)*time.Second > MaxExpires:
			return s, incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800")
		}
		s.expires = time.Duration(n) * time.Second
	}
	return s, nil
}

// checkFields checks what needs no secret, in AWS's order: the date's
// format and age, host among the signed headers, the algorithm, the
// credential's shape and scope.
func (s *signature) checkFields(now time.Time, skew time.Duration, region, service string) *apigw.Error {
	d, err := time.Parse(amzDateFormat, s.dateRaw)
	if err != nil || len(s.dateRaw) != len(amzDateFormat) {
		return incomplete("Date must be in ISO-8601 'basic format'. Got '" + s.dateRaw + "'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	s.date = d
	switch {
	case s.presigned && s.expires > 0 && now.After(d.Add(s.expires)):
		return presignExpired(d, now, s.expires)
	case !(s.presigned && s.expires > 0) && d.Before(now.Add(-skew)):
		return expired(d, now, skew)
	case d.After(now.Add(skew)):
		return notYetCurrent(d, now, skew)
	}
	host := false
	for _, h := range s.signedHeaders {
		if strings.EqualFold(h, "host") {
			host = true
		}
	}
	if !host {
		return invalidSignature(msgHostNotSigned, nil)
	}
	if s.algorithm != algorithm {
		return incomplete("Unsupported AWS 'algorithm': '" + s.algorithm + "' (only AWS4-HMAC-SHA256 for now). ")
	}
	cred := strings.TrimRight(s.credential, "/")
	s.scope = strings.Split(cred, "/")
	if len(s.scope) != 5 || s.scope[0] == "" {
		return incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + cred + "'")
	}
	var msg []string
	if s.scope[2] != region {
		msg = append(msg, "Credential should be scoped to a valid region, not '"+s.scope[2]+"'.")
	}
	if s.scope[3] != service {
		msg = append(msg, "Credential should be scoped to correct service: '"+service+"'.")
	}
	if s.scope[4] != "aws4_request" {
		msg = append(msg, "Credential should be scoped with a valid terminator: 'aws4_request', not '"+s.scope[4]+"'.")
	}
	if s.scope[1] != s.dateRaw[:8] {
		msg = append(msg, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			s.scope[1]+"' != '"+s.dateRaw[:8]+"', from '"+s.dateRaw+"'.")
	}
	if len(msg) > 0 {
		return invalidSignature(strings.Join(msg, " "), nil)
	}
	return nil
}

// authorizationHeader returns the request's one Authorization value and
// whether it has one.
func authorizationHeader(r *http.Request) (string, bool) {
	v := r.Header["Authorization"]
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}
