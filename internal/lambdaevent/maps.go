package lambdaevent

import (
	"net/http"
	"slices"
	"strings"

	"github.com/apigw/apigw"
	"github.com/aws/aws-lambda-go/events"
)

// HeadersV1 is a payload 1.0 event's headers (the last value of each) and
// multiValueHeaders, Host included; the maps and slices are the event's
// own. Both are nil when there are none.
func HeadersV1(r *http.Request) (single map[string]string, multi map[string][]string) {
	if len(r.Header) == 0 && r.Host == "" {
		return nil, nil
	}
	single = make(map[string]string, len(r.Header)+1)
	multi = make(map[string][]string, len(r.Header)+1)
	for name, vals := range r.Header {
		if len(vals) == 0 {
			continue
		}
		single[name] = vals[len(vals)-1]
		multi[name] = slices.Clone(vals)
	}
	if r.Host != "" {
		single["Host"] = r.Host
		multi["Host"] = []string{r.Host}
	}
	return single, multi
}

// QueryV1 is a payload 1.0 event's queryStringParameters (the last value of
// each) and multiValueQueryStringParameters; nil when there are none.
func QueryV1(r *http.Request) (single map[string]string, multi map[string][]string) {
	q := r.URL.Query()
	if len(q) == 0 {
		return nil, nil
	}
	single = make(map[string]string, len(q))
	for name, vals := range q {
		single[name] = vals[len(vals)-1]
	}
	return single, q
}

// HeadersV2 is a payload 2.0 event's headers — names lower-cased, repeated
// values joined with commas, Host included — and its cookies, taken out of
// the Cookie header.
func HeadersV2(r *http.Request) (headers map[string]string, cookies []string) {
	headers = make(map[string]string, len(r.Header)+1)
	for name, vals := range r.Header {
		if strings.EqualFold(name, "Cookie") {
			for _, v := range vals {
				for part := range strings.SplitSeq(v, ";") {
					if part = strings.TrimSpace(part); part != "" {
						cookies = append(cookies, part)
					}
				}
			}
			continue
		}
		headers[strings.ToLower(name)] = strings.Join(vals, ",")
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	return headers, cookies
}

// QueryV2 is a payload 2.0 event's queryStringParameters: repeated values
// joined with commas; nil when there are none.
func QueryV2(r *http.Request) map[string]string {
	q := r.URL.Query()
	if len(q) == 0 {
		return nil
	}
	out := make(map[string]string, len(q))
	for name, vals := range q {
		out[name] = strings.Join(vals, ",")
	}
	return out
}

// RequestContextV2 is a payload 2.0 event's requestContext for the request
// r and its Context c, without the authorizer (each caller says what it
// knows of it). path is the http.path field.
func RequestContextV2(r *http.Request, c *apigw.Context, routeKey, path string) events.APIGatewayV2HTTPRequestContext {
	return events.APIGatewayV2HTTPRequestContext{
		RouteKey:     routeKey,
		AccountID:    c.AccountID,
		Stage:        c.Stage,
		RequestID:    c.RequestID,
		APIID:        c.APIID,
		DomainName:   c.DomainName,
		DomainPrefix: c.DomainPrefix,
		Time:         c.RequestTimeString(),
		TimeEpoch:    c.RequestTimeEpoch(),
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
			Method:    r.Method,
			Path:      path,
			Protocol:  c.Protocol,
			SourceIP:  c.Identity.SourceIP,
			UserAgent: c.Identity.UserAgent,
		},
	}
}
