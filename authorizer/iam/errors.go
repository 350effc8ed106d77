package iam

import (
	"errors"
	"fmt"
	"time"

	"github.com/apigw/apigw"
)

// AWS's answers to bad signatures. The texts are those API Gateway and the
// other AWS services sharing its SigV4 front end send; where each was
// found is noted in testdata/README.md.
const (
	msgMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInvalidToken  = "The security token included in the request is invalid."
	msgHostNotSigned = "'Host' must be a 'SignedHeader' in the AWS Authorization."
	msgBothForms     = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	amzDateFormat    = "20060102T150405Z"
)

// missingToken is the 403 of a request with no signature at all.
func missingToken() *apigw.Error {
	return &apigw.Error{Type: apigw.MissingAuthenticationToken, Err: errors.New("iam: no Authorization header nor X-Amz-Algorithm query parameter")}
}

// incomplete is AWS's IncompleteSignatureException, answered by API
// Gateway as a MISSING_AUTHENTICATION_TOKEN gateway response.
func incomplete(msg string) *apigw.Error {
	return &apigw.Error{Type: apigw.MissingAuthenticationToken, Message: msg, ErrorType: "IncompleteSignatureException",
		Err: errors.New("iam: incomplete signature")}
}

// invalidSignature is AWS's InvalidSignatureException.
func invalidSignature(msg string, cause error) *apigw.Error {
	return &apigw.Error{Type: apigw.InvalidSignature, Message: msg, Err: cause}
}

// invalidToken is AWS's UnrecognizedClientException: an unknown access key
// or a session token that does not belong to it.
func invalidToken(cause error) *apigw.Error {
	return &apigw.Error{Type: apigw.InvalidSignature, Message: msgInvalidToken, ErrorType: "UnrecognizedClientException", Err: cause}
}

// expired is the refusal of a date too far in the past: "Signature
// expired: 20170212T175938Z is now earlier than 20170215T145534Z
// (20170215T150034Z - 5 min.)".
func expired(date, now time.Time, skew time.Duration) *apigw.Error {
	msg := fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
		date.Format(amzDateFormat), now.Add(-skew).Format(amzDateFormat), now.Format(amzDateFormat), skewText(skew))
	return invalidSignature(msg, errors.New("iam: X-Amz-Date too old"))
}

// notYetCurrent is the refusal of a date too far in the future: "Signature
// not yet current: 20230804T000000Z is still later than 20230803T172233Z
// (20230803T171733Z + 5 min.)".
func notYetCurrent(date, now time.Time, skew time.Duration) *apigw.Error {
	msg := fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
		date.Format(amzDateFormat), now.Add(skew).Format(amzDateFormat), now.Format(amzDateFormat), skewText(skew))
	return invalidSignature(msg, errors.New("iam: X-Amz-Date in the future"))
}

// presignExpired is the refusal of a presigned request past X-Amz-Expires.
func presignExpired(date, now time.Time, expires time.Duration) *apigw.Error {
	msg := fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d sec.)",
		date.Format(amzDateFormat), now.Add(-expires).Format(amzDateFormat), now.Format(amzDateFormat), int64(expires/time.Second))
	return invalidSignature(msg, errors.New("iam: presigned request past X-Amz-Expires"))
}

func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int64(d/time.Minute))
	}
	return fmt.Sprintf("%d sec", int64(d/time.Second))
}

// mismatch is the refusal of a wrong signature, with the canonical request
// and string to sign AWS's servers would have used, as AWS sends them.
func mismatch(canonical, stringToSign string) *apigw.Error {
	msg := msgMismatch
	if canonical != "" {
		msg += "\n\nThe Canonical String for this request should have been\n'" + canonical +
			"'\n\nThe String-to-Sign should have been\n'" + stringToSign + "'\n"
	}
	return invalidSignature(msg, errors.New("iam: signature mismatch"))
}
